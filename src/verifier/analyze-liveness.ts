// Static backward data-flow over the linked program: live registers per instruction and registers /
// stack slots whose exact value may matter (an over-approximation of the kernel's precision marks),
// used by state pruning (compute_live_registers and mark_chain_precision in kernel/bpf/verifier.c).
//
// Stack-slot sets (64 slots of 8 bytes) are two int32 words, [2i] slots 0..31 and [2i+1] slots
// 32..63. Everything that does not depend on the fixpoint (successors, helper read sets, slot bits)
// is decoded once per program (prepareAnalysis); analyzeProgram then iterates to the least fixpoint,
// optionally starting from a previous result with fewer sinks (the sinks only grow, so it is the same
// fixpoint a run from zero reaches).

import type { Insn } from "../isa/insn.js";
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_END, BPF_EXIT, BPF_FETCH, BPF_JA, BPF_JMP,
  BPF_JMP32, BPF_LD, BPF_LDX, BPF_MOV, BPF_NEG, BPF_ST, BPF_STX, BPF_X, BPF_ADD, BPF_SUB,
  opClass, opCode, opMode, opSize, opSrc, sizeBytes,
} from "../isa/opcodes.js";
import { isLdImm64, isPseudoCall, isPseudoFunc, successors } from "./check-cfg.js";
import { Arg, xdpHelperProto } from "./helper-protos.js";
import type { SubprogInfo } from "./verifier-env.js";

const R0_5 = 0x3f;

export interface StaticInfo {
  /** Bit i set: register i may be read before written from this instruction on. */
  liveIn: Int32Array;
  /** Bit i set: the exact value of scalar register i at this instruction may matter. */
  preciseRegs: Int32Array;
  /** Two words per insn; bit spi set: the value spilled at fp-8*(spi+1) may matter. */
  preciseSlots: Int32Array;
  /** Two words per insn; bit spi set: the slot at fp-8*(spi+1) may be read before it is overwritten. */
  liveSlots: Int32Array;
  /** Per subprogram: its exit's r0 is precise (part of the fixpoint state). */
  exitR0Precise: Uint8Array;
}

export const emptyStaticInfo = (): StaticInfo => ({
  liveIn: new Int32Array(0), preciseRegs: new Int32Array(0), preciseSlots: new Int32Array(0), liveSlots: new Int32Array(0),
  exitR0Precise: new Uint8Array(0),
});

/** Is slot `spi` in the two-word set at `at` (every slot when `at` is out of range)? */
export function slotBit(words: Int32Array, at: number, spi: number): boolean {
  if (at < 0 || 2 * at + 1 >= words.length) return true;
  return spi < 32 ? (words[2 * at] & (1 << spi)) !== 0 : (words[2 * at + 1] & (1 << (spi - 32))) !== 0;
}

function helperArgCount(id: number): number {
  const p = xdpHelperProto(id);
  return p ? p.args.length : 5;
}

/** Registers a helper call needs exactly (size arguments, tail-call index, allocation size). */
function helperPreciseArgs(id: number): number {
  const p = xdpHelperProto(id);
  if (!p) return 0;
  let m = 0;
  p.args.forEach((a, i) => {
    if (a === Arg.CONST_SIZE || a === Arg.CONST_SIZE_OR_ZERO || a === Arg.CONST_ALLOC_SIZE_OR_ZERO) m |= 1 << (i + 1);
  });
  if (id === 12) m |= 1 << 3;
  return m;
}

/** Stack slot fp+off for an 8-aligned r10-relative access, or -1. */
function slotOf(off: number): number {
  if (off >= 0 || off < -512) return -1;
  return Math.floor((-off - 1) / 8);
}

/** A two-word slot set under construction. */
class Slots {
  lo = 0;
  hi = 0;
  add(spi: number): void {
    if (spi < 32) this.lo |= 1 << spi; else this.hi |= 1 << (spi - 32);
  }
  all(): void {
    this.lo = -1;
    this.hi = -1;
  }
}

/** Slots touched by [off, off+size) from r10. */
function slotBits(off: number, size: number): Slots {
  const b = new Slots();
  for (let a = off; a < off + size; a++) { const sp = slotOf(a); if (sp >= 0) b.add(sp); }
  return b;
}

