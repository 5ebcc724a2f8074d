// `prog dump xlated`: the program after the verifier's rewrites, in the reference bpftool's syntax, with
// function prototypes and `; source` lines from BTF (plain, linum, opcodes, -j).
// Spec: tools/bpf/bpftool/xlated_dumper.c (dump_xlated_plain, dump_xlated_json, print_call).

import { insnIndexPrefix, bpftoolImm, type DisasmCallbacks } from "../isa/disassemble.js";
import { encodeInsns } from "../isa/insn.js";
import { BPF_LD_IMM64, BPF_PSEUDO_CALL } from "../isa/opcodes.js";
import type { LineInfo, ObjectSpec, ProgramSpec } from "../loader/types.js";
import { applyVerifierRewrites, type XlatedProgram } from "./apply-verifier-rewrites.js";
import { formatBpftoolInsn } from "./format-bpftool-insn.js";
import { formatFuncSignature } from "./format-func-signature.js";

export interface XlatedOptions {
  /** Add `[file:F line_num:N line_col:C]` to source lines. */
  linum?: boolean;
  /** Add the raw instruction bytes. */
  opcodes?: boolean;
}

/** One printed instruction (the second slot of an lddw is folded into the first). */
export interface XlatedInsn {
  index: number;
  /** Function prototype printed above it (first instruction of a function with func_info). */
  proto?: string;
  /** Source line printed above it (line_info starting exactly here). */
  line?: LineInfo;
  disasm: string;
  /** 8 bytes, or 16 for an lddw. */
  bytes: Uint8Array;
}

/** The callbacks bpftool hands print_bpf_insn: map ids for lddw, kernel symbols for calls. */
export function xlatedCallbacks(x: XlatedProgram): DisasmCallbacks {
  const symAt = new Map(x.subprogs.map((sp, k) => [k, sp.symbol]));
  return {
    imm: bpftoolImm(),
    call: (insn, i) => {
      if (insn.src === BPF_PSEUDO_CALL) {
        // jit_subprogs leaves off = relative offset, imm = callee's subprogram index.
        const rel = insn.off >= 0 ? `+${insn.off}` : `${insn.off}`;
        const sym = symAt.get(insn.imm);
        return sym ? `${rel}#${sym}` : rel;
      }
      return x.funcs.get(i);
    },
  };
}

/** The rewritten program as `collectXlated` prints it, plus what the CFG needs. */
export interface XlatedDump {
  insns: XlatedInsn[];
  program: XlatedProgram;
}

/**
 * The instructions with their prototypes and source lines, as dump_xlated_plain walks them, after the
 * verifier's rewrites (apply-verifier-rewrites.ts). Throws VerifierError when the kernel would reject it.
 */
export function collectXlated(obj: ObjectSpec, prog: ProgramSpec): XlatedInsn[] {
  return collectXlatedDump(obj, prog).insns;
}

export function collectXlatedDump(obj: ObjectSpec, prog: ProgramSpec): XlatedDump {
  const progIndex = obj.programs.indexOf(prog);
  const x = applyVerifierRewrites(obj, progIndex);
  const cbs = xlatedCallbacks(x);
  const raw = encodeInsns(x.insns);
  const protos = new Map<number, string>();
  if (obj.btf) {
    for (const f of prog.funcInfo) {
      const k = prog.subprogs.findIndex((sp) => sp.start === f.insn);
      const sp = x.subprogs.find((s) => s.name === prog.subprogs[k]?.name);
      const sig = formatFuncSignature(obj.btf, f.btfTypeId);
      if (sp && sig !== "") protos.set(sp.start, sig);
    }
  }
  const out: XlatedInsn[] = [];
  for (let i = 0; i < x.insns.length; i++) {
    const wide = x.insns[i].op === BPF_LD_IMM64 && i + 1 < x.insns.length;
    const bytes = raw.slice(i * 8, (i + (wide ? 2 : 1)) * 8);
    // A call patched to a kernel function prints its symbol (the kernel's own helper-name table only
    // answers for imm < __BPF_FUNC_MAX_ID, which real function offsets never are).
    const fn = x.funcs.get(i);
    const disasm = fn !== undefined ? `(85) call ${fn}#${x.insns[i].imm | 0}` : formatBpftoolInsn(x.insns, i, cbs);
    const xi: XlatedInsn = { index: i, disasm, bytes };
    const p = protos.get(i);
    if (p !== undefined) xi.proto = p;
    const l = x.lines.get(i);
    if (l !== undefined) xi.line = l;
    out.push(xi);
    if (wide) i++;
  }
  return { insns: out, program: x };
}

