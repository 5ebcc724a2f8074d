// Range and tnum propagation through scalar ALU operations (adjust_scalar_min_max_vals and the
// scalar{32,}_min_max_{add,sub,mul,and,or,xor,lsh,rsh,arsh} family of kernel/bpf/verifier.c).

import {
  BPF_ADD, BPF_AND, BPF_ARSH, BPF_LSH, BPF_MUL, BPF_NEG, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR,
} from "../isa/opcodes.js";
import {
  Reg, S32_MAX, S32_MIN, S64_MAX, S64_MIN, boundsSync, cloneReg, mark32Known, mark32Unbounded, mark64Unbounded,
  markKnown, markUnbounded, s32, s64, u32, u64, updateRegBounds, zext32To64,
} from "./reg-state.js";
import {
  U32, U64, tnumAdd, tnumAnd, tnumArshift, tnumIsConst, tnumLshift, tnumMul, tnumNeg, tnumOr, tnumRshift, tnumSub,
  tnumSubreg, tnumSubregIsConst, tnumUnknown, tnumXor,
} from "./tnum.js";

const minOf = (xs: bigint[]): bigint => xs.reduce((a, b) => (b < a ? b : a));
const maxOf = (xs: bigint[]): bigint => xs.reduce((a, b) => (b > a ? b : a));
const inS64 = (x: bigint): boolean => x >= S64_MIN && x <= S64_MAX;
const inS32 = (x: bigint): boolean => x >= S32_MIN && x <= S32_MAX;

function add32(d: Reg, s: Reg): void {
  const smin = d.s32min + s.s32min, smax = d.s32max + s.s32max;
  if (!inS32(smin) || !inS32(smax)) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = smin; d.s32max = smax; }
  const umin = d.u32min + s.u32min, umax = d.u32max + s.u32max;
  if ((umin > U32) !== (umax > U32)) { d.u32min = 0n; d.u32max = U32; } else { d.u32min = u32(umin); d.u32max = u32(umax); }
}

function add64(d: Reg, s: Reg): void {
  const smin = d.smin + s.smin, smax = d.smax + s.smax;
  if (!inS64(smin) || !inS64(smax)) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = smin; d.smax = smax; }
  const umin = d.umin + s.umin, umax = d.umax + s.umax;
  if ((umin > U64) !== (umax > U64)) { d.umin = 0n; d.umax = U64; } else { d.umin = u64(umin); d.umax = u64(umax); }
}

function sub32(d: Reg, s: Reg): void {
  const smin = d.s32min - s.s32max, smax = d.s32max - s.s32min;
  if (!inS32(smin) || !inS32(smax)) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = smin; d.s32max = smax; }
  const umin = d.u32min - s.u32max, umax = d.u32max - s.u32min;
  if ((umin < 0n) !== (umax < 0n)) { d.u32min = 0n; d.u32max = U32; } else { d.u32min = u32(umin); d.u32max = u32(umax); }
}

function sub64(d: Reg, s: Reg): void {
  const smin = d.smin - s.smax, smax = d.smax - s.smin;
  if (!inS64(smin) || !inS64(smax)) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = smin; d.smax = smax; }
  const umin = d.umin - s.umax, umax = d.umax - s.umin;
  if ((umin < 0n) !== (umax < 0n)) { d.umin = 0n; d.umax = U64; } else { d.umin = u64(umin); d.umax = u64(umax); }
}

function mul32(d: Reg, s: Reg): void {
  const umax = d.u32max * s.u32max, umin = d.u32min * s.u32min;
  if (umax > U32 || umin > U32) { d.u32min = 0n; d.u32max = U32; } else { d.u32min = umin; d.u32max = umax; }
  const p = [d.s32min * s.s32min, d.s32min * s.s32max, d.s32max * s.s32min, d.s32max * s.s32max];
  if (!p.every(inS32)) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = minOf(p); d.s32max = maxOf(p); }
}

function mul64(d: Reg, s: Reg): void {
  const umax = d.umax * s.umax, umin = d.umin * s.umin;
  if (umax > U64 || umin > U64) { d.umin = 0n; d.umax = U64; } else { d.umin = umin; d.umax = umax; }
  const p = [d.smin * s.smin, d.smin * s.smax, d.smax * s.smin, d.smax * s.smax];
  if (!p.every(inS64)) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = minOf(p); d.smax = maxOf(p); }
}

