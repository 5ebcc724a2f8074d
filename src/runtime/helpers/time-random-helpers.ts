// Time, randomness and CPU helpers, deterministic for replay: every clock is the capture timestamp of
// the packet (rt.timeHi/timeLo), bpf_get_prandom_u32 is xorshift128+ seeded by --seed and the CPU.
// Kernel reference: kernel/bpf/helpers.c (bpf_ktime_get_*, bpf_jiffies64, bpf_get_prandom_u32...).

import type { HelperFn } from "../runtime.js";
import { retInt, retU53 } from "./helper-abi.js";

/** CONFIG_HZ of the reference kernel (6.18, CONFIG_HZ_250): bpf_jiffies64 = capture ns / (1e9 / HZ). */
export const HZ = 250;
/** TAI - UTC since 2017 (37 s): bpf_ktime_get_tai_ns reads the capture time (UTC) as TAI. */
export const TAI_OFFSET_NS = 37_000_000_000;

/** floor((hi·2^32 + lo) / d) for 1 ≤ d < 2^37, exact while the quotient is below 2^53. */
export function divU64(hi: number, lo: number, d: number): number {
  const qHi = Math.floor(hi / d);
  const x = (hi % d) * 0x10000 + (lo >>> 16);
  const q1 = Math.floor(x / d);
  const y = (x % d) * 0x10000 + (lo & 0xffff);
  const q2 = Math.floor(y / d);
  return qHi * 0x1_0000_0000 + q1 * 0x10000 + q2;
}

/** (hi·2^32 + lo) mod d, same domain as divU64. */
export function modU64(hi: number, lo: number, d: number): number {
  const x = (hi % d) * 0x10000 + (lo >>> 16);
  return ((x % d) * 0x10000 + (lo & 0xffff)) % d;
}

/** bpf_ktime_get_ns / _boot_ns / _coarse_ns — helpers 5, 125, 160: the capture time. */
export const ktimeGetNs: HelperFn = (rt, r) => {
  r[0] = rt.timeLo;
  r[1] = rt.timeHi;
};

/** bpf_ktime_get_tai_ns — helper 208: capture time + 37 s (64-bit wrap-around). */
export const ktimeGetTaiNs: HelperFn = (rt, r) => {
  const lo = rt.timeLo + (TAI_OFFSET_NS % 0x1_0000_0000);
  r[0] = lo;
  r[1] = rt.timeHi + Math.floor(TAI_OFFSET_NS / 0x1_0000_0000) + (lo > 0xffffffff ? 1 : 0);
};

/** bpf_jiffies64 — helper 118: capture time in ticks of 1/HZ s (INITIAL_JIFFIES is not added). */
export const jiffies64: HelperFn = (rt, r) => {
  retU53(r, divU64(rt.timeHi, rt.timeLo, 1_000_000_000 / HZ));
};

/**
 * bpf_get_prandom_u32 — helper 7: high 32 bits of xorshift128+ (Vigna, shifts 23/18/5) over the
 * runtime's 128-bit state [s0 lo, s0 hi, s1 lo, s1 hi], seeded per (--seed, cpu) in runtime.ts.
 */
export const getPrandomU32: HelperFn = (rt, r) => {
  const s = rt.rngState;
  let aLo = s[0], aHi = s[1];
  const bLo = s[2], bHi = s[3];
  const sumLo = aLo + bLo;
  const resultHi = (aHi + bHi + (sumLo > 0xffffffff ? 1 : 0)) >>> 0;
  s[0] = bLo;
  s[1] = bHi;
  // a ^= a << 23
  const tHi = ((aHi << 23) | (aLo >>> 9)) >>> 0;
  const tLo = (aLo << 23) >>> 0;
  aHi = (aHi ^ tHi) >>> 0;
  aLo = (aLo ^ tLo) >>> 0;
  // s1 = a ^ b ^ (a >> 18) ^ (b >> 5)
  s[2] = (aLo ^ bLo ^ ((aLo >>> 18) | (aHi << 14)) ^ ((bLo >>> 5) | (bHi << 27))) >>> 0;
  s[3] = (aHi ^ bHi ^ (aHi >>> 18) ^ (bHi >>> 5)) >>> 0;
  r[0] = resultHi;
  r[1] = 0;
};

/** bpf_get_smp_processor_id — helper 8: the CPU the runtime replays on. */
export const getSmpProcessorId: HelperFn = (rt, r) => retInt(r, rt.cpu);

/** bpf_get_numa_node_id — helper 42: one NUMA node. */
export const getNumaNodeId: HelperFn = (_rt, r) => retInt(r, 0);

/** Helper id → implementation for this family. */
export const TIME_RANDOM_HELPERS: [number, HelperFn][] = [
  [5, ktimeGetNs],
  [7, getPrandomU32],
  [8, getSmpProcessorId],
  [42, getNumaNodeId],
  [118, jiffies64],
  [125, ktimeGetNs],
  [160, ktimeGetNs],
  [208, ktimeGetTaiNs],
];
