// Conditional jumps: deciding a branch statically (is_branch_taken), narrowing both sides' ranges
// (reg_set_min_max / regs_refine_cond_op), packet range from pkt_end compares (find_good_pkt_pointers)
// and null checks (mark_ptr_or_null_regs); kernel/bpf/verifier.c.

import {
  BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_X,
} from "../isa/opcodes.js";
import {
  Reg, RegType, boundsSync, constValue, isConst, isPktPointer, isPktPointerAny, isPointer, markUnbounded, s32,
} from "./reg-state.js";
import { U32, tnumAnd, tnumConst, tnumIntersect, tnumIsConst, tnumOr, tnumOverlap, tnumSubreg, tnumWithSubreg } from "./tnum.js";
import { VState, forEachReg } from "./verifier-env.js";

export const AT_PKT_END = -1;
export const BEYOND_PKT_END = -2;
const MAX_PACKET_OFF = 0xffffn;
const JSET_X = BPF_JSET | BPF_X;

export function flipOpcode(op: number): number {
  switch (op) {
    case BPF_JGT: return BPF_JLT;
    case BPF_JLT: return BPF_JGT;
    case BPF_JGE: return BPF_JLE;
    case BPF_JLE: return BPF_JGE;
    case BPF_JSGT: return BPF_JSLT;
    case BPF_JSLT: return BPF_JSGT;
    case BPF_JSGE: return BPF_JSLE;
    case BPF_JSLE: return BPF_JSGE;
    default: return op;
  }
}

export function revOpcode(op: number): number {
  switch (op) {
    case BPF_JEQ: return BPF_JNE;
    case BPF_JNE: return BPF_JEQ;
    case BPF_JSET: return JSET_X;
    case JSET_X: return BPF_JSET;
    case BPF_JGT: return BPF_JLE;
    case BPF_JLE: return BPF_JGT;
    case BPF_JGE: return BPF_JLT;
    case BPF_JLT: return BPF_JGE;
    case BPF_JSGT: return BPF_JSLE;
    case BPF_JSLE: return BPF_JSGT;
    case BPF_JSGE: return BPF_JSLT;
    case BPF_JSLT: return BPF_JSGE;
    default: return op;
  }
}

function isPktPtrBranchTaken(dst: Reg, src: Reg, opIn: number): number {
  let pkt: Reg;
  let op = opIn;
  if (src.type === RegType.PACKET_END) pkt = dst;
  else if (dst.type === RegType.PACKET_END) { pkt = src; op = flipOpcode(op); }
  else return -1;
  if (pkt.range >= 0) return -1;
  switch (op) {
    case BPF_JLE: case BPF_JGT:
      if (pkt.range === BEYOND_PKT_END) return op === BPF_JGT ? 1 : 0;
      break;
    case BPF_JLT: case BPF_JGE:
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return op === BPF_JGE ? 1 : 0;
      break;
  }
  return -1;
}

/** reg_not_null: pointer types that can never be NULL. */
function regNotNull(r: Reg): boolean {
  if (r.maybeNull) return false;
  return r.type === RegType.MAP_VALUE || r.type === RegType.MAP_KEY || r.type === RegType.MEM ||
    r.type === RegType.SOCKET || r.type === RegType.SOCK_COMMON;
}