function signed32FromUnsigned(d: Reg): void {
  if (s32(d.u32min) <= s32(d.u32max)) { d.s32min = s32(d.u32min); d.s32max = s32(d.u32max); } else { d.s32min = S32_MIN; d.s32max = S32_MAX; }
}
function signed64FromUnsigned(d: Reg): void {
  if (s64(d.umin) <= s64(d.umax)) { d.smin = s64(d.umin); d.smax = s64(d.umax); } else { d.smin = S64_MIN; d.smax = S64_MAX; }
}

function and32(d: Reg, s: Reg): void {
  const v = tnumSubreg(d.varOff);
  if (tnumSubregIsConst(s.varOff) && tnumSubregIsConst(d.varOff)) { mark32Known(d, v.value); return; }
  d.u32min = v.value;
  d.u32max = d.u32max < s.u32max ? d.u32max : s.u32max;
  signed32FromUnsigned(d);
}
function and64(d: Reg, s: Reg): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) { markKnown(d, d.varOff.value); return; }
  d.umin = d.varOff.value;
  d.umax = d.umax < s.umax ? d.umax : s.umax;
  signed64FromUnsigned(d);
  updateRegBounds(d);
}
function or32(d: Reg, s: Reg): void {
  const v = tnumSubreg(d.varOff);
  if (tnumSubregIsConst(s.varOff) && tnumSubregIsConst(d.varOff)) { mark32Known(d, v.value); return; }
  d.u32min = d.u32min > s.u32min ? d.u32min : s.u32min;
  d.u32max = v.value | v.mask;
  signed32FromUnsigned(d);
}
function or64(d: Reg, s: Reg): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) { markKnown(d, d.varOff.value); return; }
  d.umin = d.umin > s.umin ? d.umin : s.umin;
  d.umax = d.varOff.value | d.varOff.mask;
  signed64FromUnsigned(d);
  updateRegBounds(d);
}
function xor32(d: Reg, s: Reg): void {
  const v = tnumSubreg(d.varOff);
  if (tnumSubregIsConst(s.varOff) && tnumSubregIsConst(d.varOff)) { mark32Known(d, v.value); return; }
  d.u32min = v.value;
  d.u32max = v.value | v.mask;
  signed32FromUnsigned(d);
}
function xor64(d: Reg, s: Reg): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) { markKnown(d, d.varOff.value); return; }
  d.umin = d.varOff.value;
  d.umax = d.varOff.value | d.varOff.mask;
  signed64FromUnsigned(d);
  updateRegBounds(d);
}

function lsh32Bounds(d: Reg, umin: bigint, umax: bigint): void {
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  if (umax > 31n || d.u32max > 1n << (31n - umax)) { d.u32min = 0n; d.u32max = U32; } else {
    d.u32min = u32(d.u32min << umin);
    d.u32max = u32(d.u32max << umax);
  }
}
function lsh32(d: Reg, s: Reg): void {
  const sub = tnumSubreg(d.varOff);
  lsh32Bounds(d, s.u32min, s.u32max);
  d.varOff = tnumSubreg(tnumLshift(sub, Number(s.u32min)));
  mark64Unbounded(d);
  updateRegBounds(d);
}
function lsh64(d: Reg, s: Reg): void {
  const umin = s.umin, umax = s.umax;
  d.smax = umin === 32n && umax === 32n && d.s32max >= 0n ? d.s32max << 32n : S64_MAX;
  d.smin = umin === 32n && umax === 32n && d.s32min >= 0n ? d.s32min << 32n : S64_MIN;
  if (d.umax > 1n << (63n - umax)) { d.umin = 0n; d.umax = U64; } else {
    d.umin = u64(d.umin << umin);
    d.umax = u64(d.umax << umax);
  }
  lsh32Bounds(d, umin, umax);
  d.varOff = tnumLshift(d.varOff, Number(umin));
  updateRegBounds(d);
}
function rsh32(d: Reg, s: Reg): void {
  const sub = tnumSubreg(d.varOff);
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  d.varOff = tnumRshift(sub, Number(s.u32min));
  d.u32min >>= s.u32max;
  d.u32max >>= s.u32min;
  mark64Unbounded(d);
  updateRegBounds(d);
}
function rsh64(d: Reg, s: Reg): void {
  d.smin = S64_MIN;
  d.smax = S64_MAX;
  d.varOff = tnumRshift(d.varOff, Number(s.umin));
  d.umin >>= s.umax;
  d.umax >>= s.umin;
  mark32Unbounded(d);
  updateRegBounds(d);
}
function arsh32(d: Reg, s: Reg): void {
  const sh = s.u32min;
  d.s32min >>= sh;
  d.s32max >>= sh;
  d.varOff = tnumArshift(tnumSubreg(d.varOff), Number(sh), 32);
  d.u32min = 0n;
  d.u32max = U32;
  mark64Unbounded(d);
  updateRegBounds(d);
}
function arsh64(d: Reg, s: Reg): void {
  const sh = s.umin;
  d.smin >>= sh;
  d.smax >>= sh;
  d.varOff = tnumArshift(d.varOff, Number(sh), 64);
  d.umin = 0n;
  d.umax = U64;
  mark32Unbounded(d);
  updateRegBounds(d);
}

