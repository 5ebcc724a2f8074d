// Abstract register state: type, fixed offset, tnum and the six scalar ranges, plus the range
// maintenance (reg_bounds_sync and friends) from kernel/bpf/verifier.c.

import {
  Tnum, U32, U64, tnumClearSubreg, tnumConst, tnumIntersect, tnumIsConst, tnumOr, tnumRange, tnumSubreg,
  tnumUnknown,
} from "./tnum.js";

/** enum bpf_reg_type (base types the XDP verifier can meet). */
export const enum RegType {
  NOT_INIT = 0,
  SCALAR = 1,
  CTX = 2,
  CONST_PTR_TO_MAP = 3,
  MAP_VALUE = 4,
  MAP_KEY = 5,
  STACK = 6,
  PACKET_META = 7,
  PACKET = 8,
  PACKET_END = 9,
  MEM = 10,
  FUNC = 11,
  /** From bpf_sk_lookup_{tcp,udp} (a referenced socket). */
  SOCKET = 12,
  /** From bpf_skc_lookup_tcp. */
  SOCK_COMMON = 13,
}

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;
const BIT31 = 1n << 31n;
const BIT63 = 1n << 63n;
const TWO32 = 1n << 32n;
const HI32 = ~0xffffffffn;

/** struct bpf_reg_state, reduced to what XDP programs need. All bounds are BigInt. */
export interface Reg {
  type: RegType;
  /** PTR_MAYBE_NULL flag. */
  maybeNull: boolean;
  /** MEM_RINGBUF flag (PTR_TO_MEM from bpf_ringbuf_reserve). */
  ringbuf: boolean;
  /** MEM_RDONLY flag (read-only memory, e.g. .rodata map values are tracked by map). */
  rdonly: boolean;
  /** Fixed part of a pointer offset. */
  off: number;
  varOff: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
  /** Shared id: packet pointers with the same variable part, maybe-null pointers, linked scalars. */
  id: number;
  /** Reference (ringbuf reservation) id. */
  refObjId: number;
  /** Packet pointers: bytes proven readable from this pointer (-1 at pkt_end, -2 beyond). */
  range: number;
  /** Map slot for CONST_PTR_TO_MAP / MAP_VALUE / MAP_KEY. */
  mapIndex: number;
  /** PTR_TO_MEM size; map value / key size is looked up through mapIndex. */
  memSize: number;
  /** PTR_TO_STACK: frame the pointer points into. */
  frameno: number;
  /** PTR_TO_FUNC: first instruction of the callback. */
  subprog: number;
}

export function newReg(): Reg {
  return {
    type: RegType.NOT_INIT, maybeNull: false, ringbuf: false, rdonly: false, off: 0, varOff: tnumUnknown,
    smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64, s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32,
    id: 0, refObjId: 0, range: 0, mapIndex: -1, memSize: 0, frameno: 0, subprog: -1,
  };
}

export function cloneReg(r: Reg): Reg {
  return {
    type: r.type, maybeNull: r.maybeNull, ringbuf: r.ringbuf, rdonly: r.rdonly, off: r.off, varOff: r.varOff,
    smin: r.smin, smax: r.smax, umin: r.umin, umax: r.umax, s32min: r.s32min, s32max: r.s32max, u32min: r.u32min,
    u32max: r.u32max, id: r.id, refObjId: r.refObjId, range: r.range, mapIndex: r.mapIndex, memSize: r.memSize,
    frameno: r.frameno, subprog: r.subprog,
  };
}

export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
export const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export function markUnbounded(r: Reg): void {
  r.smin = S64_MIN; r.smax = S64_MAX; r.umin = 0n; r.umax = U64;
  r.s32min = S32_MIN; r.s32max = S32_MAX; r.u32min = 0n; r.u32max = U32;
}
export function mark64Unbounded(r: Reg): void {
  r.smin = S64_MIN; r.smax = S64_MAX; r.umin = 0n; r.umax = U64;
}
export function mark32Unbounded(r: Reg): void {
  r.s32min = S32_MIN; r.s32max = S32_MAX; r.u32min = 0n; r.u32max = U32;
}

