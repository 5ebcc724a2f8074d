// Tristate numbers: 64-bit values where each bit is known 0, known 1 or unknown (value/mask pairs).
// Follows kernel/bpf/tnum.c (tnum_add, tnum_mul, tnum_intersect, tnum_range, ...); BigInt-based.

export const U64 = (1n << 64n) - 1n;
export const U32 = 0xffffffffn;

/** A tnum: bits set in `mask` are unknown; `value` holds the known bits (value & mask == 0). */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const T = (value: bigint, mask: bigint): Tnum => ({ value: value & U64, mask: mask & U64 });
/** A tnum from parts already within [0, 2^64) (bitwise results of in-range tnums). */
const mk = (value: bigint, mask: bigint): Tnum => ({ value, mask });

/** BigInt(n) for shift counts 0..64 (no allocation per shift). */
const SHIFT: bigint[] = Array.from({ length: 65 }, (_, i) => BigInt(i));
const big = (n: number): bigint => (n >= 0 && n <= 64 ? SHIFT[n] : BigInt(n));
/** Low-bit masks of 1, 2, 4 bytes. */
const CAST_MASK: bigint[] = [0n, 0xffn, 0xffffn, 0xffffffn, 0xffffffffn];

export const tnumUnknown: Tnum = T(0n, U64);
export const tnumConst = (v: bigint): Tnum => T(v & U64, 0n);

/** Highest set bit index + 1 (fls64). */
function fls64(x: bigint): number {
  if (x === 0n) return 0;
  if (x <= 0xffffffffn) return 32 - Math.clz32(Number(x));
  const h = x.toString(16);
  return (h.length - 1) * 4 + (32 - Math.clz32(parseInt(h[0], 16)));
}

export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = (min ^ max) & U64;
  const bits = fls64(chi);
  if (bits > 63) return tnumUnknown;
  const delta = (1n << BigInt(bits)) - 1n;
  return T(min & ~delta, delta);
}

export const tnumLshift = (a: Tnum, s: number): Tnum => T(a.value << big(s), a.mask << big(s));
export const tnumRshift = (a: Tnum, s: number): Tnum => (s >= 0 ? mk(a.value >> big(s), a.mask >> big(s)) : T(a.value >> big(s), a.mask >> big(s)));

export function tnumArshift(a: Tnum, s: number, bits: 32 | 64): Tnum {
  if (bits === 32) {
    const v = BigInt.asUintN(32, BigInt.asIntN(32, a.value) >> BigInt(s));
    const m = BigInt.asUintN(32, BigInt.asIntN(32, a.mask) >> BigInt(s));
    return T(v, m);
  }
  return T(BigInt.asIntN(64, a.value) >> BigInt(s), BigInt.asIntN(64, a.mask) >> BigInt(s));
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = (a.mask + b.mask) & U64;
  const sv = (a.value + b.value) & U64;
  const sigma = (sm + sv) & U64;
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return T(sv & ~mu, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = (a.value - b.value) & U64;
  const alpha = (dv + a.mask) & U64;
  const beta = (dv - b.mask) & U64;
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return T(dv & ~mu, mu);
}

export const tnumNeg = (a: Tnum): Tnum => tnumSub(tnumConst(0n), a);

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return mk(v, alpha & beta & ~v);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return mk(v, mu & ~v);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return mk(v & ~mu, mu);
}

/** tnum_mul is a pure function of two tnums and loops over 64 bits: results are memoised by value. */
const mulMemo = new Map<string, Tnum>();

export function tnumMul(a: Tnum, b: Tnum): Tnum {
  const key = `${a.value}/${a.mask}/${b.value}/${b.mask}`;
  let r = mulMemo.get(key);
  if (!r) {
    r = tnumMulSlow(a, b);
    if (mulMemo.size >= 4096) mulMemo.clear();
    mulMemo.set(key, r);
  }
  return r;
}

function tnumMulSlow(a: Tnum, b: Tnum): Tnum {
  const accV = (a.value * b.value) & U64;
  let accM = T(0n, 0n);
  while (a.value || a.mask) {
    if (a.value & 1n) accM = tnumAdd(accM, T(0n, b.mask));
    else if (a.mask & 1n) accM = tnumAdd(accM, T(0n, b.value | b.mask));
    a = tnumRshift(a, 1);
    b = tnumLshift(b, 1);
  }
  return tnumAdd(T(accV, 0n), accM);
}

export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return mk(v & ~mu, mu);
}

/** Union of two tnums (every value of either is in the result). */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const mu = a.mask | b.mask | (a.value ^ b.value);
  return T(a.value & ~mu, mu);
}

export function tnumCast(a: Tnum, size: number): Tnum {
  if (size >= 8) return a;
  if (size >= 0 && size <= 4) { const m = CAST_MASK[size]; return mk(a.value & m, a.mask & m); }
  const m = (1n << BigInt(size * 8)) - 1n;
  return T(a.value & m, a.mask & m);
}

export function tnumIsAligned(a: Tnum, size: number): boolean {
  if (!size) return true;
  return ((a.value | a.mask) & BigInt(size - 1)) === 0n;
}

/** Is every value of b also a value of a? */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  // Allocation-free answers for the common shapes (every tnum lies within [0, 2^64)).
  if (a.mask === 0n) return b.mask === 0n && a.value === b.value;
  if (a.mask === U64 && a.value === 0n) return true;
  if (b.mask & ~a.mask) return false;
  return a.value === (b.value & ~a.mask);
}

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumEqualsConst = (a: Tnum, v: bigint): boolean => a.mask === 0n && a.value === (v & U64);
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64;
export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);
export const tnumClearSubreg = (a: Tnum): Tnum => tnumLshift(tnumRshift(a, 32), 32);
export const tnumWithSubreg = (reg: Tnum, sub: Tnum): Tnum => tnumOr(tnumClearSubreg(reg), tnumSubreg(sub));
export const tnumConstSubreg = (a: Tnum, v: bigint): Tnum => tnumWithSubreg(a, tnumConst(v));
export const tnumSubregIsConst = (a: Tnum): boolean => (a.mask & U32) === 0n;
export const tnumEquals = (a: Tnum, b: Tnum): boolean => a.value === b.value && a.mask === b.mask;
/** Could a and b hold the same value? */
export const tnumOverlap = (a: Tnum, b: Tnum): boolean => ((a.value ^ b.value) & ~(a.mask | b.mask)) === 0n;

/** `(0x..; 0x..)` as the kernel's tnum_strn prints it. */
export const tnumStr = (a: Tnum): string => `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
