// Clock, random and CPU helpers: every clock reads the capture time (TAI +37 s, jiffies at HZ=250),
// bpf_get_prandom_u32 is xorshift128+ (checked against a BigInt reference) and deterministic per seed.

import { expect } from "chai";
import { divU64, HZ, modU64, TAI_OFFSET_NS } from "../../../src/runtime/helpers/time-random-helpers.js";
import { call, makeRuntime } from "./call-helper.js";

const KTIME = 5, PRANDOM = 7, SMP_ID = 8, NUMA = 42, JIFFIES = 118, BOOT = 125, COARSE = 160, TAI = 208;

describe("clock helpers", () => {
  const rt = makeRuntime();
  const ns = 1_700_000_123_456_789_012n;
  rt.timeHi = Number(ns >> 32n);
  rt.timeLo = Number(ns & 0xffffffffn);
  const cases: [string, number, bigint][] = [
    ["ktime_get_ns = capture time", KTIME, ns],
    ["ktime_get_boot_ns = capture time", BOOT, ns],
    ["ktime_get_coarse_ns = capture time", COARSE, ns],
    ["ktime_get_tai_ns = capture time + 37 s", TAI, ns + BigInt(TAI_OFFSET_NS)],
    ["jiffies64 = capture time / (1e9 / HZ)", JIFFIES, ns / (1_000_000_000n / BigInt(HZ))],
  ];
  for (const [name, id, want] of cases) it(name, () => expect(call(rt, id)).to.equal(want));

  it("TAI wraps at 2^64 like the kernel's u64", () => {
    const rt2 = makeRuntime();
    rt2.timeHi = 0xffffffff;
    rt2.timeLo = 0xffffffff;
    expect(call(rt2, TAI)).to.equal(BigInt(TAI_OFFSET_NS) - 1n);
  });

  it("divU64 / modU64 are exact whenever the quotient fits 53 bits", () => {
    for (const v of [0n, 1n, 999_999_999n, 1_000_000_000n, 0xffffffffffffffffn, 0x123456789abcdef0n]) {
      const hi = Number(v >> 32n), lo = Number(v & 0xffffffffn);
      for (const d of [250, 4_000_000, 1_000_000_000]) {
        if (v / BigInt(d) >= 1n << 53n) continue;
        expect(BigInt(divU64(hi, lo, d))).to.equal(v / BigInt(d));
        expect(BigInt(modU64(hi, lo, d))).to.equal(v % BigInt(d));
      }
    }
  });
});

describe("bpf_get_prandom_u32", () => {
  /** Reference xorshift128+ (Vigna 2014, shifts 23/18/5) on BigInt state, high 32 bits of s0 + s1. */
  function reference(state: Uint32Array, n: number): number[] {
    const M = (1n << 64n) - 1n;
    let s0 = (BigInt(state[1]) << 32n) | BigInt(state[0]);
    let s1 = (BigInt(state[3]) << 32n) | BigInt(state[2]);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      let a = s0;
      const b = s1;
      out.push(Number(((a + b) & M) >> 32n));
      s0 = b;
      a ^= (a << 23n) & M;
      s1 = a ^ b ^ (a >> 18n) ^ (b >> 5n);
    }
    return out;
  }

  it("is xorshift128+ over the runtime's seeded state", () => {
    const rt = makeRuntime([], { seed: 42 });
    const want = reference(rt.rngState.slice(), 1000);
    const got = Array.from({ length: 1000 }, () => Number(call(rt, PRANDOM)));
    expect(got).to.deep.equal(want);
  });

  it("is deterministic per (seed, cpu) and differs between them", () => {
    const seq = (seed: number, cpu: number) => {
      const rt = makeRuntime([], { seed, cpu, ncpus: 2 });
      return Array.from({ length: 8 }, () => Number(call(rt, PRANDOM)));
    };
    expect(seq(0, 0)).to.deep.equal(seq(0, 0));
    expect(seq(0, 0)).to.not.deep.equal(seq(1, 0));
    expect(seq(0, 0)).to.not.deep.equal(seq(0, 1));
  });

  it("looks uniform (mean and per-bit frequency of 20000 draws)", () => {
    const rt = makeRuntime([], { seed: 7 });
    const bits = new Array(32).fill(0);
    let sum = 0;
    const n = 20000;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const v = Number(call(rt, PRANDOM));
      if (!(v >= 0 && v <= 0xffffffff)) outOfRange++;
      sum += v;
      for (let b = 0; b < 32; b++) bits[b] += (v >>> b) & 1;
    }
    expect(outOfRange).to.equal(0);
    expect(sum / n / 2 ** 32).to.be.within(0.49, 0.51);
    for (const c of bits) expect(c / n).to.be.within(0.48, 0.52);
  });
});

describe("CPU helpers", () => {
  it("get_smp_processor_id is the replay CPU, get_numa_node_id is 0", () => {
    const rt = makeRuntime([], { ncpus: 4, cpu: 3 });
    expect(call(rt, SMP_ID)).to.equal(3n);
    expect(call(rt, NUMA)).to.equal(0n);
  });
});