/** __mark_reg_known: the variable part is exactly v (type untouched). */
export function markKnown(r: Reg, v: bigint): void {
  r.varOff = tnumConst(v);
  r.smin = r.smax = s64(v);
  r.umin = r.umax = u64(v);
  r.s32min = r.s32max = s32(v);
  r.u32min = r.u32max = u32(v);
}

export function mark32Known(r: Reg, v: bigint): void {
  r.varOff = tnumOr(tnumClearSubreg(r.varOff), tnumConst(u32(v)));
  r.s32min = r.s32max = s32(v);
  r.u32min = r.u32max = u32(v);
}

/** A fresh SCALAR_VALUE with nothing known. */
export function unknownScalar(): Reg {
  const r = newReg();
  r.type = RegType.SCALAR;
  return r;
}

export function setUnknown(r: Reg): void {
  Object.assign(r, unknownScalar());
}

export function knownScalar(v: bigint): Reg {
  const r = unknownScalar();
  markKnown(r, v);
  return r;
}

/** A pointer of the given type at offset 0 with zero variable part. */
export function pointerReg(type: RegType): Reg {
  const r = newReg();
  r.type = type;
  markKnown(r, 0n);
  return r;
}

export const isConst = (r: Reg, is32: boolean): boolean =>
  r.type === RegType.SCALAR && (is32 ? (r.varOff.mask & U32) === 0n : tnumIsConst(r.varOff));
export const constValue = (r: Reg, is32: boolean): bigint => (is32 ? r.varOff.value & U32 : r.varOff.value);
export const isNullScalar = (r: Reg): boolean => r.type === RegType.SCALAR && tnumIsConst(r.varOff) && r.varOff.value === 0n;
export const isPointer = (r: Reg): boolean => r.type !== RegType.SCALAR && r.type !== RegType.NOT_INIT;
export const isPktPointer = (r: Reg): boolean => r.type === RegType.PACKET || r.type === RegType.PACKET_META;
export const isPktPointerAny = (r: Reg): boolean => isPktPointer(r) || r.type === RegType.PACKET_END;

function updateReg32Bounds(r: Reg): void {
  const v = tnumSubreg(r.varOff);
  r.s32min = max(r.s32min, s32(v.value | (v.mask & BIT31)));
  r.s32max = min(r.s32max, s32(v.value | (v.mask & S32_MAX)));
  r.u32min = max(r.u32min, v.value);
  r.u32max = min(r.u32max, v.value | v.mask);
}

function updateReg64Bounds(r: Reg): void {
  const v = r.varOff;
  r.smin = max(r.smin, s64(v.value | (v.mask & BIT63)));
  r.smax = min(r.smax, s64(v.value | (v.mask & S64_MAX)));
  r.umin = max(r.umin, v.value);
  r.umax = min(r.umax, v.value | v.mask);
}

export function updateRegBounds(r: Reg): void {
  updateReg32Bounds(r);
  updateReg64Bounds(r);
}

function reg32DeduceBounds(r: Reg): void {
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32min = max(r.u32min, u32(r.umin));
    r.u32max = min(r.u32max, u32(r.umax));
    if (s32(r.umin) <= s32(r.umax)) {
      r.s32min = max(r.s32min, s32(r.umin));
      r.s32max = min(r.s32max, s32(r.umax));
    }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    r.u32min = max(r.u32min, u32(r.smin));
    r.u32max = min(r.u32max, u32(r.smax));
    if (s32(r.smin) <= s32(r.smax)) {
      r.s32min = max(r.s32min, s32(r.smin));
      r.s32max = min(r.s32max, s32(r.smax));
    }
  }
  // Upper halves two apart around the sign change: the low halves still form an s32 range.
  if (((r.umin >> 32n) + 1n) % TWO32 === (r.umax >> 32n) % TWO32 && s32(r.umin) < 0n && s32(r.umax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.umin));
    r.s32max = min(r.s32max, s32(r.umax));
  }
  if (u32(r.smin >> 32n) + 1n === u32(r.smax >> 32n) || (u32(r.smin >> 32n) === U32 && u32(r.smax >> 32n) === 0n)) {
    if (s32(r.smin) < 0n && s32(r.smax) >= 0n) {
      r.s32min = max(r.s32min, s32(r.smin));
      r.s32max = min(r.s32max, s32(r.smax));
    }
  }
  if (s32(r.u32min) <= s32(r.u32max)) {
    r.s32min = max(r.s32min, s32(r.u32min));
    r.s32max = min(r.s32max, s32(r.u32max));
  }
  if (u32(r.s32min) <= u32(r.s32max)) {
    r.u32min = max(u32(r.s32min), r.u32min);
    r.u32max = min(u32(r.s32max), r.u32max);
  }
}