function isScalarBranchTaken(r1: Reg, r2: Reg, op: number, is32: boolean): number {
  const t1 = is32 ? tnumSubreg(r1.varOff) : r1.varOff;
  const t2 = is32 ? tnumSubreg(r2.varOff) : r2.varOff;
  const umin1 = is32 ? r1.u32min : r1.umin, umax1 = is32 ? r1.u32max : r1.umax;
  const smin1 = is32 ? r1.s32min : r1.smin, smax1 = is32 ? r1.s32max : r1.smax;
  const umin2 = is32 ? r2.u32min : r2.umin, umax2 = is32 ? r2.u32max : r2.umax;
  const smin2 = is32 ? r2.s32min : r2.smin, smax2 = is32 ? r2.s32max : r2.smax;
  switch (op) {
    case BPF_JEQ:
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value === t2.value ? 1 : 0;
      if (!tnumOverlap(t1, t2)) return 0;
      if (umin1 > umax2 || umax1 < umin2) return 0;
      if (smin1 > smax2 || smax1 < smin2) return 0;
      if (!is32) {
        if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return 0;
        if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return 0;
      }
      break;
    case BPF_JNE:
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value !== t2.value ? 1 : 0;
      if (!tnumOverlap(t1, t2)) return 1;
      if (umin1 > umax2 || umax1 < umin2) return 1;
      if (smin1 > smax2 || smax1 < smin2) return 1;
      if (!is32) {
        if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return 1;
        if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return 1;
      }
      break;
    case BPF_JSET: {
      let a = t1, b = t2;
      if (!isConst(r2, is32)) { a = t2; b = t1; if (!isConst(r1, is32)) return -1; }
      if ((~a.mask & a.value) & b.value) return 1;
      if (!((a.mask | a.value) & b.value)) return 0;
      break;
    }
    case BPF_JGT:
      if (umin1 > umax2) return 1;
      if (umax1 <= umin2) return 0;
      break;
    case BPF_JSGT:
      if (smin1 > smax2) return 1;
      if (smax1 <= smin2) return 0;
      break;
    case BPF_JLT:
      if (umax1 < umin2) return 1;
      if (umin1 >= umax2) return 0;
      break;
    case BPF_JSLT:
      if (smax1 < smin2) return 1;
      if (smin1 >= smax2) return 0;
      break;
    case BPF_JGE:
      if (umin1 >= umax2) return 1;
      if (umax1 < umin2) return 0;
      break;
    case BPF_JSGE:
      if (smin1 >= smax2) return 1;
      if (smax1 < smin2) return 0;
      break;
    case BPF_JLE:
      if (umax1 <= umin2) return 1;
      if (umin1 > umax2) return 0;
      break;
    case BPF_JSLE:
      if (smax1 <= smin2) return 1;
      if (smin1 > smax2) return 0;
      break;
  }
  return -1;
}