/** Instructions some jump, call return or fall-through from a jump lands on (join points). */
function computeJoinPoints(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length + 1);
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (isLdImm64(x)) { i++; continue; }
    const cls = opClass(x.op);
    if (cls !== BPF_JMP && cls !== BPF_JMP32) continue;
    const op = opCode(x.op);
    if (op === BPF_CALL || op === BPF_EXIT) { out[i + 1] = 1; continue; }
    for (const t of successors(insns, i)) if (t >= 0 && t < out.length) out[t] = 1;
  }
  return out;
}

/** `rN = r10; rN += K` shortly before a helper call: the frame offset K, or null when unknown. */
function fpOffset(insns: readonly Insn[], joinPoints: Uint8Array, call: number, reg: number): number | null {
  let k: number | null = null;
  for (let j = call - 1; j >= 0 && j >= call - 12; j--) {
    if (joinPoints[j + 1]) return null; // another path may reach the call with a different value
    const x = insns[j];
    if (j > 0 && isLdImm64(insns[j - 1])) continue;
    if (x.dst !== reg || opClass(x.op) === BPF_STX || opClass(x.op) === BPF_ST || opClass(x.op) === BPF_JMP) continue;
    if (x.op === (BPF_ALU64 | BPF_ADD) && k === null) { k = x.imm; continue; }
    if (x.op === (BPF_ALU64 | BPF_MOV | BPF_X) && x.src === 10) return k ?? 0;
    return null;
  }
  return null;
}

/** `rN = imm` shortly before a call: the constant, or null. */
function constBefore(insns: readonly Insn[], joinPoints: Uint8Array, call: number, reg: number): number | null {
  for (let j = call - 1; j >= 0 && j >= call - 12; j--) {
    if (joinPoints[j + 1]) return null;
    const x = insns[j];
    if (j > 0 && isLdImm64(insns[j - 1])) continue;
    if (x.dst !== reg || opClass(x.op) === BPF_STX || opClass(x.op) === BPF_ST || opClass(x.op) === BPF_JMP) continue;
    return x.op === (BPF_ALU64 | BPF_MOV) || x.op === (BPF_ALU | BPF_MOV) ? x.imm : null;
  }
  return null;
}

/** Map slot loaded into `reg` by an ld_imm64 shortly before a call, or -1. */
function mapBefore(insns: readonly Insn[], joinPoints: Uint8Array, call: number, reg: number): number {
  for (let j = call - 1; j >= 0 && j >= call - 12; j--) {
    if (joinPoints[j + 1]) return -1;
    const x = insns[j];
    if (isLdImm64(x) && x.dst === reg) return x.src === 1 ? x.imm : -1;
    if (j > 0 && isLdImm64(insns[j - 1])) continue;
    if (x.dst === reg && opClass(x.op) !== BPF_STX && opClass(x.op) !== BPF_ST && opClass(x.op) !== BPF_JMP) return -1;
  }
  return -1;
}

const keySlot = (insns: readonly Insn[], joinPoints: Uint8Array, call: number, reg: number): number => {
  const k = fpOffset(insns, joinPoints, call, reg);
  return k === null ? -1 : slotOf(k);
};

/**
 * Stack slots a helper call may read through its pointer arguments: the exact bytes when the
 * pointer is `r10 + K` and the size is known (map key/value size, constant size argument), every
 * slot above K when only K is known, and every slot otherwise.
 */
