// `prog dump xlated visual`: the control-flow graph as DOT (one dashed cluster per function, ENTRY/EXIT
// diamonds, record-shaped basic blocks, taken/fallthrough edges). Spec: tools/bpf/bpftool/cfg.c.

import { BPF_CALL, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD_IMM64, opClass, opCode } from "../isa/opcodes.js";
import type { Insn } from "../isa/insn.js";
import type { SubprogRange } from "../loader/types.js";

/** The instruction stream drawn: the rewritten (xlated) program, or a loaded one (ProgramSpec fits). */
export interface CfgProgram {
  insns: readonly Insn[];
  subprogs: readonly SubprogRange[];
}
import { formatLineInfo, type XlatedInsn } from "./dump-xlated.js";

export interface BasicBlock {
  /** Block number in bpftool's scheme: 0 ENTRY, 1 EXIT, 2.. real blocks in address order. */
  id: number;
  /** First and last instruction index (absolute, in the linked image). */
  head: number;
  tail: number;
  succs: { to: number; kind: "taken" | "fallthrough" }[];
}

export interface FuncCfg {
  name: string;
  start: number;
  end: number;
  blocks: BasicBlock[];
}

const ENTRY = 0;
const EXIT = 1;

function jumpTarget(insns: readonly Insn[], i: number): number {
  const x = insns[i];
  return x.op === (BPF_JMP32 | BPF_JA) ? i + 1 + (x.imm | 0) : i + 1 + x.off;
}

function isBranch(x: Insn): boolean {
  const cls = opClass(x.op);
  return (cls === BPF_JMP || cls === BPF_JMP32) && opCode(x.op) !== BPF_CALL && opCode(x.op) !== BPF_EXIT;
}

function isUncond(x: Insn): boolean {
  return opCode(x.op) === BPF_JA;
}

/** Basic blocks of each function: leaders are the function start, jump targets and the instruction after a jump or exit. */
export function buildCfg(prog: CfgProgram): FuncCfg[] {
  const insns = prog.insns;
  return prog.subprogs.map((sp) => {
    const heads = new Set<number>([sp.start]);
    for (let i = sp.start; i < sp.end; i++) {
      const x = insns[i];
      if (x.op === BPF_LD_IMM64) { i++; continue; }
      if (isBranch(x)) {
        const t = jumpTarget(insns, i);
        if (t >= sp.start && t < sp.end) heads.add(t);
        if (i + 1 < sp.end) heads.add(i + 1);
      } else if (opClass(x.op) === BPF_JMP && opCode(x.op) === BPF_EXIT && i + 1 < sp.end) {
        heads.add(i + 1);
      }
    }
    const sorted = [...heads].sort((a, b) => a - b);
    const blocks: BasicBlock[] = sorted.map((h, k) => ({ id: k + 2, head: h, tail: (sorted[k + 1] ?? sp.end) - 1, succs: [] }));
    const byHead = new Map(blocks.map((b) => [b.head, b.id]));
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k];
      // The tail may be the second slot of an lddw: step back to the instruction that starts there.
      let last = b.head;
      for (let i = b.head; i <= b.tail; i++) { last = i; if (insns[i].op === BPF_LD_IMM64) i++; }
      const x = insns[last];
      const next = blocks[k + 1]?.id ?? EXIT;
      if (opClass(x.op) === BPF_JMP && opCode(x.op) === BPF_EXIT) {
        b.succs.push({ to: EXIT, kind: "fallthrough" });
      } else if (isBranch(x)) {
        const t = byHead.get(jumpTarget(insns, last)) ?? EXIT;
        if (!isUncond(x)) b.succs.push({ to: next, kind: "fallthrough" });
        b.succs.push({ to: t, kind: "taken" });
      } else {
        b.succs.push({ to: next, kind: "fallthrough" });
      }
    }
    return { name: sp.name, start: sp.start, end: sp.end, blocks };
  });
}

/** dotlabel_puts: backslash-escape the characters DOT record labels treat specially. */
function dotEscape(s: string): string {
  return s.replace(/[\\"{}<>| ]/g, (c) => `\\${c}`);
}

function hex(b: Uint8Array, from: number, to: number): string {
  return [...b.slice(from, to)].map((v) => v.toString(16).padStart(2, "0")).join(" ");
}

/** The whole DOT graph, as `bpftool prog dump xlated visual` prints it (block labels use function-relative indices). */
export function formatCfgDot(prog: CfgProgram, xlated: readonly XlatedInsn[], opts: { linum?: boolean; opcodes?: boolean } = {}): string {
  const byIndex = new Map(xlated.map((x) => [x.index, x]));
  let s = 'digraph "DOT graph for eBPF program" {\n';
  buildCfg(prog).forEach((f, fi) => {
    s += `subgraph "cluster_${fi}" {\n\tstyle="dashed";\n\tcolor="black";\n\tlabel="func_${fi} (${f.name})";\n`;
    s += `\tfn_${fi}_bb_${ENTRY} [shape=Mdiamond,style=filled,label="ENTRY"];\n\n`;
    for (const b of f.blocks) {
      s += `\tfn_${fi}_bb_${b.id} [shape=record,style=filled,label="{\\\n`;
      const parts: string[] = [];
      let lastLine: unknown = null;
      for (let i = b.head; i <= b.tail; i++) {
        const x = byIndex.get(i);
        if (!x) continue;
        let p = "";
        if (x.proto !== undefined) p += `; ${dotEscape(x.proto)}:\\l\\\n`;
        if (x.line !== undefined && x.line !== lastLine) {
          p += `; ${dotEscape(formatLineInfo(x.line, opts.linum === true))}\\l\\\n`;
          lastLine = x.line;
        }
        p += `${i - f.start}: ${dotEscape(x.disasm)}\\l\\\n`;
        if (opts.opcodes) {
          p += `\\ \\ \\ \\ ${hex(x.bytes, 0, 8)}${x.bytes.length > 8 ? " " + hex(x.bytes, 8, 16) : ""}\\l\\\n`;
        }
        parts.push(p);
      }
      s += parts.join("| ") + `}"];\n\n`;
    }
    s += `\tfn_${fi}_bb_${EXIT} [shape=Mdiamond,style=filled,label="EXIT"];\n\n`;
    const edge = (from: number, to: number, kind: string): string =>
      `\tfn_${fi}_bb_${from}:s -> fn_${fi}_bb_${to}:n [style="solid,bold", color=${kind === "taken" ? "red" : "black"}, weight=10, constraint=true, label="${kind}"];\n`;
    s += edge(ENTRY, f.blocks[0]?.id ?? EXIT, "fallthrough");
    for (const b of f.blocks) for (const e of b.succs) s += edge(b.id, e.to, e.kind);
    s += `\tfn_${fi}_bb_${ENTRY}:s -> fn_${fi}_bb_${EXIT}:n [style="invis", constraint=true];\n`;
    s += "}\n";
  });
  return s + "}\n";
}