/** fprint_hex(stdout, bytes, n, " "): `79 17 08 00 00 00 00 00`. */
function hexBytes(b: Uint8Array, from: number, to: number): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) parts.push(b[i].toString(16).padStart(2, "0"));
  return parts.join(" ");
}

/** btf_dump_linfo_plain's text (without prefix). */
export function formatLineInfo(l: LineInfo, linum: boolean): string {
  const text = l.text.replace(/^\s+/, "");
  return linum ? `${text} [file:${l.file} line_num:${l.line} line_col:${l.col}]` : text;
}

/** `bpftool prog dump xlated` plain text. */
export function formatXlatedPlain(insns: readonly XlatedInsn[], opts: XlatedOptions = {}): string {
  let s = "";
  for (const x of insns) {
    if (x.proto !== undefined) s += `${x.proto}:\n`;
    if (x.line !== undefined) s += `; ${formatLineInfo(x.line, opts.linum === true)}\n`;
    s += insnIndexPrefix(x.index) + x.disasm + "\n";
    if (opts.opcodes) {
      s += "       " + hexBytes(x.bytes, 0, 8);
      if (x.bytes.length > 8) s += " " + hexBytes(x.bytes, 8, 16);
      s += "\n";
    }
  }
  return s;
}

/** print_hex_data_json: `["0x08","0x00"]`-style list of the bytes. */
function hexJson(b: Uint8Array): string[] {
  return [...b].map((v) => "0x" + v.toString(16).padStart(2, "0"));
}

/** `bpftool -j prog dump xlated`: the array of {proto?, src?, file?, line_num?, line_col?, disasm, opcodes?}. */
export function formatXlatedJson(insns: readonly XlatedInsn[], opts: XlatedOptions = {}): object[] {
  return insns.map((x) => {
    const o: Record<string, unknown> = {};
    if (x.proto !== undefined) o.proto = x.proto;
    if (x.line !== undefined) {
      o.src = x.line.text.replace(/^\s+/, "");
      if (opts.linum) {
        o.file = x.line.file;
        o.line_num = x.line.line;
        // btf_dump_linfo_json leaves out a zero column (the plain form prints line_col:0).
        if (x.line.col !== 0) o.line_col = x.line.col;
      }
    }
    o.disasm = x.disasm;
    if (opts.opcodes) {
      const b = x.bytes;
      o.opcodes = {
        code: "0x" + b[0].toString(16).padStart(2, "0"),
        src_reg: "0x" + (b[1] >> 4).toString(16),
        dst_reg: "0x" + (b[1] & 0xf).toString(16),
        off: hexJson(b.slice(2, 4)),
        imm: hexJson(b.length > 8 ? b.slice(4, 16) : b.slice(4, 8)),
      };
    }
    return o;
  });
}

/**
 * JSON text as bpftool's json_writer writes it (compact): its jsonw_puts escapes a backslash as `\n`
 * (a long-standing bpftool quirk) and writes other control characters raw.
 */
export function stringifyBpftoolJson(v: unknown): string {
  return JSON.stringify(v).replace(/\\(u00([0-9a-f]{2})|.)/g, (all, esc: string, hex: string | undefined) => {
    if (hex !== undefined && !["08", "09", "0a", "0c", "0d"].includes(hex)) return String.fromCharCode(parseInt(hex, 16));
    return esc === "\\" ? "\\n" : all;
  });
}