function reg64DeduceBounds(r: Reg): void {
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = max(r.smin, s64(r.umin));
    r.smax = min(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = max(u64(r.smin), r.umin);
    r.umax = min(u64(r.smax), r.umax);
  } else {
    if (r.umax < u64(r.smin)) {
      r.smin = s64(r.umin);
      r.umax = min(r.umax, u64(r.smax));
    } else if (u64(r.smax) < r.umin) {
      r.smax = s64(r.umax);
      r.umin = max(r.umin, u64(r.smin));
    }
  }
}

function regDeduceMixedBounds(r: Reg): void {
  const hi = HI32;
  const newUmin = u64((r.umin & hi) | r.u32min);
  const newUmax = u64((r.umax & hi) | r.u32max);
  r.umin = max(r.umin, newUmin);
  r.umax = min(r.umax, newUmax);
  const newSmin = s64((r.smin & hi) | r.u32min);
  const newSmax = s64((r.smax & hi) | r.u32max);
  r.smin = max(r.smin, newSmin);
  r.smax = min(r.smax, newSmax);
  if (r.s32min >= 0n && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    r.smin = r.s32min;
    r.smax = r.s32max;
    r.umin = r.s32min;
    r.umax = r.s32max;
    r.varOff = tnumIntersect(r.varOff, tnumRange(r.smin, r.smax));
  }
}

function regDeduceBounds(r: Reg): void {
  reg32DeduceBounds(r);
  reg64DeduceBounds(r);
  regDeduceMixedBounds(r);
}

function regBoundOffset(r: Reg): void {
  const var64 = tnumIntersect(r.varOff, tnumRange(r.umin, r.umax));
  const var32 = tnumIntersect(tnumSubreg(var64), tnumRange(r.u32min, r.u32max));
  r.varOff = tnumOr(tnumClearSubreg(var64), var32);
}

/** The ten values reg_bounds_sync reads and writes. */
interface SyncedBounds {
  varOff: Tnum;
  smin: bigint; smax: bigint; umin: bigint; umax: bigint;
  s32min: bigint; s32max: bigint; u32min: bigint; u32max: bigint;
}

/**
 * reg_bounds_sync is a pure function of the tnum and the eight bounds, and a walk meets the same
 * few inputs again and again: results are memoised by value (bounded, cleared when full), in a
 * trie of Maps keyed by the ten BigInts in turn (Map compares BigInt keys by value; no key strings).
 */
type SyncTrie = Map<bigint, unknown>;
let syncMemo: SyncTrie = new Map();
let syncMemoSize = 0;
const SYNC_MEMO_MAX = 1 << 12;

function syncKeys(r: Reg): bigint[] {
  return [r.varOff.value, r.varOff.mask, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max];
}

function syncMemoGet(r: Reg): SyncedBounds | undefined {
  let m = syncMemo.get(r.varOff.value) as SyncTrie | undefined;
  if (m) m = m.get(r.varOff.mask) as SyncTrie | undefined;
  if (m) m = m.get(r.smin) as SyncTrie | undefined;
  if (m) m = m.get(r.smax) as SyncTrie | undefined;
  if (m) m = m.get(r.umin) as SyncTrie | undefined;
  if (m) m = m.get(r.umax) as SyncTrie | undefined;
  if (m) m = m.get(r.s32min) as SyncTrie | undefined;
  if (m) m = m.get(r.s32max) as SyncTrie | undefined;
  if (m) m = m.get(r.u32min) as SyncTrie | undefined;
  return m ? (m.get(r.u32max) as SyncedBounds | undefined) : undefined;
}

function syncMemoSet(keys: bigint[], v: SyncedBounds): void {
  if (syncMemoSize >= SYNC_MEMO_MAX) { syncMemo = new Map(); syncMemoSize = 0; }
  let m = syncMemo;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = m.get(keys[i]) as SyncTrie | undefined;
    if (!next) { next = new Map(); m.set(keys[i], next); }
    m = next;
  }
  m.set(keys[keys.length - 1], v);
  syncMemoSize++;
}

