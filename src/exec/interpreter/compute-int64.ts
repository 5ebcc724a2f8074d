// 64-bit multiply / divide / modulo on (lo, hi) uint32 register pairs without BigInt on the common path
// (operands under 2^53 use exact double arithmetic). Semantics: RFC 9669 §4.1 (div/mod by zero, INT64_MIN / -1).

const TWO32 = 4294967296;
/** Values whose high word is below this fit in 53 bits (exact as doubles). */
const HI53 = 0x200000;

/** R[d..d+1] *= (bl, bh), modulo 2^64. */
export function mul64(R: Uint32Array, d: number, bl: number, bh: number): void {
  const al = R[d];
  const ah = R[d + 1];
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  R[d] = ((mid & 0xffff) << 16) | (p00 & 0xffff);
  R[d + 1] = carry + Math.imul(al, bh) + Math.imul(ah, bl);
}

/** R[d..d+1] = R[d..d+1] / (bl, bh) (unsigned); divisor ≠ 0. `mod` selects the remainder instead. */
export function udivmod64(R: Uint32Array, d: number, bl: number, bh: number, mod: boolean): void {
  const al = R[d];
  const ah = R[d + 1];
  if (ah < HI53 && bh < HI53) {
    const a = ah * TWO32 + al;
    const b = bh * TWO32 + bl;
    const v = mod ? a % b : Math.floor(a / b);
    R[d] = v;
    R[d + 1] = Math.floor(v / TWO32);
    return;
  }
  const a = toBig(al, ah);
  const b = toBig(bl, bh);
  setBig(R, d, mod ? a % b : a / b);
}

/**
 * Signed 64-bit division / modulo, truncating toward zero; divisor ≠ 0. INT64_MIN / -1 = INT64_MIN and
 * INT64_MIN % -1 = 0 (the RFC's wrap-around).
 */
export function sdivmod64(R: Uint32Array, d: number, bl: number, bh: number, mod: boolean): void {
  const al = R[d];
  const ahs = R[d + 1] | 0;
  const bhs = bh | 0;
  if (ahs >= -HI53 && ahs < HI53 && bhs >= -HI53 && bhs < HI53) {
    const a = ahs * TWO32 + al;
    const b = bhs * TWO32 + (bl >>> 0);
    const v = mod ? a % b : Math.trunc(a / b);
    R[d] = v;
    R[d + 1] = Math.floor(v / TWO32);
    return;
  }
  const a = BigInt.asIntN(64, toBig(al, ahs));
  const b = BigInt.asIntN(64, toBig(bl, bhs));
  setBig(R, d, mod ? a % b : a / b);
}

function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function setBig(R: Uint32Array, d: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  R[d] = Number(u & 0xffffffffn);
  R[d + 1] = Number(u >> 32n);
}
