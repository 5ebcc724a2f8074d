// After pruning, facts recorded for registers whose value differed between the pruned state and
// the explored one may be wrong on the pruned path: this forward data-flow finds every register
// such a difference can reach (a conservative companion to is_state_visited in kernel/bpf/verifier.c).

import type { Insn } from "../isa/insn.js";
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_EXIT, BPF_FETCH, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX,
  BPF_MOV, BPF_ST, BPF_STX, BPF_X, BPF_NEG, BPF_END, opClass, opCode, opMode, opSize, opSrc, sizeBytes,
} from "../isa/opcodes.js";
import { isLdImm64, isPseudoCall, successors } from "./check-cfg.js";
import type { SubprogInfo } from "./verifier-env.js";

/** Registers (bits 0..10) and stack slots (bit spi) whose value may differ on a pruned path. */
export interface Taint {
  insn: number;
  regs: number;
  slots: bigint;
}

const ALL_SLOTS = (1n << 64n) - 1n;

/** Per instruction: bit r set when register r's recorded facts may not hold on a pruned path. */
export function propagatePruneTaint(insns: readonly Insn[], subprogs: readonly SubprogInfo[], seeds: readonly Taint[]): Int32Array {
  // Stack slots fit two int32 words unless some r10-relative access lies below fp-512.
  for (const x of insns) {
    const cls = opClass(x.op);
    if ((cls === BPF_LDX && x.src === 10 && x.off < -512) || ((cls === BPF_STX || cls === BPF_ST) && x.dst === 10 && x.off < -512)) {
      return propagatePruneTaintWide(insns, subprogs, seeds);
    }
  }
  return propagatePruneTaintFast(insns, subprogs, seeds);
}

/** propagatePruneTaint with 64 stack slots as two int32 words (lo: slots 0..31, hi: 32..63). */
function propagatePruneTaintFast(insns: readonly Insn[], subprogs: readonly SubprogInfo[], seeds: readonly Taint[]): Int32Array {
  const n = insns.length;
  const inR = new Int32Array(n);
  const inS = new Int32Array(2 * n);
  const work: number[] = [];
  const add = (i: number, r: number, lo: number, hi: number): void => {
    if (i < 0 || i >= n) return;
    const nr = inR[i] | r, nlo = inS[2 * i] | lo, nhi = inS[2 * i + 1] | hi;
    if (nr !== inR[i] || nlo !== inS[2 * i] || nhi !== inS[2 * i + 1]) {
      inR[i] = nr; inS[2 * i] = nlo; inS[2 * i + 1] = nhi;
      work.push(i);
    }
  };
  const subStart = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (const s of subprogs) if (s.start <= i) subStart[i] = s.start;
  }
  const returnSites = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (isPseudoCall(insns[i])) {
      const t = i + insns[i].imm + 1;
      if (!returnSites.has(t)) returnSites.set(t, []);
      returnSites.get(t)!.push(i + 1);
    }
  }
  for (const s of seeds) add(s.insn, s.regs, Number(BigInt.asIntN(32, s.slots)), Number(BigInt.asIntN(32, s.slots >> 32n)));
  while (work.length) {
    const i = work.pop()!;
    const x = insns[i];
    let r = inR[i], lo = inS[2 * i], hi = inS[2 * i + 1];
    const cls = opClass(x.op);
    if (cls === BPF_ALU || cls === BPF_ALU64) {
      const op = opCode(x.op);
      const srcX = opSrc(x.op) === BPF_X && op !== BPF_NEG && op !== BPF_END;
      const d = 1 << x.dst;
      if (op === BPF_MOV) r = srcX && (r & (1 << x.src)) !== 0 ? r | d : r & ~d;
      else if (srcX) r = (r & d) !== 0 || (r & (1 << x.src)) !== 0 ? r | d : r & ~d;
    } else if (cls === BPF_LDX) {
      const slot = x.src === 10 && x.off < 0 ? Math.floor((-x.off - 1) / 8) : -1;
      const fromSlot = slot >= 0 ? ((slot < 32 ? lo >>> slot : hi >>> (slot - 32)) & 1) !== 0 : (lo | hi) !== 0;
      const d = 1 << x.dst;
      r = (r & (1 << x.src)) !== 0 || fromSlot ? r | d : r & ~d;
    } else if (cls === BPF_STX || cls === BPF_ST) {
      const val = cls === BPF_STX && (r & (1 << x.src)) !== 0;
      if (x.dst === 10 && x.off < 0) {
        const slot = Math.floor((-x.off - 1) / 8);
        const full = sizeBytes(opSize(x.op)) === 8 && x.off % 8 === 0;
        const clear = !val && full && !(cls === BPF_STX && opMode(x.op) === BPF_ATOMIC);
        if (slot < 32) { if (val) lo |= 1 << slot; else if (clear) lo &= ~(1 << slot); }
        else { if (val) hi |= 1 << (slot - 32); else if (clear) hi &= ~(1 << (slot - 32)); }
      } else if (val || (r & (1 << x.dst)) !== 0) {
        lo = -1; hi = -1;
      }
      if (cls === BPF_STX && opMode(x.op) === BPF_ATOMIC && (x.imm & BPF_FETCH)) {
        const dstReg = x.imm === BPF_CMPXCHG ? 0 : x.src;
        r |= 1 << dstReg;
      }
    } else if (cls === BPF_LD && isLdImm64(x)) {
      r &= ~(1 << x.dst);
    } else if (cls === BPF_JMP || cls === BPF_JMP32) {
      const op = opCode(x.op);
      if (op === BPF_CALL && isPseudoCall(x)) {
        const t = i + x.imm + 1;
        add(t, r, lo, hi);
        add(i + 1, r, lo, hi);
        continue;
      }
      if (op === BPF_CALL) {
        r &= ~0x3f;
      } else if (op === BPF_EXIT) {
        const start = subStart[i];
        for (const ret of (start >= 0 && returnSites.get(start)) || []) add(ret, r, lo, hi);
        continue;
      }
    }
    for (const t of successors(insns, i)) add(t, r, lo, hi);
  }
  return inR;
}

