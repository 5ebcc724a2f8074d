// The bpf_conformance plugin protocol (CONTRACT.md "conformance-plugin"): memory hex in argv, program hex on
// stdin, r0 printed as bare lowercase hex; helper #5 is the suite's `unwind`. Suite: bpf_conformance src/runner.cc.

import { BpfFault, XdpsimError } from "../errors.js";
import type { BackendFactory } from "../exec/backend.js";
import { readElf } from "../elf/read-elf.js";
import { SHF_EXECINSTR, STB_GLOBAL, STT_FUNC } from "../elf/types.js";
import { decodeInsns, INSN_SIZE } from "../isa/insn.js";
import { loadObject } from "../loader/load-object.js";
import type { ObjectSpec, ProgramSpec } from "../loader/types.js";
import { RegionKind } from "../runtime/memory.js";
import { Runtime, type HelperFn } from "../runtime/runtime.js";

/** What the plugin process prints and its exit status. */
export interface ConformancePluginResult {
  stdout: string;
  exitCode: number;
}

/** Loads an ELF object for `--elf` (default: src/loader/load-object.ts loadObject). */
export type ElfLoader = (bytes: Uint8Array, file: string) => ObjectSpec;

/** The suite's helper id for `unwind`. */
export const UNWIND_HELPER_ID = 5;

/** Thrown by the unwind helper when r1 is 0: the program ends at once, returning 0. */
class Unwind {
  readonly unwind = true;
}

/**
 * Run one conformance-suite program. `argv` is what follows `conformance-plugin` (memory hex, then options
 * `--elf`, `--backend jit|interp`; an option string holding several words is split), `stdinText` the program
 * as hex bytes. `makeExecutor` is the backend to run it with; `loadElf` turns `--elf` input into an object
 * (its first program runs).
 */
export function runConformancePlugin(
  argv: string[],
  stdinText: string,
  makeExecutor: BackendFactory,
  loadElf: ElfLoader = loadObject,
): ConformancePluginResult {
  let memHex: string | null = null;
  let elf = false;
  const words: string[] = [];
  for (const arg of argv) {
    // The first argument is the memory unless it is an option; option values follow their option.
    if (memHex === null && words.length === 0 && !arg.trimStart().startsWith("--")) memHex = arg;
    else words.push(...arg.trim().split(/\s+/).filter((w) => w !== ""));
  }
  for (let k = 0; k < words.length; k++) {
    const w = words[k];
    if (w === "--elf") elf = true;
    else if (w === "--backend") {
      const b = words[++k];
      if (b !== "jit" && b !== "interp") return usage(`--backend must be jit or interp, not '${b ?? ""}'`);
    } else if (w.startsWith("--backend=")) {
      const b = w.slice("--backend=".length);
      if (b !== "jit" && b !== "interp") return usage(`--backend must be jit or interp, not '${b}'`);
    } else return usage(`unknown option '${w}'`);
  }

  let memory: Uint8Array;
  let code: Uint8Array;
  try {
    memory = parseHexBytes(memHex ?? "", "memory argument");
    code = parseHexBytes(stdinText, "program on stdin");
  } catch (e) {
    return { stdout: (e as Error).message, exitCode: 1 };
  }

  let obj: ObjectSpec;
  try {
    if (elf) {
      obj = loadElf(code, "<stdin>");
      if (obj.programs.length === 0) {
        // The suite writes its programs as function `main` in section .text (xdp only with its XDP prolog).
        const insns = textFunction(code);
        if (insns === null) return { stdout: "ELF object has no program", exitCode: 1 };
        obj = objectFor(insns);
      }
    } else {
      if (code.length === 0) return { stdout: "no program on stdin", exitCode: 1 };
      if (code.length % INSN_SIZE !== 0) {
        return { stdout: `program is ${code.length} bytes, not a multiple of ${INSN_SIZE}`, exitCode: 1 };
      }
      obj = objectFor(decodeInsns(code));
    }
  } catch (e) {
    return { stdout: e instanceof XdpsimError ? e.format() : String((e as Error).message ?? e), exitCode: 1 };
  }

  try {
    const rt = new Runtime(obj);
    rt.helpers[UNWIND_HELPER_ID] = unwindHelper;
    const args = new Uint32Array(12);
    if (memory.length > 0) {
      const region = rt.mem.add(RegionKind.Mem, memory, true, "memory");
      args[3] = region.id;
    }
    args[4] = memory.length;
    const exec = makeExecutor(rt);
    rt.beginPacket();
    try {
      exec.run(0, args);
    } catch (e) {
      if (e instanceof Unwind) return { stdout: "0", exitCode: 0 };
      throw e;
    }
    const r0 = (BigInt(args[1]) << 32n) | BigInt(args[0]);
    return { stdout: r0.toString(16), exitCode: 0 };
  } catch (e) {
    if (e instanceof BpfFault) return { stdout: e.describe(), exitCode: 1 };
    if (e instanceof XdpsimError) return { stdout: e.format(), exitCode: 1 };
    return { stdout: `internal error: ${e instanceof Error ? e.message : String(e)}`, exitCode: 1 };
  }
}

/** Helper #5 of the suite: r0 = r1; a zero value ends the program at once with r0 = 0. */
const unwindHelper: HelperFn = (_rt, r) => {
  r[0] = r[2];
  r[1] = r[3];
  if ((r[2] | r[3]) === 0) throw new Unwind();
};

/**
 * The instructions of global function `main` (else the first global function) of an executable section,
 * up to the end of that section: how the suite's ELF writer (bpf_writer_classic) lays a test out.
 */
function textFunction(bytes: Uint8Array): ProgramSpec["insns"] | null {
  const elf = readElf(bytes, "<stdin>");
  const funcs = elf.symbols.filter((sym) => sym.type === STT_FUNC && sym.bind === STB_GLOBAL &&
    (elf.sections[sym.shndx]?.flags ?? 0) & SHF_EXECINSTR);
  const sym = funcs.find((f) => f.name === "main") ?? funcs[0];
  if (sym === undefined) return null;
  const data = elf.sections[sym.shndx].data;
  return decodeInsns(data.subarray(sym.value));
}

/** An object holding one program and no maps. */
function objectFor(insns: ProgramSpec["insns"]): ObjectSpec {
  const prog: ProgramSpec = {
    name: "conformance",
    section: "xdp",
    insns,
    subprogs: [{ name: "conformance", start: 0, end: insns.length }],
    funcInfo: [],
    lineInfo: [],
    mapRefs: [],
  };
  return { file: "<stdin>", license: "GPL", gplCompatible: true, programs: [prog], maps: [], globals: [], btf: null };
}

/** Hex bytes as the suite writes them ("b7  00  00  00  "); also accepts runs of digits without spaces. */
export function parseHexBytes(text: string, what: string): Uint8Array {
  const out: number[] = [];
  for (const word of text.split(/\s+/)) {
    if (word === "") continue;
    const w = word.startsWith("0x") || word.startsWith("0X") ? word.slice(2) : word;
    if (!/^[0-9a-fA-F]+$/.test(w) || w.length % 2 !== 0) throw new Error(`${what}: bad hex byte '${word}'`);
    for (let k = 0; k < w.length; k += 2) out.push(parseInt(w.slice(k, k + 2), 16));
  }
  return Uint8Array.from(out);
}

function usage(message: string): ConformancePluginResult {
  return { stdout: message, exitCode: 2 };
}