/** reg_bounds_sync. */
export function boundsSync(r: Reg): void {
  if (r.varOff.mask === 0n) {
    const c = r.varOff.value;
    if (r.umin === c && r.umax === c && r.u32min === (c & U32) && r.u32max === (c & U32) &&
      r.smin === s64(c) && r.smax === s64(c) && r.s32min === s32(c) && r.s32max === s32(c)) return;
  }
  const hit = syncMemoGet(r);
  if (hit) {
    r.varOff = hit.varOff;
    r.smin = hit.smin; r.smax = hit.smax; r.umin = hit.umin; r.umax = hit.umax;
    r.s32min = hit.s32min; r.s32max = hit.s32max; r.u32min = hit.u32min; r.u32max = hit.u32max;
    return;
  }
  const keys = syncKeys(r);
  updateRegBounds(r);
  regDeduceBounds(r);
  regDeduceBounds(r);
  regBoundOffset(r);
  updateRegBounds(r);
  syncMemoSet(keys, {
    varOff: r.varOff, smin: r.smin, smax: r.smax, umin: r.umin, umax: r.umax,
    s32min: r.s32min, s32max: r.s32max, u32min: r.u32min, u32max: r.u32max,
  });
}

/** False when the ranges contradict each other (the path is infeasible). */
export function boundsSane(r: Reg): boolean {
  if (r.type !== RegType.SCALAR) return true;
  if (r.umin > r.umax || r.smin > r.smax || r.u32min > r.u32max || r.s32min > r.s32max) return false;
  const v = r.varOff;
  if ((v.value & v.mask) !== 0n) return false;
  if (tnumIsConst(v)) {
    const c = v.value;
    if (r.umin !== c || r.umax !== c || r.smin !== s64(c) || r.smax !== s64(c)) return false;
  }
  if (r.umin > (v.value | v.mask) || r.umax < v.value) return false;
  return true;
}

/** zext_32_to_64 (result of a 32-bit ALU op). */
export function zext32To64(r: Reg): void {
  r.varOff = tnumSubreg(r.varOff);
  r.umin = r.u32min;
  r.umax = r.u32max;
  if (r.s32min >= 0n && r.s32max >= 0n) {
    r.smin = r.s32min;
    r.smax = r.s32max;
  } else {
    r.smin = 0n;
    r.smax = U32;
  }
}

/** coerce_reg_to_size: keep the low `size` bytes (zero-extending load). */
export function coerceRegToSize(r: Reg, size: number): void {
  if (size >= 8) return;
  const mask = (1n << BigInt(size * 8)) - 1n;
  r.varOff = { value: r.varOff.value & mask, mask: r.varOff.mask & mask };
  if ((r.umin & ~mask) === (r.umax & ~mask)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin;
  r.smax = r.umax;
  if (size < 4) mark32Unbounded(r);
  boundsSync(r);
}

/** coerce_reg_to_size_sx: sign-extend the low `size` bytes (ldsx / movsx). */
export function coerceRegToSizeSx(r: Reg, size: number): void {
  const bits = BigInt(size * 8);
  if (tnumIsConst(r.varOff)) {
    const v = BigInt.asIntN(Number(bits), r.varOff.value);
    markKnown(r, v);
    return;
  }
  const half = 1n << (bits - 1n);
  const keep = r.smin >= 0n && r.smax < half && r.umax < half;
  if (keep) {
    const lo = r.smin, hi = r.smax;
    markUnbounded(r);
    r.smin = lo; r.smax = hi; r.umin = lo; r.umax = hi;
    r.varOff = tnumRange(lo, hi);
  } else {
    markUnbounded(r);
    r.smin = -half; r.smax = half - 1n;
    r.varOff = tnumUnknown;
  }
  boundsSync(r);
}

/** Did the kernel's scalar ranges of `cur` fall within those of `old`? (range_within) */
export function rangeWithin(old: Reg, cur: Reg): boolean {
  return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax &&
    old.u32min <= cur.u32min && old.u32max >= cur.u32max && old.s32min <= cur.s32min && old.s32max >= cur.s32max;
}

export { tnumUnknown };