/** The general form (BigInt slot sets), for programs that address the stack below fp-512. */
function propagatePruneTaintWide(insns: readonly Insn[], subprogs: readonly SubprogInfo[], seeds: readonly Taint[]): Int32Array {
  const n = insns.length;
  const inR = new Int32Array(n);
  const inS: bigint[] = new Array(n).fill(0n);
  const work: number[] = [];
  const add = (i: number, r: number, s: bigint): void => {
    if (i < 0 || i >= n) return;
    const nr = inR[i] | r, ns = inS[i] | s;
    if (nr !== inR[i] || ns !== inS[i]) { inR[i] = nr; inS[i] = ns; work.push(i); }
  };
  const subOf = (i: number): SubprogInfo | undefined => {
    let best: SubprogInfo | undefined;
    for (const s of subprogs) if (s.start <= i) best = s;
    return best;
  };
  const returnSites = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (isPseudoCall(insns[i])) {
      const t = i + insns[i].imm + 1;
      if (!returnSites.has(t)) returnSites.set(t, []);
      returnSites.get(t)!.push(i + 1);
    }
  }
  for (const s of seeds) add(s.insn, s.regs, s.slots);
  while (work.length) {
    const i = work.pop()!;
    const x = insns[i];
    let r = inR[i], s = inS[i];
    const cls = opClass(x.op);
    const bit = (k: number): number => 1 << k;
    const has = (k: number): boolean => (r & bit(k)) !== 0;
    const set = (k: number, v: boolean): void => { r = v ? r | bit(k) : r & ~bit(k); };
    if (cls === BPF_ALU || cls === BPF_ALU64) {
      const op = opCode(x.op);
      const srcX = opSrc(x.op) === BPF_X && op !== BPF_NEG && op !== BPF_END;
      if (op === BPF_MOV) set(x.dst, srcX ? has(x.src) : false);
      else if (srcX) set(x.dst, has(x.dst) || has(x.src));
    } else if (cls === BPF_LDX) {
      const slot = x.src === 10 && x.off < 0 ? Math.floor((-x.off - 1) / 8) : -1;
      const fromSlot = slot >= 0 ? (s & (1n << BigInt(slot))) !== 0n : s !== 0n;
      set(x.dst, has(x.src) || fromSlot);
    } else if (cls === BPF_STX || cls === BPF_ST) {
      const val = cls === BPF_STX && has(x.src);
      if (x.dst === 10 && x.off < 0) {
        const b = 1n << BigInt(Math.floor((-x.off - 1) / 8));
        const full = sizeBytes(opSize(x.op)) === 8 && x.off % 8 === 0;
        if (val) s |= b; else if (full && !(cls === BPF_STX && opMode(x.op) === BPF_ATOMIC)) s &= ~b;
      } else if (val || has(x.dst)) {
        s = ALL_SLOTS;
      }
      if (cls === BPF_STX && opMode(x.op) === BPF_ATOMIC && (x.imm & BPF_FETCH)) {
        const dstReg = x.imm === BPF_CMPXCHG ? 0 : x.src;
        set(dstReg, true);
      }
    } else if (cls === BPF_LD && isLdImm64(x)) {
      set(x.dst, false);
    } else if (cls === BPF_JMP || cls === BPF_JMP32) {
      const op = opCode(x.op);
      if (op === BPF_CALL && isPseudoCall(x)) {
        const t = i + x.imm + 1;
        add(t, r, s);
        add(i + 1, r, s);
        continue;
      }
      if (op === BPF_CALL) {
        r &= ~0x3f;
      } else if (op === BPF_EXIT) {
        const sp = subOf(i);
        for (const ret of (sp && returnSites.get(sp.start)) ?? []) add(ret, r, s);
        continue;
      }
    }
    for (const t of successors(insns, i)) add(t, r, s);
  }
  return inR;
}