function helperReadSlots(
  insns: readonly Insn[], joinPoints: Uint8Array, call: number, mapSizes: readonly { keySize: number; valueSize: number }[],
): Slots {
  const out = new Slots();
  const p = xdpHelperProto(insns[call].imm);
  if (!p) { out.all(); return out; }
  const mapIdx = mapBefore(insns, joinPoints, call, 1);
  p.args.forEach((a, i) => {
    const reg = i + 1;
    let size: number | null = null;
    switch (a) {
      case Arg.ANYTHING: case Arg.CONST_SIZE: case Arg.CONST_SIZE_OR_ZERO: case Arg.CONST_MAP_PTR: case Arg.PTR_TO_CTX:
      case Arg.CONST_ALLOC_SIZE_OR_ZERO: case Arg.PTR_TO_FUNC: case Arg.DONTCARE:
        return;
      case Arg.PTR_TO_MAP_KEY: size = mapIdx >= 0 && mapSizes[mapIdx] ? mapSizes[mapIdx].keySize : null; break;
      case Arg.PTR_TO_MAP_VALUE: case Arg.PTR_TO_UNINIT_MAP_VALUE:
        size = mapIdx >= 0 && mapSizes[mapIdx] ? mapSizes[mapIdx].valueSize : null; break;
      case Arg.PTR_TO_FIXED_U32_WRITE: size = 4; break;
      case Arg.PTR_TO_FIXED_U64_WRITE: size = 8; break;
      case Arg.PTR_TO_SOCK_COMMON: case Arg.PTR_TO_SOCK_COMMON_RELEASE: case Arg.PTR_TO_RINGBUF_MEM_RELEASE: case Arg.PTR_TO_SPIN_LOCK:
        return;
      default: {
        const next = p.args[i + 1];
        if (next === Arg.CONST_SIZE || next === Arg.CONST_SIZE_OR_ZERO) size = constBefore(insns, joinPoints, call, reg + 1);
      }
    }
    const off = fpOffset(insns, joinPoints, call, reg);
    if (off === null) { out.all(); return; }
    const end = size === null ? 0 : Math.min(0, off + size);
    for (let a2 = off; a2 < end; a2++) { const sp = slotOf(a2); if (sp >= 0) out.add(sp); }
  });
  return out;
}

/** What the fixpoint needs of each instruction, decoded once per program. */
export interface AnalysisPlan {
  insns: readonly Insn[];
  subprogs: readonly SubprogInfo[];
  /** Successors inside the program: up to two per insn (-1 = none). */
  succ0: Int32Array;
  succ1: Int32Array;
  /** Subprogram index of each instruction. */
  subOf: Int32Array;
  /** First instructions of bpf_loop / for_each callbacks (inside the program). */
  callbacks: number[];
  /** Is the callback set non-empty at all (for the callback-start exit rule). */
  isCallbackStart: Uint8Array;
  /** LDX from r10: slots read; helper calls: slots the helper may read (two words per insn). */
  readLo: Int32Array;
  readHi: Int32Array;
  /** Helper calls 1 / 195: key slot (-1 unknown, -2 not such a call). */
  keySlot: Int32Array;
  /** Instructions whose result depends on insn j's (CSR: depStart[j] .. depStart[j+1] in deps). */
  depStart: Int32Array;
  deps: Int32Array;
  /** Exit instructions per subprogram (they depend on its exitR0Precise flag). */
  exitsOf: number[][];
}