/**
 * adjust_scalar_min_max_vals: dst (a SCALAR_VALUE, modified in place) op= src. Division, modulo
 * and shifts by a non-constant amount make the result unknown, as in the kernel.
 */
export function adjustScalarMinMax(op: number, alu32: boolean, dst: Reg, srcIn: Reg): void {
  // The source is only read; copy it when it is the destination itself (BPF_NEG passes dst twice).
  const src = srcIn === dst ? cloneReg(srcIn) : srcIn;
  const bits = alu32 ? 32n : 64n;
  const srcConst = alu32 ? tnumSubregIsConst(src.varOff) : tnumIsConst(src.varOff);
  let safe: boolean;
  switch (op) {
    case BPF_ADD: case BPF_SUB: case BPF_NEG: case BPF_AND: case BPF_XOR: case BPF_OR: case BPF_MUL:
      safe = true;
      break;
    case BPF_LSH: case BPF_RSH: case BPF_ARSH:
      safe = srcConst && (alu32 ? src.u32max : src.umax) < bits;
      break;
    default:
      safe = false;
  }
  if (!safe) {
    dst.varOff = tnumUnknown;
    markUnbounded(dst);
    dst.id = 0;
    return;
  }
  switch (op) {
    case BPF_ADD:
      add32(dst, src); add64(dst, src);
      dst.varOff = tnumAdd(dst.varOff, src.varOff);
      break;
    case BPF_SUB:
      sub32(dst, src); sub64(dst, src);
      dst.varOff = tnumSub(dst.varOff, src.varOff);
      break;
    case BPF_NEG: {
      const old = cloneReg(dst);
      markKnown(dst, 0n);
      sub32(dst, old); sub64(dst, old);
      dst.varOff = tnumNeg(old.varOff);
      break;
    }
    case BPF_MUL:
      dst.varOff = tnumMul(dst.varOff, src.varOff);
      mul32(dst, src); mul64(dst, src);
      break;
    case BPF_AND:
      dst.varOff = tnumAnd(dst.varOff, src.varOff);
      and32(dst, src); and64(dst, src);
      break;
    case BPF_OR:
      dst.varOff = tnumOr(dst.varOff, src.varOff);
      or32(dst, src); or64(dst, src);
      break;
    case BPF_XOR:
      dst.varOff = tnumXor(dst.varOff, src.varOff);
      xor32(dst, src); xor64(dst, src);
      break;
    case BPF_LSH:
      if (alu32) lsh32(dst, src); else lsh64(dst, src);
      break;
    case BPF_RSH:
      if (alu32) rsh32(dst, src); else rsh64(dst, src);
      break;
    case BPF_ARSH:
      if (alu32) arsh32(dst, src); else arsh64(dst, src);
      break;
  }
  if (alu32) zext32To64(dst);
  boundsSync(dst);
}
