// Static checks before the abstract walk: opcode validity, ld_imm64 pairs, subprogram bounds,
// jumps out of range, "last insn is not an exit or jmp", and the DFS for unreachable insns and
// back-edges (resolve_pseudo_ldimm64, check_subprogs, check_cfg in kernel/bpf/verifier.c).

import type { Insn } from "../isa/insn.js";
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_DW, BPF_EXIT, BPF_IMM, BPF_IND, BPF_JA, BPF_JMP, BPF_JMP32,
  BPF_LD, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_ST, BPF_STX, BPF_X,
  opClass, opCode, opMode, opSize,
} from "../isa/opcodes.js";
import type { ProgramSpec } from "../loader/types.js";
import { SubprogInfo, VerifyAbort } from "./verifier-env.js";

const VALID_ALU = new Set([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0]);
const VALID_JMP = new Set([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0]);

/** bpf_opcode_in_insntable (eBPF part). */
export function opcodeValid(op: number): boolean {
  const cls = opClass(op);
  switch (cls) {
    case BPF_ALU: case BPF_ALU64: {
      const code = opCode(op);
      if (!VALID_ALU.has(code)) return false;
      if (code === 0x80 && (op & BPF_X)) return false; // neg only with K
      if (code === 0xd0 && cls === BPF_ALU64 && (op & BPF_X)) return false;
      return true;
    }
    case BPF_JMP: case BPF_JMP32: {
      const code = opCode(op);
      if (!VALID_JMP.has(code)) return cls === BPF_JMP && code === 0xe0 && !(op & BPF_X); // may_goto
      if (cls === BPF_JMP32 && (code === 0x80 || code === 0x90)) return false;
      if (code === 0x00 && (op & BPF_X)) return false;
      if (code === 0x90 && (op & BPF_X)) return false;
      return true;
    }
    case BPF_LD: {
      const mode = opMode(op);
      if (mode === BPF_IMM) return opSize(op) === BPF_DW;
      return (mode === BPF_ABS || mode === BPF_IND) && opSize(op) !== BPF_DW;
    }
    case BPF_LDX: {
      const mode = opMode(op);
      return mode === BPF_MEM || (mode === BPF_MEMSX && opSize(op) !== BPF_DW);
    }
    case BPF_ST:
      return opMode(op) === BPF_MEM;
    case BPF_STX: {
      const mode = opMode(op);
      return mode === BPF_MEM || (mode === BPF_ATOMIC && (opSize(op) === BPF_DW || opSize(op) === 0x00));
    }
  }
  return false;
}

export const isLdImm64 = (x: Insn): boolean => x.op === (BPF_LD | BPF_IMM | BPF_DW);
export const isPseudoCall = (x: Insn): boolean => x.op === (BPF_JMP | BPF_CALL) && x.src === BPF_PSEUDO_CALL;
export const isPseudoFunc = (x: Insn): boolean => isLdImm64(x) && x.src === BPF_PSEUDO_FUNC;

function abort(msg: string, insn = -1): never {
  throw new VerifyAbort([msg], insn);
}

/** Opcode and ld_imm64 sanity (resolve_pseudo_ldimm64). */
export function checkInsnEncoding(insns: readonly Insn[], mapCount: number): void {
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (opClass(x.op) === BPF_LDX && ((opMode(x.op) !== BPF_MEM && opMode(x.op) !== BPF_MEMSX) || x.imm !== 0)) {
      abort("BPF_LDX uses reserved fields", i);
    }
    if (isLdImm64(x)) {
      const n = insns[i + 1];
      if (i === insns.length - 1 || !n || n.op !== 0 || n.dst !== 0 || n.src !== 0 || n.off !== 0) abort("invalid bpf_ld_imm64 insn", i);
      if (x.src === 0) { i++; continue; }
      if (x.src === 1 || x.src === 2 || x.src === 5 || x.src === 6) {
        if (x.imm < 0 || x.imm >= mapCount) abort(`fd ${x.imm} is not pointing to valid bpf_map`, i);
      } else if (x.src !== BPF_PSEUDO_FUNC) {
        abort("unrecognized bpf_ld_imm64 insn", i);
      }
      i++;
      continue;
    }
    if (!opcodeValid(x.op)) abort(`unknown opcode ${x.op.toString(16).padStart(2, "0")}`, i);
  }
}

