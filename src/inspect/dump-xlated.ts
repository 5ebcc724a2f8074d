// `prog dump xlated`: the program's instructions in bpftool's syntax with function prototypes and
// `; source` lines from BTF (plain, linum, opcodes, -j). Spec: tools/bpf/bpftool/xlated_dumper.c.

import { formatInsn, insnIndexPrefix, bpftoolImm, type DisasmCallbacks } from "../isa/disassemble.js";
import { encodeInsns } from "../isa/insn.js";
import { BPF_LD_IMM64, BPF_PSEUDO_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from "../isa/opcodes.js";
import { computeInsnsTag } from "../loader/compute-tag.js";
import type { LineInfo, ObjectSpec, ProgramSpec } from "../loader/types.js";
import { formatFuncSignature } from "./format-func-signature.js";
import { mapId } from "./object-ids.js";

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

/** The callbacks bpftool hands print_bpf_insn: map ids for lddw, `pc+N#bpf_prog_<tag>_<func>` for local calls. */
export function xlatedCallbacks(obj: ObjectSpec, prog: ProgramSpec): DisasmCallbacks {
  const subTags = new Map<number, string>();
  for (const sp of prog.subprogs) subTags.set(sp.start, `bpf_prog_${computeInsnsTag(prog.insns.slice(sp.start, sp.end))}_${sp.name}`);
  return {
    imm: bpftoolImm((slot) => mapId(slot)),
    call: (insn, i) => {
      if (insn.src !== BPF_PSEUDO_CALL) return undefined;
      const target = i + 1 + (insn.imm | 0);
      const sym = subTags.get(target);
      const rel = (insn.imm | 0) >= 0 ? `+${insn.imm | 0}` : `${insn.imm | 0}`;
      return sym ? `${rel}#${sym}` : rel;
    },
  };
}

/** The instructions with their prototypes and source lines, as dump_xlated_plain walks them. */
export function collectXlated(obj: ObjectSpec, prog: ProgramSpec): XlatedInsn[] {
  const cbs = xlatedCallbacks(obj, prog);
  const raw = encodeInsns(prog.insns);
  const protos = new Map<number, string>();
  if (obj.btf) {
    for (const f of prog.funcInfo) {
      const sig = formatFuncSignature(obj.btf, f.btfTypeId);
      if (sig !== "") protos.set(f.insn, sig);
    }
  }
  const lines = new Map<number, LineInfo>();
  for (const l of prog.lineInfo) if (!lines.has(l.insn)) lines.set(l.insn, l);
  const out: XlatedInsn[] = [];
  for (let i = 0; i < prog.insns.length; i++) {
    const wide = prog.insns[i].op === BPF_LD_IMM64 && i + 1 < prog.insns.length;
    const bytes = raw.slice(i * 8, (i + (wide ? 2 : 1)) * 8);
    // The loaded program carries map ids where the object had map slots.
    const src = prog.insns[i].src;
    if (wide && (src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_VALUE)) new DataView(bytes.buffer).setInt32(4, mapId(prog.insns[i].imm), true);
    const x: XlatedInsn = { index: i, disasm: formatInsn(prog.insns, i, cbs), bytes };
    const p = protos.get(i);
    if (p !== undefined) x.proto = p;
    const l = lines.get(i);
    if (l !== undefined) x.line = l;
    out.push(x);
    if (wide) i++;
  }
  return out;
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
        o.line_col = x.line.col;
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
