// Typed error classes shared by every pipeline stage: each carries a stage code and a location
// so the CLI can print one line (`[elf] fw.o: section .maps: truncated (offset 0x1c0)`) and exit 2.

/** Base class: everything that is the user's input's fault (exit status 2, no stack trace). */
export class XdpsimError extends Error {
  /** Pipeline stage that raised it: "elf", "btf", "loader", "verifier", "capture", "usage", … */
  readonly stage: string;
  constructor(stage: string, message: string) {
    super(message);
    this.stage = stage;
    this.name = new.target.name;
  }
  /** The one line the CLI prints. */
  format(): string {
    return `[${this.stage}] ${this.message}`;
  }
}

/** Malformed or unsupported ELF object: names the file, section and byte offset. */
export class ElfError extends XdpsimError {
  constructor(file: string, where: string, detail: string, offset?: number) {
    super("elf", `${file}: ${where}: ${detail}${offset === undefined ? "" : ` (offset 0x${offset.toString(16)})`}`);
  }
}

/** Malformed BTF / BTF.ext data. */
export class BtfError extends XdpsimError {
  constructor(file: string, where: string, detail: string, offset?: number) {
    super("btf", `${file}: ${where}: ${detail}${offset === undefined ? "" : ` (offset 0x${offset.toString(16)})`}`);
  }
}

/** Object loads structurally but cannot be turned into a program (unknown helper, bad reloc, …). */
export class LoadError extends XdpsimError {
  constructor(message: string) {
    super("loader", message);
  }
}

/** Corrupt or unsupported capture: names file, byte offset and packet index. */
export class CaptureError extends XdpsimError {
  readonly offset: number;
  readonly packetIndex: number;
  constructor(file: string, detail: string, offset: number, packetIndex: number) {
    super("capture", `${file}: ${detail} (byte offset ${offset}, packet ${packetIndex})`);
    this.offset = offset;
    this.packetIndex = packetIndex;
  }
}

/** The verifier rejects the program (message in the kernel's wording, plus insn and source line). */
export class VerifierError extends XdpsimError {
  readonly insn: number;
  readonly log: string;
  constructor(message: string, insn: number, log = "") {
    super("verifier", message);
    this.insn = insn;
    this.log = log;
  }
}

/** Bad command-line option, bad map-init / spec JSON, unknown map or program name. */
export class UsageError extends XdpsimError {
  constructor(message: string) {
    super("usage", message);
  }
}

/**
 * A fault inside the simulated program (out-of-bounds access, budget exceeded, bad helper
 * argument). Never escapes a run: the backend turns it into XDP_ABORTED with `(insn #N)`.
 */
export class BpfFault extends Error {
  /** Instruction index, filled in by the backend when the thrower did not know it (-1). */
  insn: number;
  constructor(message: string, insn = -1) {
    super(message);
    this.insn = insn;
    this.name = "BpfFault";
  }
  /** `message (insn #N)` as results.jsonl's "fault" field wants it. */
  describe(): string {
    return this.insn >= 0 ? `${this.message} (insn #${this.insn})` : this.message;
  }
}

/** Assembler / conformance `.data` syntax error: names the source and line. */
export class AsmError extends XdpsimError {
  readonly line: number;
  constructor(source: string, line: number, detail: string) {
    super("asm", `${source}:${line}: ${detail}`);
    this.line = line;
  }
}
