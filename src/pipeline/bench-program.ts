// `xdpsim bench`: a timed loop over in-memory packets (program execution + context set-up, no
// file I/O), warm-up excluded; mean ns/packet, Mpps and percentiles of per-batch time (CONTRACT.md).

import { createEthernetScratch, toEthernet } from "../pcap/add-ethernet-header.js";
import type { CaptureSource } from "../pcap/types.js";
import { ETH_HLEN, XDP_MAX_FRAME } from "../runtime/xdp-buff.js";
import type { Simulation } from "./create-simulation.js";

/** Runnable packets of a capture, packed into one buffer. */
export interface PacketSet {
  buf: Uint8Array;
  offs: Int32Array;
  lens: Int32Array;
  tsSec: Float64Array;
  tsNsec: Int32Array;
  count: number;
  /** Packets not run (runts, too big, unsupported link type). */
  skipped: number;
}

/** Read a whole capture into memory, keeping only what the kernel would run. */
export async function loadPacketSet(source: CaptureSource): Promise<PacketSet> {
  const chunks: Uint8Array[] = [];
  const offs: number[] = [];
  const lens: number[] = [];
  const secs: number[] = [];
  const nsecs: number[] = [];
  let total = 0;
  let skipped = 0;
  const scratch = createEthernetScratch();
  for await (const b of source.batches()) {
    for (let i = 0; i < b.count; i++) {
      let buf = b.buf;
      let off = b.offs[i];
      let len = b.lens[i];
      if (b.linkTypes[i] !== 1) {
        const c = toEthernet(b.linkTypes[i], buf, off, len, scratch);
        if (c === null) { skipped++; continue; }
        ({ buf, off, len } = c);
      }
      if (len < ETH_HLEN || len > XDP_MAX_FRAME) { skipped++; continue; }
      chunks.push(buf.slice(off, off + len));
      offs.push(total);
      lens.push(len);
      secs.push(b.tsSec[i]);
      nsecs.push(b.tsNsec[i]);
      total += (len + 7) & ~7; // 8-byte aligned records: word copies into packet memory
    }
  }
  const buf = new Uint8Array(total);
  chunks.forEach((c, i) => buf.set(c, offs[i]));
  return {
    buf, offs: Int32Array.from(offs), lens: Int32Array.from(lens), tsSec: Float64Array.from(secs),
    tsNsec: Int32Array.from(nsecs), count: offs.length, skipped,
  };
}

export interface BenchResult {
  program: string;
  backend: string;
  tag: string;
  packets: number;
  skipped: number;
  repeat: number;
  ns_per_packet: number;
  pps: number;
  mpps: number;
  /** Percentiles of per-batch ns/packet. */
  batch_ns_per_packet: { p50: number; p90: number; p99: number; min: number; max: number };
  batch_size: number;
  warmup_repeats: number;
  wall_seconds: number;
  /** Process CPU time (user + system) of the timed loop per packet run: steadier than wall time on a busy host. */
  cpu_ns_per_packet: number;
}

const BATCH = 256;

/**
 * Run the packet set `repeat` times (default: enough for ≥ minSeconds) after a warm-up: at least one
 * pass and warmupSeconds, then on until a pass is no faster than the best of the previous ones
 * (V8 compiles a big generated function on a background thread for a while; timing before its
 * optimised code is in use measures the baseline tiers), at most maxWarmupSeconds.
 */
export function benchProgram(sim: Simulation, set: PacketSet, repeat?: number, minSeconds = 1, warmupSeconds = 0.5, maxWarmupSeconds = 5): BenchResult {
  if (set.count === 0) {
    return {
      program: sim.program.name, backend: sim.exec.backend, tag: sim.tag, packets: 0, skipped: set.skipped, repeat: 0,
      ns_per_packet: 0, pps: 0, mpps: 0, batch_ns_per_packet: { p50: 0, p90: 0, p99: 0, min: 0, max: 0 }, batch_size: BATCH,
      warmup_repeats: 0, wall_seconds: 0, cpu_ns_per_packet: 0,
    };
  }
  // Warm-up: until the passes stop getting faster (the JS engine has tiered up), see above.
  let warm = 0;
  const tw = process.hrtime.bigint();
  let best = Infinity;
  let stale = 0;
  let perPass = 0;
  for (;;) {
    const t = process.hrtime.bigint();
    onePass(sim, set, null);
    const ns = Number(process.hrtime.bigint() - t);
    warm++;
    if (ns < best * 0.98) { best = ns; stale = 0; } else stale++;
    perPass = ns;
    const elapsed = Number(process.hrtime.bigint() - tw) / 1e9;
    if (elapsed >= maxWarmupSeconds || (elapsed >= warmupSeconds && stale >= Math.max(3, Math.ceil(0.05 / Math.max(ns / 1e9, 1e-6))))) break;
  }
  perPass = Math.min(perPass, best * 1.5);
  const reps = repeat ?? Math.max(1, Math.ceil((minSeconds * 1e9) / Math.max(perPass, 1)));
  const batchTimes: number[] = [];
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) onePass(sim, set, batchTimes);
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  const runs = reps * set.count;
  const nsPer = ns / runs;
  batchTimes.sort((a, b) => a - b);
  const pct = (p: number): number => batchTimes[Math.min(batchTimes.length - 1, Math.floor(p * batchTimes.length))];
  return {
    program: sim.program.name,
    backend: sim.exec.backend,
    tag: sim.tag,
    packets: set.count,
    skipped: set.skipped,
    repeat: reps,
    ns_per_packet: nsPer,
    pps: 1e9 / nsPer,
    mpps: 1e3 / nsPer,
    batch_ns_per_packet: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), min: batchTimes[0], max: batchTimes[batchTimes.length - 1] },
    batch_size: BATCH,
    warmup_repeats: warm,
    wall_seconds: ns / 1e9,
    cpu_ns_per_packet: ((cpu.user + cpu.system) * 1000) / runs,
  };
}

function onePass(sim: Simulation, set: PacketSet, batchTimes: number[] | null): void {
  const { buf, offs, lens, tsSec, tsNsec, count } = set;
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(count, start + BATCH);
    const t = batchTimes ? process.hrtime.bigint() : 0n;
    for (let i = start; i < end; i++) sim.runPacket(buf, offs[i], lens[i], tsSec[i], tsNsec[i]);
    if (batchTimes) batchTimes.push(Number(process.hrtime.bigint() - t) / (end - start));
  }
}