/** is_branch_taken: 1 always, 0 never, -1 unknown. */
export function isBranchTaken(r1In: Reg, r2In: Reg, opIn: number, is32: boolean): number {
  let r1 = r1In, r2 = r2In, op = opIn;
  if (isPktPointerAny(r1) && isPktPointerAny(r2) && !is32) return isPktPtrBranchTaken(r1, r2, op);
  if (isPointer(r1) || isPointer(r2)) {
    if (!isConst(r2, is32)) { op = flipOpcode(op); [r1, r2] = [r2, r1]; }
    if (!isConst(r2, is32)) return -1;
    if (!regNotNull(r1)) return -1;
    if (constValue(r2, is32) !== 0n) return -1;
    if (op === BPF_JEQ) return 0;
    if (op === BPF_JNE) return 1;
    return -1;
  }
  return isScalarBranchTaken(r1, r2, op, is32);
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

function refineCondOp(r1In: Reg, r2In: Reg, opIn: number, is32: boolean): void {
  let r1 = r1In, r2 = r2In, op = opIn;
  if (op === BPF_JGE || op === BPF_JGT || op === BPF_JSGE || op === BPF_JSGT) {
    op = flipOpcode(op);
    [r1, r2] = [r2, r1];
  }
  switch (op) {
    case BPF_JEQ:
      if (is32) {
        r1.u32min = max(r1.u32min, r2.u32min); r1.u32max = min(r1.u32max, r2.u32max);
        r1.s32min = max(r1.s32min, r2.s32min); r1.s32max = min(r1.s32max, r2.s32max);
        r2.u32min = r1.u32min; r2.u32max = r1.u32max; r2.s32min = r1.s32min; r2.s32max = r1.s32max;
        const t = tnumIntersect(tnumSubreg(r1.varOff), tnumSubreg(r2.varOff));
        r1.varOff = tnumWithSubreg(r1.varOff, t);
        r2.varOff = tnumWithSubreg(r2.varOff, t);
      } else {
        r1.umin = max(r1.umin, r2.umin); r1.umax = min(r1.umax, r2.umax);
        r1.smin = max(r1.smin, r2.smin); r1.smax = min(r1.smax, r2.smax);
        r2.umin = r1.umin; r2.umax = r1.umax; r2.smin = r1.smin; r2.smax = r1.smax;
        r1.varOff = tnumIntersect(r1.varOff, r2.varOff);
        r2.varOff = r1.varOff;
      }
      break;
    case BPF_JNE: {
      if (!isConst(r2, is32)) [r1, r2] = [r2, r1];
      if (!isConst(r2, is32)) break;
      const val = constValue(r2, is32);
      if (is32) {
        if (r1.u32min === val) r1.u32min++;
        if (r1.u32max === val) r1.u32max--;
        if (r1.s32min === s32(val)) r1.s32min++;
        if (r1.s32max === s32(val)) r1.s32max--;
      } else {
        if (r1.umin === val) r1.umin++;
        if (r1.umax === val) r1.umax--;
        if (r1.smin === BigInt.asIntN(64, val)) r1.smin++;
        if (r1.smax === BigInt.asIntN(64, val)) r1.smax--;
      }
      break;
    }
    case BPF_JSET: {
      if (!isConst(r2, is32)) [r1, r2] = [r2, r1];
      if (!isConst(r2, is32)) break;
      const val = constValue(r2, is32);
      if (val === 0n || (val & (val - 1n)) !== 0n) break;
      if (is32) r1.varOff = tnumWithSubreg(r1.varOff, tnumOr(tnumSubreg(r1.varOff), tnumConst(val)));
      else r1.varOff = tnumOr(r1.varOff, tnumConst(val));
      break;
    }
    case JSET_X: {
      if (!isConst(r2, is32)) [r1, r2] = [r2, r1];
      if (!isConst(r2, is32)) break;
      const val = constValue(r2, is32);
      markUnbounded(r1);
      if (is32) r1.varOff = tnumWithSubreg(r1.varOff, tnumAnd(tnumSubreg(r1.varOff), tnumConst(~val & U32)));
      else r1.varOff = tnumAnd(r1.varOff, tnumConst(~val));
      break;
    }
    case BPF_JLE:
      if (is32) { r1.u32max = min(r1.u32max, r2.u32max); r2.u32min = max(r1.u32min, r2.u32min); }
      else { r1.umax = min(r1.umax, r2.umax); r2.umin = max(r1.umin, r2.umin); }
      break;
    case BPF_JLT:
      if (is32) {
        r1.u32max = min(r1.u32max, BigInt.asUintN(32, r2.u32max - 1n));
        r2.u32min = max(BigInt.asUintN(32, r1.u32min + 1n), r2.u32min);
      } else {
        r1.umax = min(r1.umax, BigInt.asUintN(64, r2.umax - 1n));
        r2.umin = max(BigInt.asUintN(64, r1.umin + 1n), r2.umin);
      }
      break;
    case BPF_JSLE:
      if (is32) { r1.s32max = min(r1.s32max, r2.s32max); r2.s32min = max(r1.s32min, r2.s32min); }
      else { r1.smax = min(r1.smax, r2.smax); r2.smin = max(r1.smin, r2.smin); }
      break;
    case BPF_JSLT:
      if (is32) {
        r1.s32max = min(r1.s32max, BigInt.asIntN(32, r2.s32max - 1n));
        r2.s32min = max(BigInt.asIntN(32, r1.s32min + 1n), r2.s32min);
      } else {
        r1.smax = min(r1.smax, BigInt.asIntN(64, r2.smax - 1n));
        r2.smin = max(BigInt.asIntN(64, r1.smin + 1n), r2.smin);
      }
      break;
  }
}

/** reg_set_min_max for two scalars: narrows the true-branch and false-branch copies. */
export function regSetMinMax(trueR1: Reg, trueR2: Reg, falseR1: Reg, falseR2: Reg, op: number, is32: boolean): void {
  if (falseR1.type !== RegType.SCALAR || falseR2.type !== RegType.SCALAR) return;
  refineCondOp(falseR1, falseR2, revOpcode(op), is32);
  boundsSync(falseR1);
  boundsSync(falseR2);
  refineCondOp(trueR1, trueR2, op, is32);
  boundsSync(trueR1);
  boundsSync(trueR2);
}

/** find_good_pkt_pointers: every packet pointer sharing dst's id gets the proven range. */
export function findGoodPktPointers(st: VState, dst: Reg, type: RegType, rightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rightOpen)) return;
  if (dst.umax > MAX_PACKET_OFF || dst.umax + BigInt(dst.off) > MAX_PACKET_OFF) return;
  let newRange = dst.off;
  if (rightOpen) newRange++;
  const id = dst.id;
  forEachReg(st, (r) => {
    if (r.type === type && r.id === id) r.range = Math.max(r.range, newRange);
  });
}

