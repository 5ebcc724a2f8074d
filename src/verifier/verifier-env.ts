// Verifier state containers: per-frame registers and stack slots, the whole-path state, and the
// environment one verification run carries (struct bpf_verifier_state / env, kernel/bpf/verifier.c).

import type { Insn } from "../isa/insn.js";
import type { MapSpec, ObjectSpec, ProgramSpec } from "../loader/types.js";
import { Reg, RegType, cloneReg, newReg, pointerReg } from "./reg-state.js";

/** Byte types of a stack slot (enum bpf_stack_slot_type). */
export const enum Stack {
  INVALID = 0,
  SPILL = 1,
  MISC = 2,
  ZERO = 3,
}

export const BPF_REG_SIZE = 8;
export const MAX_BPF_STACK = 512;

/** One 8-byte stack slot; types[k % 8] is the byte at fp - 1 - k (the kernel's layout). */
export interface StackSlot {
  types: number[];
  spilled: Reg;
}

export interface Frame {
  regs: Reg[];
  /** stack[spi] covers fp-8*(spi+1) .. fp-8*spi-1. */
  stack: StackSlot[];
  frameno: number;
  /** Instruction that called this frame (-1 for the main program). */
  callsite: number;
  /** Index into Env.subprogs. */
  subprog: number;
  /** A bpf_loop callback frame: returns to the calling instruction, r0 must be in [0, 1]. */
  inCallback: boolean;
  /** bpf_loop iterations pushed from this frame's current call site. */
  callbackDepth: number;
}

export interface RefState {
  id: number;
  insn: number;
}

/** A snapshot kept at a pruning point (struct bpf_verifier_state_list entry). */
export interface Checkpoint {
  state: VState;
  /** Paths still being explored below this checkpoint. */
  branches: number;
  parent: Checkpoint | null;
  insn: number;
  hits: number;
  misses: number;
}

export interface VState {
  frames: Frame[];
  refs: RefState[];
  /** Held bpf_spin_lock: map slot and pointer id (0 = none). */
  lockMap: number;
  lockId: number;
  parent: Checkpoint | null;
  /** Iteration counter for bpf_loop callback re-verification. */
  callbackUnrollDepth: number;
}

export function newSlot(): StackSlot {
  return { types: [0, 0, 0, 0, 0, 0, 0, 0], spilled: newReg() };
}

export function cloneFrame(f: Frame): Frame {
  const regs: Reg[] = new Array(f.regs.length);
  for (let i = 0; i < regs.length; i++) regs[i] = cloneReg(f.regs[i]);
  const stack: StackSlot[] = new Array(f.stack.length);
  for (let i = 0; i < stack.length; i++) {
    const s = f.stack[i];
    const t = s.types;
    // Only a spilled register (types[7] == STACK_SPILL) is ever changed in place (bpf_for_each_reg_in_vstate
    // users); any other slot's register is replaced when written, so the copies may share it.
    const spilled = t[BPF_REG_SIZE - 1] === Stack.SPILL ? cloneReg(s.spilled) : s.spilled;
    stack[i] = { types: [t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]], spilled };
  }
  return {
    regs, stack, frameno: f.frameno, callsite: f.callsite, subprog: f.subprog, inCallback: f.inCallback, callbackDepth: f.callbackDepth,
  };
}

export function cloneState(s: VState): VState {
  return {
    frames: s.frames.map(cloneFrame), refs: s.refs.map((r) => ({ ...r })), lockMap: s.lockMap, lockId: s.lockId,
    parent: s.parent, callbackUnrollDepth: s.callbackUnrollDepth,
  };
}

export function newFrame(frameno: number, callsite: number, subprog: number): Frame {
  const regs: Reg[] = [];
  for (let i = 0; i < 11; i++) regs.push(newReg());
  const fp = pointerReg(RegType.STACK);
  fp.frameno = frameno;
  regs[10] = fp;
  return { regs, stack: [], frameno, callsite, subprog, inCallback: false, callbackDepth: 0 };
}

export interface SubprogInfo {
  start: number;
  end: number;
  name: string;
  stackDepth: number;
  /** Has a tail call (for the combined stack check). */
  hasTailCall: boolean;
  /** Used as a bpf_loop callback. */
  isCallback: boolean;
}

/** The error a verification run ends with (message lines in the kernel's wording). */
export class VerifyAbort extends Error {
  readonly insn: number;
  readonly lines: string[];
  constructor(lines: string[], insn: number) {
    super(lines[0]);
    this.lines = lines;
    this.insn = insn;
  }
}

export interface Caps {
  /** CAP_PERFMON: pointer leaks, pointer comparisons, uninitialised stack reads. */
  allowPtrLeaks: boolean;
  allowUninitStack: boolean;
  bypassSpecV1: boolean;
  /** CAP_BPF: bounded loops, spilled scalars tracked precisely. */
  bpfCapable: boolean;
}

export interface Env {
  obj: ObjectSpec;
  prog: ProgramSpec;
  insns: Insn[];
  maps: MapSpec[];
  caps: Caps;
  subprogs: SubprogInfo[];
  idGen: number;
  insnIdx: number;
  prevInsnIdx: number;
  cur: VState;
  logLevel: number;
  log: string[];
  /** Maps as the kernel names them (for the log). */
  logMaps: MapSpec[];
  /** Set when a state was pruned at least once (imprecise values may differ across paths). */
  pruned: boolean;
}

export function curFrame(env: Env): Frame {
  return env.cur.frames[env.cur.frames.length - 1];
}

export function curRegs(env: Env): Reg[] {
  return curFrame(env).regs;
}

export function fail(env: Env, ...lines: string[]): never {
  throw new VerifyAbort(lines, env.insnIdx);
}

/** Every register of every frame plus spilled registers (bpf_for_each_reg_in_vstate). */
export function forEachReg(s: VState, fn: (r: Reg) => void): void {
  for (const f of s.frames) {
    for (const r of f.regs) fn(r);
    for (const sl of f.stack) if (sl.types[BPF_REG_SIZE - 1] === Stack.SPILL) fn(sl.spilled);
  }
}
