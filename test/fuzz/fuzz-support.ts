// Fuzz support: a tiny seeded PRNG (every case reproducible from (seed, case index)), a result
// record shared by the campaigns, and helpers to classify what a case threw.

import { XdpsimError } from "../../src/errors.js";

/** Deterministic 32-bit PRNG (mulberry32) — one per case so `--seed S --case N` replays case N alone. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform uint32. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
}

/** Seed of case `i` of a campaign run with `seed` (a hash, so neighbouring cases are unrelated). */
export function caseSeed(seed: number, i: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}

/** Values that tend to break parsers: zero, all-ones, sign bits, powers of two, just-past sizes. */
export const INTERESTING_U32 = [0, 1, 2, 3, 4, 7, 8, 0x10, 0x40, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** One failure of a campaign: enough to reproduce it with one command. */
export interface FuzzFailure {
  campaign: string;
  caseIndex: number;
  seed: number;
  what: string;
  detail: string;
}

export interface CampaignResult {
  campaign: string;
  count: number;
  seed: number;
  durationMs: number;
  /** Cases by outcome (e.g. "loaded-ran", "elf-error", "verifier-error"). */
  outcomes: Record<string, number>;
  failures: FuzzFailure[];
  /** Slowest single case (ms): the bounded-time evidence. */
  maxCaseMs: number;
  notes: string[];
}

export interface CampaignOptions {
  count: number;
  seed: number;
  /** Run only this case (reproduction). */
  only?: number;
  /** First case index (a big campaign split into chunks: cases from .. from+count-1). */
  from?: number;
  /** A case slower than this is reported as a hang (ms). */
  caseLimitMs?: number;
  log?: (line: string) => void;
}

/** Bookkeeping shared by the campaigns. */
export class Tally {
  readonly res: CampaignResult;
  private readonly t0 = performance.now();
  constructor(campaign: string, readonly opts: CampaignOptions) {
    this.res = { campaign, count: 0, seed: opts.seed, durationMs: 0, outcomes: {}, failures: [], maxCaseMs: 0, notes: [] };
  }
  outcome(name: string): void {
    this.res.outcomes[name] = (this.res.outcomes[name] ?? 0) + 1;
  }
  fail(caseIndex: number, what: string, detail: string): void {
    const f: FuzzFailure = { campaign: this.res.campaign, caseIndex, seed: this.opts.seed, what, detail };
    this.res.failures.push(f);
    this.opts.log?.(`FAIL ${f.campaign} case ${caseIndex} (seed ${f.seed}): ${what}: ${detail.split("\n").slice(0, 4).join(" | ")}\n` +
      `  reproduce: npm run fuzz -- --campaign ${f.campaign} --seed ${f.seed} --case ${caseIndex}`);
  }
  timed(caseIndex: number, ms: number): void {
    this.res.count++;
    if (ms > this.res.maxCaseMs) this.res.maxCaseMs = ms;
    const limit = this.opts.caseLimitMs ?? 10000;
    if (ms > limit) this.fail(caseIndex, "hang", `case took ${ms.toFixed(0)} ms (limit ${limit})`);
  }
  /** Case indices to run. */
  *cases(): Generator<number> {
    if (this.opts.only !== undefined) {
      yield this.opts.only;
      return;
    }
    const from = this.opts.from ?? 0;
    for (let i = from; i < from + this.opts.count; i++) yield i;
  }
  finish(): CampaignResult {
    this.res.durationMs = performance.now() - this.t0;
    return this.res;
  }
}

/** True for the errors a bad input may legitimately produce (exit 2 with a message). */
export function isCleanError(e: unknown): e is XdpsimError {
  return e instanceof XdpsimError && typeof e.message === "string" && e.message.length > 0;
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${e.stack ?? ""}`;
  return String(e);
}
