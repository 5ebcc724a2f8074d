// String helpers available to XDP: bpf_strtol / bpf_strtoul (kstrtox-style parsing of a bounded
// buffer) and bpf_strncmp (against a constant string), with the kernel's error codes.
// Kernel reference: kernel/bpf/helpers.c (__bpf_strtoull, bpf_strtol, bpf_strtoul, bpf_strncmp), lib/kstrtox.c.

import { BpfFault } from "../../errors.js";
import type { HelperFn } from "../runtime.js";
import { EINVAL, ERANGE } from "../maps/bpf-map.js";
import { memArg, retInt } from "./helper-abi.js";

const BPF_STRTOX_BASE_MASK = 0x1f;
const U64_MAX = (1n << 64n) - 1n;

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** __bpf_strtoull: consumed characters (> 0) with the value and sign, or -errno. */
function strtoull(buf: Uint8Array, off: number, len: number, flagsLo: number, flagsHi: number):
  { consumed: number; value: bigint; negative: boolean } | number {
  let base = flagsLo & BPF_STRTOX_BASE_MASK;
  if (len === 0) return -EINVAL;
  if (base !== 0 && base !== 8 && base !== 10 && base !== 16) return -EINVAL;
  if ((flagsLo & ~BPF_STRTOX_BASE_MASK) !== 0 || flagsHi !== 0) return -EINVAL;
  let p = 0;
  while (p < len && isSpace(buf[off + p])) p++;
  const negative = p < len && buf[off + p] === 0x2d;
  if (negative) p++;
  if (p === len) return -EINVAL;
  // the kernel copies at most 63 bytes into a NUL-terminated scratch string
  const n = Math.min(len - p, 63);
  const ch = (j: number) => (j < n ? buf[off + p + j] : 0);
  let s = 0;
  const lower = (c: number) => c | 0x20;
  const isXdigit = (c: number) => (c >= 0x30 && c <= 0x39) || (lower(c) >= 0x61 && lower(c) <= 0x66);
  if (base === 0) {
    if (ch(0) === 0x30) base = lower(ch(1)) === 0x78 && isXdigit(ch(2)) ? 16 : 8;
    else base = 10;
  }
  if (base === 16 && ch(0) === 0x30 && lower(ch(1)) === 0x78) s = 2;
  let value = 0n;
  let overflow = false;
  let digits = 0;
  for (;; digits++) {
    const c = ch(s + digits);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (lower(c) >= 0x61 && lower(c) <= 0x66) d = lower(c) - 0x61 + 10;
    else break;
    if (d >= base) break;
    value = value * BigInt(base) + BigInt(d);
    if (value > U64_MAX) overflow = true;
    value &= U64_MAX;
  }
  if (overflow) return -ERANGE;
  if (digits === 0) return -EINVAL;
  return { consumed: p + s + digits, value, negative };
}

/** bpf_strtol(const char *buf, size_t buf_len, u64 flags, s64 *res) — helper 105. */
export const strtol: HelperFn = (rt, r) => {
  const len = r[4];
  const buf = memArg(rt, r, 1, len, false);
  const res = memArg(rt, r, 4, 8, true);
  res.dv.setBigUint64(r[8], 0n, true);
  const p = strtoull(buf.bytes, r[2], len, r[6], r[7]);
  if (typeof p === "number") return retInt(r, p);
  let v: bigint;
  if (p.negative) {
    v = BigInt.asIntN(64, -p.value);
    if (v > 0n) return retInt(r, -ERANGE);
  } else {
    v = BigInt.asIntN(64, p.value);
    if (v < 0n) return retInt(r, -ERANGE);
  }
  res.dv.setBigInt64(r[8], v, true);
  retInt(r, p.consumed);
};

/** bpf_strtoul(const char *buf, size_t buf_len, u64 flags, u64 *res) — helper 106 ("-…" → -EINVAL). */
export const strtoul: HelperFn = (rt, r) => {
  const len = r[4];
  const buf = memArg(rt, r, 1, len, false);
  const res = memArg(rt, r, 4, 8, true);
  res.dv.setBigUint64(r[8], 0n, true);
  const p = strtoull(buf.bytes, r[2], len, r[6], r[7]);
  if (typeof p === "number") return retInt(r, p);
  if (p.negative) return retInt(r, -EINVAL);
  res.dv.setBigUint64(r[8], p.value, true);
  retInt(r, p.consumed);
};

/** bpf_strncmp(const char *s1, u32 s1_sz, const char *s2) — helper 182: -1, 0 or 1 (lib/string.c). */
export const strncmp: HelperFn = (rt, r) => {
  const n = r[4];
  const s1 = memArg(rt, r, 1, n, false);
  const s2 = rt.mem.check(r[7], r[6], 1, false);
  for (let i = 0; i < n; i++) {
    const at = r[6] + i;
    if (at >= s2.end) throw new BpfFault("bpf_strncmp: R3 is not a NUL-terminated string");
    const c1 = s1.bytes[r[2] + i];
    const c2 = s2.bytes[at];
    if (c1 !== c2) return retInt(r, c1 < c2 ? -1 : 1);
    if (c1 === 0) break;
  }
  retInt(r, 0);
};

/** Helper id → implementation for this family. */
export const STRING_HELPERS: [number, HelperFn][] = [
  [105, strtol],
  [106, strtoul],
  [182, strncmp],
];
