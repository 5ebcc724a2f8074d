// bpf_csum_diff: one's-complement checksum difference of two buffers plus a seed, computed exactly
// as x86-64's csum_partial (32-bit end-around-carry sums) and folded to 16 bits without complement.
// Kernel reference: net/core/filter.c (bpf_csum_diff), arch/x86/lib/csum-partial_64.c, include/net/checksum.h.

import type { HelperFn } from "../runtime.js";
import { memArg, retInt } from "./helper-abi.js";

const M32 = 0xffffffff;

/**
 * csum_partial(buf, len, seed) as x86-64 returns it: seed plus the buffer read as little-endian u32
 * words (the tail zero-padded), end-around carry in 32 bits. The result is 0 only when seed and data
 * are all zero, otherwise the representative in [1, 2^32 - 1] (so "minus zero" is 0xffffffff).
 */
export function csumPartial(dv: DataView, off: number, len: number, seed: number): number {
  let sum = seed;
  const words = len >>> 2;
  let p = off;
  for (let i = 0; i < words; i++, p += 4) sum += dv.getUint32(p, true);
  const tail = len & 3;
  if (tail !== 0) {
    let w = dv.getUint8(p);
    if (tail > 1) w |= dv.getUint8(p + 1) << 8;
    if (tail > 2) w |= dv.getUint8(p + 2) << 16;
    sum += w;
  }
  if (sum === 0) return 0;
  const r = sum % M32;
  return r === 0 ? M32 : r;
}

/** csum_add: 32-bit addition with end-around carry. */
export function csumAdd(a: number, b: number): number {
  const s = a + b;
  return s > M32 ? s - M32 : s;
}

/** from32to16: fold a 32-bit sum to 16 bits (no complement). */
export function csumFrom32to16(x: number): number {
  x = (x & 0xffff) + (x >>> 16);
  return (x & 0xffff) + (x >>> 16);
}

/**
 * bpf_csum_diff(__be32 *from, u32 from_size, __be32 *to, u32 to_size, __wsum seed) — helper 28.
 * No size checks (6.18); the seed is the low 32 bits of r5; the result is folded to 16 bits:
 * both sizes: csum_sub(partial(to, seed), partial(from, 0)); only to: partial(to, seed);
 * only from: ~partial(from, ~seed); neither: seed. Diffing identical data gives 0xffff.
 */
export const csumDiff: HelperFn = (rt, r) => {
  const fromSize = r[4];
  const toSize = r[8];
  const seed = r[10];
  let ret: number;
  if (fromSize !== 0 && toSize !== 0) {
    const from = memArg(rt, r, 1, fromSize, false);
    const to = memArg(rt, r, 3, toSize, false);
    const a = csumPartial(to.dv, r[6], toSize, seed);
    const b = csumPartial(from.dv, r[2], fromSize, 0);
    ret = csumAdd(a, ~b >>> 0);
  } else if (toSize !== 0) {
    const to = memArg(rt, r, 3, toSize, false);
    ret = csumPartial(to.dv, r[6], toSize, seed);
  } else if (fromSize !== 0) {
    const from = memArg(rt, r, 1, fromSize, false);
    ret = ~csumPartial(from.dv, r[2], fromSize, ~seed >>> 0) >>> 0;
  } else {
    ret = seed;
  }
  retInt(r, csumFrom32to16(ret));
};

/** Helper id → implementation for this family. */
export const CSUM_HELPERS: [number, HelperFn][] = [[28, csumDiff]];
