// Allocation-free byte moves between simulated memory and map storage (the per-packet map paths
// must not create subarray views). Follows include/linux/bpf.h copy_map_value / zero_map_value.

/** Copy n bytes src[srcOff..] → dst[dstOff..] (distinct buffers or non-overlapping ranges). */
export function copyBytes(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, n: number): void {
  if (n > 64) {
    dst.set(src.subarray(srcOff, srcOff + n), dstOff);
    return;
  }
  for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i];
}

/**
 * copy_map_value: copy a value but leave a spin lock word (4 bytes at lockOff, -1 = none) of the
 * destination untouched, as the kernel never copies special fields.
 */
export function copyValue(
  dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, n: number, lockOff: number,
): void {
  if (lockOff < 0) {
    copyBytes(dst, dstOff, src, srcOff, n);
    return;
  }
  copyBytes(dst, dstOff, src, srcOff, lockOff);
  const after = lockOff + 4;
  if (after < n) copyBytes(dst, dstOff + after, src, srcOff + after, n - after);
}

/** A fresh copy of n bytes with the spin lock word (if any) zeroed (check_and_init_map_value). */
export function readValue(src: Uint8Array, off: number, n: number, lockOff: number): Uint8Array {
  const out = src.slice(off, off + n);
  if (lockOff >= 0 && lockOff + 4 <= n) out.fill(0, lockOff, lockOff + 4);
  return out;
}

/** Little-endian u32 at off. */
export function readU32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** A 4-byte little-endian key (array index, ifindex, cpu). */
export function u32Key(v: number): Uint8Array {
  const k = new Uint8Array(4);
  writeU32(k, 0, v);
  return k;
}

/** round_up(n, 8). */
export function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * get_next_key of index-keyed maps (array_map_get_next_key, dev_map_get_next_key, cpu_map_…):
 * a missing or out-of-range key restarts at index 0; the last index has no next key.
 */
export function nextIndexKey(key: Uint8Array | null, maxEntries: number): Uint8Array | null {
  const i = key === null || key.length < 4 ? 0xffffffff : readU32(key, 0);
  if (i >= maxEntries) return u32Key(0);
  return i === maxEntries - 1 ? null : u32Key(i + 1);
}