/** Decodes the per-instruction inputs of analyzeProgram (depends on the program and its maps only). */
export function prepareAnalysis(
  insns: readonly Insn[], subprogs: readonly SubprogInfo[], mapSizes: readonly { keySize: number; valueSize: number }[] = [],
): AnalysisPlan {
  const n = insns.length;
  const joinPoints = computeJoinPoints(insns);
  const succ0 = new Int32Array(n).fill(-1), succ1 = new Int32Array(n).fill(-1);
  const subOf = new Int32Array(n);
  const readLo = new Int32Array(n), readHi = new Int32Array(n);
  const keySlots = new Int32Array(n).fill(-2);
  const callbacks: number[] = [];
  const cbSeen = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (isPseudoFunc(insns[i])) {
      const t = i + insns[i].imm + 1;
      if (!cbSeen.has(t)) { cbSeen.add(t); callbacks.push(t); }
    }
  }
  const isCallbackStart = new Uint8Array(subprogs.length);
  subprogs.forEach((sp, k) => { if (cbSeen.has(sp.start)) isCallbackStart[k] = 1; });
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let j = subprogs.length - 1; j >= 0; j--) if (subprogs[j].start <= i) { k = j; break; }
    subOf[i] = k;
    const x = insns[i];
    if (i > 0 && isLdImm64(insns[i - 1])) continue;
    let c = 0;
    for (const s of successors(insns, i)) {
      if (s < 0 || s >= n) continue;
      if (c++ === 0) succ0[i] = s; else succ1[i] = s;
    }
    const cls = opClass(x.op);
    if (cls === BPF_LDX && x.src === 10) {
      const b = slotBits(x.off, sizeBytes(opSize(x.op)));
      readLo[i] = b.lo; readHi[i] = b.hi;
    } else if (cls === BPF_STX && opMode(x.op) === BPF_ATOMIC && x.dst === 10) {
      const b = slotBits(x.off, sizeBytes(opSize(x.op)));
      readLo[i] = b.lo; readHi[i] = b.hi;
    } else if ((cls === BPF_JMP || cls === BPF_JMP32) && opCode(x.op) === BPF_CALL && x.src === 0) {
      const b = helperReadSlots(insns, joinPoints, i, mapSizes);
      readLo[i] = b.lo; readHi[i] = b.hi;
      if (x.imm === 1 || x.imm === 195) keySlots[i] = keySlot(insns, joinPoints, i, 2);
    }
  }
  // Reverse dependencies for the worklist: CFG predecessors, pseudo calls of a callee's first insn,
  // bpf_loop / for_each calls of every callback's first insn.
  const depLists: number[][] = Array.from({ length: n }, () => []);
  const exitsOf: number[][] = subprogs.map(() => []);
  const loopCalls: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && isLdImm64(insns[i - 1])) continue;
    const x = insns[i];
    if (succ0[i] >= 0) depLists[succ0[i]].push(i);
    if (succ1[i] >= 0 && succ1[i] !== succ0[i]) depLists[succ1[i]].push(i);
    if (x.op === (BPF_JMP | BPF_EXIT)) exitsOf[subOf[i]].push(i);
    if (isPseudoCall(x)) {
      const t = i + x.imm + 1;
      if (t >= 0 && t < n) depLists[t].push(i);
    }
    const cls = opClass(x.op);
    if ((cls === BPF_JMP || cls === BPF_JMP32) && opCode(x.op) === BPF_CALL && x.src === 0 && (x.imm === 181 || x.imm === 164)) {
      loopCalls.push(i);
    }
  }
  for (const cb of callbacks) if (cb >= 0 && cb < n) depLists[cb].push(...loopCalls);
  const depStart = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) depStart[j + 1] = depStart[j] + depLists[j].length;
  const deps = new Int32Array(depStart[n]);
  for (let j = 0; j < n; j++) deps.set(depLists[j], depStart[j]);
  return {
    insns, subprogs, succ0, succ1, subOf, callbacks, isCallbackStart, readLo, readHi, keySlot: keySlots, depStart, deps, exitsOf,
  };
}

/**
 * `decided`: conditional jumps whose outcome the walk has found fixed at least once (the only
 * jumps whose operands the kernel marks precise); null treats every conditional jump as one.
 * `from`: a result computed with a subset of these sinks, to continue from; `seeds`: the
 * instructions whose sinks changed since (every instruction when omitted).
 * A worklist computes the least fixpoint: an instruction is revisited when something it depends on grew.
 */
