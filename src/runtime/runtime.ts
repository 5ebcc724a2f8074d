// One loaded object's simulated world: address space, maps, the per-packet XDP buffer and ctx,
// helper state (time, random, trace, redirect, tail calls). Backends (interpreter, JIT) execute
// against it; helpers read and write it. Kernel references: net/core/filter.c, kernel/bpf/helpers.c.

import { BpfFault } from "../errors.js";
import type { ObjectSpec } from "../loader/types.js";
import { AddressSpace, Region, RegionKind, REGION_CTX, REGION_FUNC, REGION_PACKET, REGION_STACK } from "./memory.js";
import { XdpBuff, XDP_FRAME_SZ } from "./xdp-buff.js";
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from "../isa/opcodes.js";
import type { BpfMap } from "./maps/bpf-map.js";
import { createMap } from "./maps/create-map.js";
import { HELPER_TABLE } from "./helpers/helper-table.js";

/** sizeof(struct xdp_md). */
export const XDP_MD_SIZE = 24;
/** Stack region: one 512-byte frame per call depth (plus one for bpf_loop callbacks at max depth). */
export const STACK_REGION_SIZE = MAX_BPF_STACK * (MAX_CALL_FRAMES + 1);

/** A network device of the simulated host (ifindex 1 = lo, MTU 65536 unless declared). */
export interface Device {
  ifindex: number;
  mtu: number;
}

/** A route for bpf_fib_lookup (user-provided JSON, see README). */
export interface FibRoute {
  family: 4 | 6;
  /** Destination prefix bytes (4 or 16) and length. */
  prefix: Uint8Array;
  prefixLen: number;
  ifindex: number;
  /** Next hop address bytes (empty: directly connected). */
  gateway: Uint8Array;
  smac: Uint8Array;
  dmac: Uint8Array;
  mtu?: number;
  /** Route metric reported in bpf_fib_lookup's rt_metric (default 0 for IPv4, 1024 for IPv6). */
  metric?: number;
  /** Preferred source address (BPF_FIB_LOOKUP_SRC); without it that flag gives NO_SRC_ADDR. */
  src?: Uint8Array;
  /** Route type (default "unicast"); the others make bpf_fib_lookup fail with their BPF_FIB_LKUP_RET_*. */
  type?: "unicast" | "blackhole" | "unreachable" | "prohibit";
}

export interface RuntimeOptions {
  /** Possible CPUs (per-CPU maps hold one value each). */
  ncpus: number;
  /** CPU this runtime executes on (bpf_get_smp_processor_id). */
  cpu: number;
  /** Seed of bpf_get_prandom_u32. */
  seed: number;
  devices: Device[];
  fib: FibRoute[];
  /** Instructions a packet may execute before it is aborted. */
  insnBudget: number;
  /**
   * Wall-clock watchdog (ms) per packet, 0 = off: checked every BUDGET_SLICE instructions (when the
   * backends refill their budget slice), so a packet that runs too long — a huge --insn-budget, slow
   * helpers, a loaded host — ends as a fault "watchdog: …" (XDP_ABORTED) and the run goes on.
   * Measured from the first refill, i.e. after the first BUDGET_SLICE instructions.
   */
  watchdogMs: number;
}

/** Instructions handed to a backend at a time; between slices the watchdog looks at the clock. */
export const BUDGET_SLICE = 1 << 16;

export const DEFAULT_RUNTIME_OPTIONS: RuntimeOptions = {
  ncpus: 1,
  cpu: 0,
  seed: 0,
  devices: [{ ifindex: 1, mtu: 65536 }],
  fib: [],
  insnBudget: 1_000_000,
  watchdogMs: 5000,
};

/** Where bpf_redirect / bpf_redirect_map sent the packet (valid when the verdict is XDP_REDIRECT). */
export const enum RedirectKind {
  None = 0,
  Ifindex = 1,
  Cpu = 2,
  Xsk = 3,
  /** DEVMAP with BPF_F_BROADCAST. */
  Broadcast = 4,
}

/** A trace_printk line produced while running one packet. */
export interface TraceLine {
  cpu: number;
  text: string;
  /** Capture time (ns, uint32 halves) when the line was printed; 0 when unknown. */
  timeHi?: number;
  timeLo?: number;
}

/**
 * Helper implementation. Arguments arrive in `r` as (lo, hi) uint32 pairs: r1 = r[2], r[3] …
 * r5 = r[10], r[11]; the helper writes r0 to r[0] (lo), r[1] (hi). It may throw BpfFault.
 */
export type HelperFn = (rt: Runtime, r: Uint32Array) => void;

export class Runtime {
  readonly obj: ObjectSpec;
  readonly opts: RuntimeOptions;
  readonly mem = new AddressSpace();
  readonly maps: BpfMap[];
  readonly ctxRegion: Region;
  readonly packetRegion: Region;
  readonly stackRegion: Region;
  readonly xdp: XdpBuff;
  cpu: number;

  /** Current packet's timestamp in ns (bpf_ktime_get_ns), as uint32 halves. */
  timeHi = 0;
  timeLo = 0;
  /** xorshift128+ style state of bpf_get_prandom_u32 (per runtime = per CPU). */
  rngState: Uint32Array;