function markPktEnd(r: Reg, rangeOpen: boolean): void {
  if (r.type !== RegType.PACKET) return;
  r.range = rangeOpen ? BEYOND_PKT_END : AT_PKT_END;
}

const isInitPkt = (r: Reg, t: RegType): boolean => r.type === t && r.off === 0 && tnumIsConst(r.varOff) && r.varOff.value === 0n;

/**
 * try_match_pkt_pointers: `dst op src` with packet pointers. `fall` is the fall-through state's
 * copies of (dst, src), `taken` the jump-taken copies. Returns false when not a packet compare.
 */
export function tryMatchPktPointers(
  op: number, dst: Reg, src: Reg, fallSt: VState, takenSt: VState, fall: [Reg, Reg], taken: [Reg, Reg],
): boolean {
  const dataEnd = (d: Reg, s: Reg): boolean =>
    (d.type === RegType.PACKET && s.type === RegType.PACKET_END) || (d.type === RegType.PACKET_META && isInitPkt(s, RegType.PACKET));
  const endData = (d: Reg, s: Reg): boolean =>
    (d.type === RegType.PACKET_END && s.type === RegType.PACKET) || (isInitPkt(d, RegType.PACKET) && s.type === RegType.PACKET_META);
  switch (op) {
    case BPF_JGT:
      if (dataEnd(dst, src)) { findGoodPktPointers(fallSt, fall[0], dst.type, false); markPktEnd(taken[0], true); }
      else if (endData(dst, src)) { findGoodPktPointers(takenSt, taken[1], src.type, true); markPktEnd(fall[1], false); }
      else return false;
      break;
    case BPF_JLT:
      if (dataEnd(dst, src)) { findGoodPktPointers(takenSt, taken[0], dst.type, true); markPktEnd(fall[0], false); }
      else if (endData(dst, src)) { findGoodPktPointers(fallSt, fall[1], src.type, false); markPktEnd(taken[1], true); }
      else return false;
      break;
    case BPF_JGE:
      if (dataEnd(dst, src)) { findGoodPktPointers(fallSt, fall[0], dst.type, true); markPktEnd(taken[0], false); }
      else if (endData(dst, src)) { findGoodPktPointers(takenSt, taken[1], src.type, false); markPktEnd(fall[1], true); }
      else return false;
      break;
    case BPF_JLE:
      if (dataEnd(dst, src)) { findGoodPktPointers(takenSt, taken[0], dst.type, false); markPktEnd(fall[0], true); }
      else if (endData(dst, src)) { findGoodPktPointers(fallSt, fall[1], src.type, true); markPktEnd(taken[1], false); }
      else return false;
      break;
    default:
      return false;
  }
  void isPktPointer;
  return true;
}

/** mark_ptr_or_null_regs: every maybe-null pointer with `id` becomes non-null, or scalar 0. */
export function markPtrOrNullRegs(
  st: VState, id: number, refObjId: number, isNull: boolean, keepId = false, innerMapOf?: (mapIndex: number) => number,
): void {
  if (refObjId && refObjId === id && isNull) st.refs = st.refs.filter((r) => r.id !== id);
  forEachReg(st, (r) => {
    if (!r.maybeNull || r.id !== id) return;
    if (isNull) {
      r.type = RegType.SCALAR;
      r.maybeNull = false;
      r.ringbuf = false;
      r.id = 0;
      r.refObjId = 0;
      r.mapIndex = -1;
      r.memSize = 0;
      return;
    }
    r.maybeNull = false;
    // A map-in-map lookup yields the inner map (mark_ptr_not_null_reg).
    const inner = r.type === RegType.MAP_VALUE && innerMapOf ? innerMapOf(r.mapIndex) : -1;
    if (inner >= 0) {
      r.type = RegType.CONST_PTR_TO_MAP;
      r.mapIndex = inner;
      r.id = 0;
      return;
    }
    // Pointers into a value with a bpf_spin_lock keep their id: the lock is tied to it.
    if (!(keepId && r.type === RegType.MAP_VALUE)) r.id = 0;
  });
}
