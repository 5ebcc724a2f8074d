// `xdpsim explain`: the path one packet took through the program — every executed instruction with its
// C source line (BTF line_info), register values at branches, helper calls with their results, the verdict.

import { setInstructionHook } from "../exec/interpreter/create-interpreter.js";
import { formatInsn } from "../isa/disassemble.js";
import { helperName } from "../isa/helper-names.js";
import type { LineInfo, ProgramSpec } from "../loader/types.js";
import type { PacketResult, XdpProgram } from "../pipeline/xdp-program.js";
import { UsageError } from "../errors.js";

export interface ExplainStep {
  prog: number;
  pc: number;
  /** r0..r10 as 64-bit values, before the instruction ran. */
  regs: bigint[];
}

export interface Explanation {
  steps: ExplainStep[];
  /** True when more steps ran than were kept (maxSteps). */
  truncated: boolean;
  result: PacketResult;
}

/** Run one frame on an interpreter-backed program, recording every executed instruction. */
export function explainPacket(p: XdpProgram, frame: Uint8Array, opts: { timestampNs?: bigint; maxSteps?: number } = {}): Explanation {
  const steps: ExplainStep[] = [];
  const max = opts.maxSteps ?? 200_000;
  let truncated = false;
  const ok = setInstructionHook(p.sim.exec, (prog, pc, R) => {
    if (steps.length >= max) { truncated = true; return; }
    const regs: bigint[] = [];
    for (let k = 0; k < 11; k++) regs.push((BigInt(R[2 * k + 1]) << 32n) | BigInt(R[2 * k]));
    steps.push({ prog, pc, regs });
  });
  if (!ok) throw new UsageError("explain needs the interpreter backend (load with backend: \"interp\")");
  try {
    const result = p.runPacket(frame, opts.timestampNs !== undefined ? { timestampNs: opts.timestampNs } : {});
    return { steps, truncated, result };
  } finally {
    setInstructionHook(p.sim.exec, null);
  }
}

/** Per-instruction source line of a program: the last line_info entry at or before each index. */
export function lineTable(spec: ProgramSpec): (LineInfo | undefined)[] {
  const out: (LineInfo | undefined)[] = new Array(spec.insns.length);
  const li = [...spec.lineInfo].sort((a, b) => a.insn - b.insn);
  let k = 0;
  let cur: LineInfo | undefined;
  for (let i = 0; i < spec.insns.length; i++) {
    while (k < li.length && li[k].insn <= i) cur = li[k++];
    out[i] = cur;
  }
  return out;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** Conditional jump? (JMP/JMP32 class, not ja/call/exit.) */
export function isConditionalJump(op: number): boolean {
  const cls = op & 7;
  if (cls !== 5 && cls !== 6) return false;
  const code = op & 0xf0;
  return code !== 0x00 && code !== 0x80 && code !== 0x90 && !(cls === 5 && code === 0xe0);
}

/** The explanation as text: source lines, instructions, branch registers, helper results, verdict. */
export function formatExplanation(p: XdpProgram, x: Explanation, header = ""): string {
  const progs = p.sim.obj.programs;
  const tables = new Map<number, (LineInfo | undefined)[]>();
  const out: string[] = [];
  if (header) out.push(header);
  let lastProg = -1;
  let lastLine: LineInfo | undefined;
  x.steps.forEach((s, k) => {
    const spec = progs[s.prog];
    if (s.prog !== lastProg) {
      out.push(`── program ${spec.name} (SEC ${spec.section})`);
      lastProg = s.prog;
      lastLine = undefined;
    }
    let t = tables.get(s.prog);
    if (!t) { t = lineTable(spec); tables.set(s.prog, t); }
    const line = t[s.pc];
    if (line && line !== lastLine && (line.line !== lastLine?.line || line.file !== lastLine?.file)) {
      out.push(`  ${line.file.split("/").pop()}:${line.line}: ${line.text.trim()}`);
    }
    lastLine = line;
    const insn = spec.insns[s.pc];
    let text = `${String(s.pc).padStart(6)}: ${formatInsn(spec.insns, s.pc)}`;
    const next = x.steps[k + 1];
    if (isConditionalJump(insn.op)) {
      const regs = [`r${insn.dst}=${hex(s.regs[insn.dst])}`];
      if (insn.op & 0x08) regs.push(`r${insn.src}=${hex(s.regs[insn.src])}`);
      const taken = next === undefined ? "?" : next.prog === s.prog && next.pc === s.pc + 1 ? "not taken" : "taken";
      text = `${text.padEnd(56)} ; ${regs.join(" ")} → ${taken}`;
    } else if (insn.op === 0x85 && insn.src === 0) {
      const args = [1, 2, 3, 4, 5].map((r) => `r${r}=${hex(s.regs[r])}`).join(" ");
      // The helper returns to pc+1 (callbacks of bpf_loop & co. may run in between); a tail call does not return.
      let ret: ExplainStep | undefined;
      for (let j = k + 1; j < x.steps.length && ret === undefined; j++) {
        const t = x.steps[j];
        if (t.prog !== s.prog) break;
        if (t.pc === s.pc + 1) ret = t;
      }
      const r0 = ret ? `r0=${hex(ret.regs[0])}` : next && next.prog !== s.prog ? `tail call to ${progs[next.prog].name}` : "(no return)";
      text = `${text.padEnd(56)} ; ${helperName(insn.imm)}(${args}) → ${r0}`;
    } else if (insn.op === 0x95 && next === undefined) {
      text = `${text.padEnd(56)} ; r0=${hex(s.regs[0])}`;
    }
    out.push(text);
  });
  if (x.truncated) out.push(`  … trace cut after ${x.steps.length} instructions`);
  const r = x.result;
  const redirect = r.redirect ? ` → ${r.redirect.kind} ${r.redirect.target}` : "";
  out.push(`verdict: ${r.verdict} (action ${r.action})${redirect}${r.fault ? `; fault: ${r.fault}` : ""}; ${x.steps.length} instructions`);
  for (const l of r.trace) out.push(`trace: ${l.trim()}`);
  return out.join("\n") + "\n";
}