  /** Redirect decided by the last helper call (reset per packet). */
  redirectKind: RedirectKind = RedirectKind.None;
  redirectTarget = 0;
  /** bpf_redirect_map flags of a Broadcast redirect (BPF_F_EXCLUDE_INGRESS); redirectTarget is then the map slot. */
  redirectFlags = 0;

  /** Tail calls: set by bpf_tail_call to the target program index; the backend jumps and clears it. */
  tailCallTarget = -1;
  tailCallCount = 0;

  /**
   * Instruction budget left in the current slice (backends count it down), and what remains of the
   * packet's budget beyond the slice (handed out by refill()). Total left = budget + budgetReserve.
   */
  budget = 0;
  budgetReserve = 0;
  /** performance.now() at the packet's first refill (0: none yet). */
  private watchdogStart = 0;

  /** trace_printk output of the current packet. */
  trace: TraceLine[] = [];
  /** Optional live sink for trace lines (--trace). */
  onTrace: ((line: TraceLine) => void) | null = null;

  /** Helper implementations by helper id (a copy: tools like the conformance plugin override entries). */
  readonly helpers: (HelperFn | undefined)[] = HELPER_TABLE.slice();

  /**
   * Set by the backend: run the BPF function starting at `insn` of the currently executing
   * program with arguments r1..r5 in `r` (same layout as HelperFn), r0 left in r[0], r[1].
   * Used by bpf_loop and other callback-taking helpers.
   */
  callback: (insn: number, r: Uint32Array) => void = () => {
    throw new Error("no backend attached to this runtime");
  };

  constructor(obj: ObjectSpec, opts: Partial<RuntimeOptions> = {}) {
    this.obj = obj;
    this.opts = { ...DEFAULT_RUNTIME_OPTIONS, ...opts };
    this.cpu = this.opts.cpu;
    this.setBudget(this.opts.insnBudget);
    this.ctxRegion = this.mem.setFixed(REGION_CTX, RegionKind.Ctx, new Uint8Array(XDP_MD_SIZE), false, "ctx");
    this.packetRegion = this.mem.setFixed(REGION_PACKET, RegionKind.Packet, new Uint8Array(XDP_FRAME_SZ), true, "packet");
    this.stackRegion = this.mem.setFixed(REGION_STACK, RegionKind.Stack, new Uint8Array(STACK_REGION_SIZE), true, "stack");
    this.mem.setFixed(REGION_FUNC, RegionKind.Func, new Uint8Array(0), false, "function");
    this.xdp = new XdpBuff(this.packetRegion);
    this.maps = obj.maps.map((spec) =>
      createMap(spec, this.mem, this.opts.ncpus, { devices: this.opts.devices, programCount: obj.programs.length }));
    this.rngState = seedRng(this.opts.seed, this.cpu);
  }

  /** Give the packet `n` instructions (the first slice now, the rest through refill()). */
  setBudget(n: number): void {
    this.budget = n < BUDGET_SLICE ? n : BUDGET_SLICE;
    this.budgetReserve = n - this.budget;
    this.watchdogStart = 0;
  }

  /**
   * A backend ran out of its slice with `left` (≤ 0) instructions left: the next slice added to it,
   * or `left` unchanged when the packet's budget is spent. Throws the watchdog fault (naming `insn`)
   * when the packet has run longer than opts.watchdogMs.
   */
  refill(left: number, insn: number): number {
    if (this.budgetReserve <= 0) return left;
    const ms = this.opts.watchdogMs;
    if (ms > 0) {
      const now = performance.now();
      if (this.watchdogStart === 0) this.watchdogStart = now;
      else if (now - this.watchdogStart > ms) {
        this.budget = 0;
        this.budgetReserve = 0;
        throw new BpfFault(`watchdog: the packet ran longer than ${ms} ms`, insn);
      }
    }
    let b = left;
    while (b <= 0 && this.budgetReserve > 0) {
      const take = this.budgetReserve < BUDGET_SLICE ? this.budgetReserve : BUDGET_SLICE;
      this.budgetReserve -= take;
      b += take;
    }
    return b;
  }

  /** Device MTU by ifindex, or undefined when the simulated host has no such device. */
  device(ifindex: number): Device | undefined {
    return this.opts.devices.find((d) => d.ifindex === ifindex);
  }

  /** Reset per-packet execution state (not maps). */
  beginPacket(): void {
    this.redirectKind = RedirectKind.None;
    this.redirectTarget = 0;
    this.redirectFlags = 0;
    this.tailCallTarget = -1;
    this.tailCallCount = 0;
    this.setBudget(this.opts.insnBudget);
    if (this.trace.length !== 0) this.trace = [];
  }
}

/** Deterministic per-(seed, cpu) generator state (splitmix32 expansion). */
function seedRng(seed: number, cpu: number): Uint32Array {
  const s = new Uint32Array(4);
  let x = (seed ^ Math.imul(cpu + 1, 0x9e3779b9)) >>> 0;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    s[i] = (z ^ (z >>> 16)) >>> 0;
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return s;
}