/** Subprogram table from pseudo calls / pseudo funcs (add_subprog_and_kfunc + check_subprogs). */
export function findSubprogs(prog: ProgramSpec, bpfCapable: boolean): SubprogInfo[] {
  const insns = prog.insns;
  const starts = new Set<number>([0]);
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (isPseudoCall(x) || isPseudoFunc(x)) {
      if (!bpfCapable) abort(isPseudoCall(x) ? "function calls to other bpf functions are allowed for CAP_BPF" : "callbacks are allowed for CAP_BPF", i);
      const t = i + x.imm + 1;
      if (t < 0 || t >= insns.length) abort(isPseudoCall(x) ? "call to invalid destination" : "invalid bpf_ld_imm64 insn", i);
      starts.add(t);
    }
  }
  for (const s of prog.subprogs) if (s.start > 0 && s.start < insns.length) starts.add(s.start);
  const sorted = [...starts].sort((a, b) => a - b);
  const out: SubprogInfo[] = sorted.map((start, k) => {
    const named = prog.subprogs.find((s) => s.start === start);
    return {
      start, end: k + 1 < sorted.length ? sorted[k + 1] : insns.length, name: named ? named.name : `func#${k}`,
      stackDepth: 0, hasTailCall: false, isCallback: false,
    };
  });
  for (const sp of out) {
    for (let i = sp.start; i < sp.end; i++) {
      const x = insns[i];
      const cls = opClass(x.op);
      if (x.op === (BPF_JMP | BPF_CALL) && x.src === 0 && x.imm === 12) sp.hasTailCall = true;
      if (cls === BPF_JMP || cls === BPF_JMP32) {
        const code = opCode(x.op);
        if (code !== BPF_EXIT && code !== BPF_CALL) {
          const t = x.op === (BPF_JMP32 | BPF_JA) ? i + x.imm + 1 : i + x.off + 1;
          if (t < sp.start || t >= sp.end) abort(`jump out of range from insn ${i} to ${t}`, i);
        }
      }
      if (i === sp.end - 1 && x.op !== (BPF_JMP | BPF_EXIT) && x.op !== (BPF_JMP32 | BPF_JA) && x.op !== (BPF_JMP | BPF_JA)) {
        abort("last insn is not an exit or jmp", i);
      }
    }
  }
  return out;
}

/** Successor instructions for the CFG (calls fall through; their callees are separate roots). */
export function successors(insns: readonly Insn[], i: number): number[] {
  const x = insns[i];
  const cls = opClass(x.op);
  if (isLdImm64(x)) return [i + 2];
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return [i + 1];
  const code = opCode(x.op);
  if (code === BPF_EXIT) return [];
  if (code === BPF_CALL) return [i + 1];
  if (code === BPF_JA) return [x.op === (BPF_JMP32 | BPF_JA) ? i + x.imm + 1 : i + x.off + 1];
  return [i + 1, i + x.off + 1];
}

/**
 * check_cfg: depth-first search from insn 0 (and every called / callback subprogram); rejects
 * back-edges without CAP_BPF, jumps out of range and unreachable instructions.
 */
export function checkCfg(insns: readonly Insn[], bpfCapable: boolean): void {
  const n = insns.length;
  const DISCOVERED = 1, EXPLORED = 2;
  const state = new Uint8Array(n);
  const stack: number[] = [0];
  const edgeIdx = new Int32Array(n);
  state[0] = DISCOVERED;
  const succ = (t: number): number[] => {
    const x = insns[t];
    const out = successors(insns, t);
    if (isPseudoCall(x) || isPseudoFunc(x)) out.push(t + x.imm + 1);
    return out;
  };
  while (stack.length) {
    const t = stack[stack.length - 1];
    const ss = succ(t);
    if (edgeIdx[t] < ss.length) {
      const w = ss[edgeIdx[t]++];
      if (w < 0 || w >= n) abort(`jump out of range from insn ${t} to ${w}`, t);
      if (state[w] === 0) {
        state[w] = DISCOVERED;
        stack.push(w);
      } else if (state[w] === DISCOVERED) {
        if (!bpfCapable) abort(`back-edge from insn ${t} to ${w}`, t);
      }
      continue;
    }
    state[t] = EXPLORED;
    stack.pop();
  }
  for (let i = 0; i < n; i++) {
    if (state[i] !== EXPLORED) abort(`unreachable insn ${i}`, i);
    if (isLdImm64(insns[i])) {
      if (state[i + 1] !== 0) abort(`jump into the middle of ldimm64 insn ${i}`, i);
      i++;
    }
  }
}