export function analyzeProgram(
  plan: AnalysisPlan, decided: ReadonlySet<number> | null = null, from?: StaticInfo, seeds?: readonly number[],
): StaticInfo {
  const {
    insns, subprogs, succ0, succ1, subOf, callbacks, isCallbackStart, readLo, readHi, keySlot: keySlots, depStart, deps, exitsOf,
  } = plan;
  const n = insns.length;
  const liveIn = from ? from.liveIn.slice() : new Int32Array(n);
  const precR = from ? from.preciseRegs.slice() : new Int32Array(n);
  const precS = from ? from.preciseSlots.slice() : new Int32Array(2 * n);
  const liveS = from ? from.liveSlots.slice() : new Int32Array(2 * n);
  const exitR0Precise = from ? from.exitR0Precise.slice() : new Uint8Array(subprogs.length);
  const work: number[] = [];
  const queued = new Uint8Array(n);
  const enqueue = (i: number): void => {
    if (queued[i] || (i > 0 && isLdImm64(insns[i - 1]))) return; // second slots carry nothing
    queued[i] = 1;
    work.push(i);
  };
  if (seeds && from) { for (let k = seeds.length - 1; k >= 0; k--) enqueue(seeds[k]); }
  else for (let i = 0; i < n; i++) enqueue(i);
  {
    while (work.length) {
      const i = work.pop()!;
      queued[i] = 0;
      const x = insns[i];
      const cls = opClass(x.op);
      let outL = 0, outR = 0, outSlo = 0, outShi = 0, outLSlo = 0, outLShi = 0;
      const isExit = x.op === (BPF_JMP | BPF_EXIT);
      if (isExit) {
        const sp = subOf[i];
        outL = 1;
        if (isCallbackStart[sp] || exitR0Precise[sp]) outR = 1;
      } else {
        const s0 = succ0[i], s1 = succ1[i];
        if (s0 >= 0) {
          outL |= liveIn[s0]; outR |= precR[s0];
          outSlo |= precS[2 * s0]; outShi |= precS[2 * s0 + 1];
          outLSlo |= liveS[2 * s0]; outLShi |= liveS[2 * s0 + 1];
        }
        if (s1 >= 0) {
          outL |= liveIn[s1]; outR |= precR[s1];
          outSlo |= precS[2 * s1]; outShi |= precS[2 * s1 + 1];
          outLSlo |= liveS[2 * s1]; outLShi |= liveS[2 * s1 + 1];
        }
      }
      let inL = outL, inR = outR, inSlo = outSlo, inShi = outShi, inLSlo = outLSlo, inLShi = outLShi;
      const has = (r: number): boolean => (outR & (1 << r)) !== 0;
      if (cls === BPF_ALU || cls === BPF_ALU64) {
        const op = opCode(x.op);
        const srcX = opSrc(x.op) === BPF_X && op !== BPF_NEG && op !== BPF_END;
        if (op === BPF_MOV) {
          inL &= ~(1 << x.dst);
          if (srcX) inL |= 1 << x.src;
          const p = has(x.dst);
          inR &= ~(1 << x.dst);
          if (p && srcX) inR |= 1 << x.src;
        } else {
          inL |= 1 << x.dst;
          if (srcX) inL |= 1 << x.src;
          if (srcX && (has(x.dst) || (cls === BPF_ALU64 && (op === BPF_ADD || op === BPF_SUB)))) inR |= 1 << x.src;
          if (srcX && cls === BPF_ALU64 && op === BPF_ADD) inR |= 1 << x.dst;
        }
      } else if (cls === BPF_LDX) {
        if (x.src === 10) { inLSlo |= readLo[i]; inLShi |= readHi[i]; } else { inLSlo = -1; inLShi = -1; }
        const p = has(x.dst);
        inL &= ~(1 << x.dst);
        inL |= 1 << x.src;
        inR &= ~(1 << x.dst);
        if (p) {
          const s = x.src === 10 ? slotOf(x.off) : -1;
          if (x.src === 10 && s >= 0) { if (s < 32) inSlo |= 1 << s; else inShi |= 1 << (s - 32); }
          else if (x.src !== 10) { inSlo = -1; inShi = -1; }
        }
      } else if (cls === BPF_STX || cls === BPF_ST) {
        inL |= 1 << x.dst;
        const size = sizeBytes(opSize(x.op));
        if (cls === BPF_STX) inL |= 1 << x.src;
        const atomic = cls === BPF_STX && opMode(x.op) === BPF_ATOMIC;
        if (x.dst === 10) {
          if (atomic) { inLSlo |= readLo[i]; inLShi |= readHi[i]; }
          else if (size === 8 && x.off % 8 === 0) {
            const sp = slotOf(x.off);
            if (sp >= 0) { if (sp < 32) inLSlo &= ~(1 << sp); else inLShi &= ~(1 << (sp - 32)); }
          }
        } else if (atomic) {
          inLSlo = -1; inLShi = -1;
        }
        if (atomic) {
          if (x.imm === BPF_CMPXCHG) { inL |= 1; inR |= has(0) ? 1 : 0; }
          else if (x.imm & BPF_FETCH) { inL |= 1 << x.src; }
          inR |= 1 << x.src;
          if (x.dst === 10) {
            const s = slotOf(x.off);
            if (s >= 0) { if (s < 32) inSlo |= 1 << s; else inShi |= 1 << (s - 32); }
          } else { inSlo = -1; inShi = -1; }
        } else if (x.dst === 10) {
          const s = slotOf(x.off);
          if (s >= 0) {
            const inLo = s < 32;
            const bit = inLo ? 1 << s : 1 << (s - 32);
            // Any 8-aligned store replaces what a later fill of this slot would see.
            const full = x.off % 8 === 0;
            const outHas = ((inLo ? outSlo : outShi) & bit) !== 0;
            if (cls === BPF_STX && (outHas || !full)) inR |= 1 << x.src;
            if (full) { if (inLo) inSlo &= ~bit; else inShi &= ~bit; }
          }
        } else if (cls === BPF_STX && ((outSlo | outShi) !== 0 || size < 8)) {
          inR |= 1 << x.src;
        }
      } else if (cls === BPF_LD) {
        if (isLdImm64(x)) { inL &= ~(1 << x.dst); inR &= ~(1 << x.dst); }
        else { inL |= 1 << 6; if (opSrc(x.op) === BPF_X || opMode(x.op) === 0x40) inL |= 1 << x.src; inL &= ~R0_5; inR &= ~R0_5; }
      } else if (cls === BPF_JMP || cls === BPF_JMP32) {
        const op = opCode(x.op);
        if (op === BPF_CALL) {
          inL &= ~R0_5;
          inR &= ~R0_5;
          if (x.src === 0) { inLSlo |= readLo[i]; inLShi |= readHi[i]; } else { inLSlo = -1; inLShi = -1; }
          if (isPseudoCall(x)) {
            const t = i + x.imm + 1;
            inL |= 0x3e;
            if (t >= 0 && t < n) {
              inR |= precR[t] & 0x3e;
              inSlo |= precS[2 * t]; inShi |= precS[2 * t + 1];
              const sp = subOf[t];
              if ((outR & 1) && !exitR0Precise[sp]) { exitR0Precise[sp] = 1; for (const e of exitsOf[sp]) enqueue(e); }
            }
          } else if (x.src === 0) {
            const c = helperArgCount(x.imm);
            for (let r = 1; r <= c; r++) inL |= 1 << r;
            inR |= helperPreciseArgs(x.imm);
            if (x.imm === 181 || x.imm === 164) {
              // The callback runs from here: what it needs of the caller's stack is needed here.
              for (const cb of callbacks) {
                if (cb < 0 || cb >= n) continue;
                inSlo |= precS[2 * cb]; inShi |= precS[2 * cb + 1];
                inLSlo |= liveS[2 * cb]; inLShi |= liveS[2 * cb + 1];
                if (precR[cb] & (1 << 2)) inR |= 1 << 3;
              }
            }
            if (x.imm === 1 || x.imm === 195) {
              const s = keySlots[i];
              if (s >= 0) { if (s < 32) inSlo |= 1 << s; else inShi |= 1 << (s - 32); }
              else { inSlo = -1; inShi = -1; }
            }
          } else {
            inL |= 0x3e;
          }
        } else if (op === BPF_EXIT) {
          inL |= 1;
        } else if (op !== BPF_JA) {
          inL |= 1 << x.dst;
          const sink = !decided || decided.has(i);
          if (sink) inR |= 1 << x.dst;
          if (opSrc(x.op) === BPF_X) { inL |= 1 << x.src; if (sink) inR |= 1 << x.src; }
        }
      }
      inL &= 0x7ff;
      inR &= 0x7ff;
      const nl = inL | liveIn[i], nr = inR | precR[i];
      const nslo = inSlo | precS[2 * i], nshi = inShi | precS[2 * i + 1];
      const nlslo = inLSlo | liveS[2 * i], nlshi = inLShi | liveS[2 * i + 1];
      if (nl !== liveIn[i] || nr !== precR[i] || nslo !== precS[2 * i] || nshi !== precS[2 * i + 1] ||
        nlslo !== liveS[2 * i] || nlshi !== liveS[2 * i + 1]) {
        for (let d = depStart[i]; d < depStart[i + 1]; d++) enqueue(deps[d]);
        liveIn[i] = nl;
        precR[i] = nr;
        precS[2 * i] = nslo; precS[2 * i + 1] = nshi;
        liveS[2 * i] = nlslo; liveS[2 * i + 1] = nlshi;
      }
    }
  }
  return { liveIn, preciseRegs: precR, preciseSlots: precS, liveSlots: liveS, exitR0Precise };
}
