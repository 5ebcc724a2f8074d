// 64-bit arithmetic the generated code calls out of line on int32 (lo, hi) pairs: high word of a
// 32×32 product, division and modulo beyond the int32 fast paths. RFC 9669 §4.1 (div/mod by zero, overflow).

const TWO32 = 4294967296;
/** Values whose high word is below this fit in 53 bits (exact as doubles). */
const HI53 = 0x200000;

/** Second result word of the functions below (they return the low word). */
export const HI = new Int32Array(1);

/** High 32 bits of the unsigned 64-bit product of two uint32 (given as int32 bit patterns). */
export function mulhu(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** Unsigned (al, ah) / (bl, bh), or the remainder when `mod`; the divisor is not zero. */
export function udivmod64(al: number, ah: number, bl: number, bh: number, mod: boolean): number {
  const au = ah >>> 0, bu = bh >>> 0;
  if (au < HI53 && bu < HI53) {
    const a = au * TWO32 + (al >>> 0);
    const b = bu * TWO32 + (bl >>> 0);
    const v = mod ? a % b : Math.floor(a / b);
    HI[0] = Math.floor(v / TWO32);
    return v | 0;
  }
  const a = (BigInt(au) << 32n) | BigInt(al >>> 0);
  const b = (BigInt(bu) << 32n) | BigInt(bl >>> 0);
  return setBig(mod ? a % b : a / b);
}

/** Signed (al, ah) / (bl, bh) truncating toward zero, or the remainder; divisor not zero; INT64_MIN / -1 wraps. */
export function sdivmod64(al: number, ah: number, bl: number, bh: number, mod: boolean): number {
  if (ah >= -HI53 && ah < HI53 && bh >= -HI53 && bh < HI53) {
    const a = ah * TWO32 + (al >>> 0);
    const b = bh * TWO32 + (bl >>> 0);
    const v = mod ? a % b : Math.trunc(a / b);
    HI[0] = Math.floor(v / TWO32);
    return v | 0;
  }
  const a = BigInt.asIntN(64, (BigInt(ah >>> 0) << 32n) | BigInt(al >>> 0));
  const b = BigInt.asIntN(64, (BigInt(bh >>> 0) << 32n) | BigInt(bl >>> 0));
  return setBig(mod ? a % b : a / b);
}

function setBig(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  HI[0] = Number(u >> 32n) | 0;
  return Number(u & 0xffffffffn) | 0;
}
