// `run`/`live` with --queues N: packets are spread over N rx queues by RSS (rss-hash.ts), each queue's
// worker runs its packets against shared maps, and the outcomes are replayed in input order (or in
// completion order with --unordered) through the ordinary run pipeline (replayCapture's sinks, stats,
// results.jsonl), so outputs have exactly the shape of a single-queue run. Kernel model: RSS spreads
// flows over queues, one CPU per queue (Documentation/networking/scaling.rst).

import { CaptureError } from "../errors.js";
import { XDP_VERDICT_NAMES } from "../isa/opcodes.js";
import type { ObjectSpec } from "../loader/types.js";
import { createEthernetScratch, toEthernet } from "../pcap/add-ethernet-header.js";
import type { CaptureSource, PacketBatch } from "../pcap/types.js";
import { loadPacketSet, type BenchResult, type PacketSet } from "../pipeline/bench-program.js";
import { loadObjectFromFile, Simulation, type PacketOutcome } from "../pipeline/create-simulation.js";
import { replayCapture, writeAtomic, type ReplayOptions, type ReplayStats } from "../pipeline/replay-capture.js";
import { join } from "node:path";
import { SharedMapStorage, withMapStorage } from "../runtime/maps/map-storage.js";
import type { TraceLine } from "../runtime/runtime.js";
import { ETH_HLEN, XDP_MAX_FRAME } from "../runtime/xdp-buff.js";
import { checkParallelMaps, perWorkerMapInit, type ParallelProgram } from "./parallel-setup.js";
import { QueuePool } from "./queue-pool.js";
import { RssHasher } from "./rss-hash.js";
import type { JobMessage, ResultMessage } from "./worker-messages.js";

/** Batches in flight (read and dispatched, results not yet written) in ordered mode. */
const DEPTH = 4;

/** The main thread's simulation (maps in shared memory, --map-init applied) and the started workers. */
export interface ParallelSimulation {
  sim: Simulation;
  pool: QueuePool;
  queues: number;
}

/** Build the main simulation over shared map storage, then start one worker per queue. */
export async function startParallel(prog: ParallelProgram, queues: number): Promise<ParallelSimulation> {
  const obj: ObjectSpec = await loadObjectFromFile(prog.object, prog.consts.size ? prog.consts : undefined);
  checkParallelMaps(obj);
  // (The main thread never runs packets, so its JIT keeps inline atomics: only workers set shared-atomics mode.)
  const storage = new SharedMapStorage();
  // The main thread only holds the maps (and replays outcomes): the workers verify the program, each
  // for its own JIT's facts, in parallel; a rejection comes back from them as the same VerifierError text.
  const sim = withMapStorage(storage, () => new Simulation(obj, { ...prog.sim, noVerify: true, cpu: 0, rxQueue: 0 }));
  const mapInit = prog.sim.mapInit ? perWorkerMapInit(obj, prog.sim.mapInit.doc) : undefined;
  const pool = await QueuePool.start(prog, queues, storage.buffers, mapInit);
  return { sim, pool, queues };
}

/** Packets of one capture batch, split per queue, with the jobs' results once they arrive. */
interface Prepared {
  batch: PacketBatch;
  /** Per run packet in batch order: its queue and position in that queue's job. */
  qOf: Int32Array;
  posOf: Int32Array;
  runs: number;
  /** Index in the batch of each run packet (for unordered emission). */
  batchIdx: Int32Array;
  jobs: (Promise<ResultMessage> | null)[];
  results: (ResultMessage | null)[];
}

/** Copy what is valid only until the next batch (readers reuse their chunk and arrays). */
function copyBatch(b: PacketBatch): PacketBatch {
  let lo = Infinity, hi = 0;
  for (let i = 0; i < b.count; i++) {
    if (b.offs[i] < lo) lo = b.offs[i];
    if (b.offs[i] + b.lens[i] > hi) hi = b.offs[i] + b.lens[i];
  }
  if (b.count === 0) lo = 0;
  const offs = b.offs.slice(0, b.count);
  for (let i = 0; i < b.count; i++) offs[i] -= lo;
  return {
    firstIndex: b.firstIndex, count: b.count, buf: b.buf.slice(lo, hi), offs, lens: b.lens.slice(0, b.count),
    origLens: b.origLens.slice(0, b.count), tsSec: b.tsSec.slice(0, b.count), tsNsec: b.tsNsec.slice(0, b.count),
    linkTypes: b.linkTypes.slice(0, b.count),
  };
}

/**
 * Stands in for the Simulation inside replayCapture: runPacket() does not execute anything, it loads
 * the outcome a worker produced for the next run packet (output bytes into the xdp buffer, verdict,
 * redirect, fault, trace lines), so replayCapture writes exactly what a single-queue run would.
 */
class ReplayedSimulation {
  readonly rt: Simulation["rt"];
  readonly exec: Simulation["exec"];
  readonly program: Simulation["program"];
  readonly tag: string;
  readonly progIndex: number;
  private readonly outcome: PacketOutcome;
  private rs: (ResultMessage | null)[] = [];
  private qs: Int32Array = new Int32Array(0);
  private ps: Int32Array = new Int32Array(0);
  private cursor = 0;
  onVerdict: ((v: number) => void) | null = null;
  private readonly faults = new WeakMap<ResultMessage, Map<number, string>>();
  private readonly traces = new WeakMap<ResultMessage, Map<number, TraceLine[]>>();

  constructor(sim: Simulation) {
    this.rt = sim.rt;
    this.exec = sim.exec;
    this.program = sim.program;
    this.tag = sim.tag;
    this.progIndex = sim.progIndex;
    this.outcome = { ...sim.outcome };
  }

  /** The outcomes replayCapture will ask for next, in order. */
  feed(rs: (ResultMessage | null)[], qs: Int32Array, ps: Int32Array): void {
    this.rs = rs;
    this.qs = qs;
    this.ps = ps;
    this.cursor = 0;
  }

  runPacket(): PacketOutcome {
    const k = this.cursor++;
    const r = this.rs[this.qs[k]]!;
    const p = this.ps[k];
    const rt = this.rt;
    rt.beginPacket();
    const x = rt.xdp;
    const ml = r.metaLen[p];
    const off = r.outOff[p];
    const len = r.outLen[p];
    x.load(r.out, off + ml, len - ml);
    if (ml !== 0) {
      x.meta = x.data - ml;
      x.region.bytes.set(r.out.subarray(off, off + ml), x.meta);
      x.syncWindow();
    }
    const o = this.outcome;
    o.action = r.action[p];
    o.verdictIndex = r.verdict[p];
    o.verdict = XDP_VERDICT_NAMES[o.verdictIndex];
    o.redirectKind = r.rkind[p];
    o.redirectTarget = r.rtarget[p];
    o.fault = null;
    this.onVerdict?.(o.verdictIndex);
    if (r.faults.length) o.fault = this.lookup(this.faults, r, r.faults as [number, unknown][]).get(p) as string ?? null;
    if (r.traces.length) {
      const lines = this.lookup(this.traces, r, r.traces as [number, unknown][]).get(p) as TraceLine[] | undefined;
      if (lines !== undefined) {
        rt.trace = lines;
        rt.timeHi = lines[0].timeHi ?? 0; // trace.log stamps lines with the packet's time
        rt.timeLo = lines[0].timeLo ?? 0;
        if (rt.onTrace) for (const l of lines) rt.onTrace(l);
      }
    }
    return o;
  }

  private lookup<V>(cache: WeakMap<ResultMessage, Map<number, V>>, r: ResultMessage, list: [number, unknown][]): Map<number, V> {
    let m = cache.get(r);
    if (m === undefined) {
      m = new Map(list as [number, V][]);
      cache.set(r, m);
    }
    return m;
  }
}

export interface ParallelReplayOptions extends ReplayOptions {
  /** Write outcomes as queues finish them instead of in input order. */
  unordered?: boolean;
  /** Called with each run packet's verdict index as it is written (live status line). */
  onVerdict?: (verdictIndex: number) => void;
}

/**
 * Replay `source` through the queues into opts.out: same outputs, stats and error handling as
 * replayCapture (it does the writing), plus stats.queues with packets per queue.
 */
export async function replayParallel(ps: ParallelSimulation, source: CaptureSource, opts: ParallelReplayOptions): Promise<ReplayStats & { queues: number; queue_packets: number[] }> {
  const { pool, queues } = ps;
  const rss = new RssHasher(queues);
  const proxy = new ReplayedSimulation(ps.sim);
  proxy.onVerdict = opts.onVerdict ?? null;
  const perQueue = new Array<number>(queues).fill(0);
  const scratch = createEthernetScratch();
  let jobId = 0;

  const prepare = (b: PacketBatch): Prepared => {
    const batch = copyBatch(b);
    const n = batch.count;
    const qOf = new Int32Array(n), posOf = new Int32Array(n), batchIdx = new Int32Array(n);
    // Per queue: packed bytes and per-packet fields (upper bound: conversions add ≤ 14 bytes).
    const cap = batch.buf.length + 16 * n;
    const data: Uint8Array[] = [], offs: Int32Array[] = [], lens: Int32Array[] = [], secs: Float64Array[] = [], nsecs: Int32Array[] = [];
    const fill = new Int32Array(queues), cnt = new Int32Array(queues);
    let runs = 0;
    for (let i = 0; i < n; i++) {
      let buf = batch.buf, off = batch.offs[i], len = batch.lens[i];
      const lt = batch.linkTypes[i];
      if (lt !== 1) {
        const c = toEthernet(lt, buf, off, len, scratch);
        if (c === null) continue;
        buf = c.buf; off = c.off; len = c.len;
      }
      if (len < ETH_HLEN || len > XDP_MAX_FRAME) continue;
      const q = rss.queue(buf, off, len);
      if (data[q] === undefined) {
        data[q] = new Uint8Array(cap); offs[q] = new Int32Array(n); lens[q] = new Int32Array(n);
        secs[q] = new Float64Array(n); nsecs[q] = new Int32Array(n);
      }
      const k = cnt[q]++;
      data[q].set(buf.subarray(off, off + len), fill[q]);
      offs[q][k] = fill[q];
      lens[q][k] = len;
      secs[q][k] = batch.tsSec[i];
      nsecs[q][k] = batch.tsNsec[i];
      fill[q] += (len + 7) & ~7;
      qOf[runs] = q;
      posOf[runs] = k;
      batchIdx[runs] = i;
      runs++;
      perQueue[q]++;
    }
    const jobs: (Promise<ResultMessage> | null)[] = [];
    for (let q = 0; q < queues; q++) {
      if (cnt[q] === 0) { jobs.push(null); continue; }
      const job: JobMessage = { kind: "job", id: jobId++, count: cnt[q], data: data[q], offs: offs[q], lens: lens[q], tsSec: secs[q], tsNsec: nsecs[q] };
      jobs.push(pool.run(q, job));
    }
    return { batch, qOf, posOf, runs, batchIdx, jobs, results: new Array(queues).fill(null) };
  };

  const ordered = async function* (): AsyncGenerator<PacketBatch> {
    const inflight: Prepared[] = [];
    let failure: unknown = null;
    const emit = async (p: Prepared): Promise<PacketBatch> => {
      p.results = await Promise.all(p.jobs.map((j) => j ?? Promise.resolve(null)));
      proxy.feed(p.results, p.qOf, p.posOf);
      return p.batch;
    };
    try {
      for await (const b of source.batches()) {
        inflight.push(prepare(b));
        if (inflight.length >= DEPTH) yield await emit(inflight.shift()!);
      }
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      failure = e;
    }
    while (inflight.length) yield await emit(inflight.shift()!);
    if (failure) throw failure;
  };

  // Unordered: one-packet batches (a reused object) in the order results come back; packets that are
  // not run (skipped) are emitted as soon as they are read.
  const one: PacketBatch = {
    firstIndex: 0, count: 1, buf: new Uint8Array(0), offs: new Int32Array(1), lens: new Int32Array(1), origLens: new Int32Array(1),
    tsSec: new Float64Array(1), tsNsec: new Int32Array(1), linkTypes: new Int32Array(1),
  };
  const single = (b: PacketBatch, i: number): PacketBatch => {
    one.firstIndex = b.firstIndex + i;
    one.buf = b.buf;
    one.offs[0] = b.offs[i]; one.lens[0] = b.lens[i]; one.origLens[0] = b.origLens[i];
    one.tsSec[0] = b.tsSec[i]; one.tsNsec[0] = b.tsNsec[i]; one.linkTypes[0] = b.linkTypes[i];
    return one;
  };
  const unordered = async function* (): AsyncGenerator<PacketBatch> {
    type Done = { p: Prepared; q: number; r: ResultMessage; key: number };
    const pending = new Map<number, Promise<Done>>();
    let key = 0;
    let failure: unknown = null;
    const qs = new Int32Array(1), pos = new Int32Array(1);
    const rs: (ResultMessage | null)[] = new Array(queues).fill(null);
    function* drain(d: Done): Generator<PacketBatch> {
      pending.delete(d.key);
      rs.fill(null);
      rs[d.q] = d.r;
      qs[0] = d.q;
      for (let k = 0; k < d.p.runs; k++) {
        if (d.p.qOf[k] !== d.q) continue;
        pos[0] = d.p.posOf[k];
        proxy.feed(rs, qs, pos);
        yield single(d.p.batch, d.p.batchIdx[k]);
      }
    }
    try {
      for await (const b of source.batches()) {
        const p = prepare(b);
        // Skipped packets first: they need no worker.
        let k = 0;
        for (let i = 0; i < p.batch.count; i++) {
          if (k < p.runs && p.batchIdx[k] === i) { k++; continue; }
          yield single(p.batch, i);
        }
        p.jobs.forEach((j, q) => {
          if (j === null) return;
          const id = key++;
          pending.set(id, j.then((r) => ({ p, q, r, key: id })));
        });
        while (pending.size >= DEPTH * queues) yield* drain(await Promise.race(pending.values()));
      }
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      failure = e;
    }
    while (pending.size) yield* drain(await Promise.race(pending.values()));
    if (failure) throw failure;
  };

  const merged: CaptureSource = {
    path: source.path,
    nanosecond: source.nanosecond,
    batches: opts.unordered ? unordered : ordered,
  };
  const stats = await replayCapture(proxy as unknown as Simulation, merged, opts);
  const withQueues = Object.assign(stats, { queues, queue_packets: perQueue });
  // stats.json (written by replayCapture) also says how the packets were spread.
  await writeAtomic(join(opts.out, "stats.json"), JSON.stringify(withQueues, null, 2) + "\n");
  return withQueues;
}

/** `bench --queues N`: each queue's worker benchmarks its RSS share; throughput is summed. */
export async function benchParallel(ps: ParallelSimulation, source: CaptureSource, repeat?: number): Promise<BenchResult & { queues: number; queue_packets: number[]; per_queue: BenchResult[] }> {
  const set = await loadPacketSet(source);
  const rss = new RssHasher(ps.queues);
  const shares: number[][] = Array.from({ length: ps.queues }, () => []);
  for (let i = 0; i < set.count; i++) shares[rss.queue(set.buf, set.offs[i], set.lens[i])].push(i);
  const subsets: PacketSet[] = shares.map((idx) => {
    let total = 0;
    for (const i of idx) total += (set.lens[i] + 7) & ~7;
    const buf = new Uint8Array(total);
    const offs = new Int32Array(idx.length), lens = new Int32Array(idx.length);
    const tsSec = new Float64Array(idx.length), tsNsec = new Int32Array(idx.length);
    let p = 0;
    idx.forEach((i, k) => {
      buf.set(set.buf.subarray(set.offs[i], set.offs[i] + set.lens[i]), p);
      offs[k] = p; lens[k] = set.lens[i]; tsSec[k] = set.tsSec[i]; tsNsec[k] = set.tsNsec[i];
      p += (set.lens[i] + 7) & ~7;
    });
    return { buf, offs, lens, tsSec, tsNsec, count: idx.length, skipped: 0 };
  });
  const t0 = process.hrtime.bigint();
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const busy = subsets.filter((s) => s.count > 0).length;
  const per = await Promise.all(subsets.map((s, q) => (s.count ? ps.pool.bench(q, s, repeat, gate, busy) : Promise.resolve(null))));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const done = per.filter((r): r is BenchResult => r !== null);
  // Aggregate rate: every queue's packet runs over the longest queue's timed loop (they overlap).
  const runs = done.reduce((a, r) => a + r.packets * r.repeat, 0);
  const longest = Math.max(...done.map((r) => r.wall_seconds), 1e-9);
  const pps = runs / longest;
  const first = done[0];
  return {
    ...(first ?? ({} as BenchResult)),
    packets: set.count,
    skipped: set.skipped,
    repeat: done.length ? Math.min(...done.map((r) => r.repeat)) : 0,
    ns_per_packet: 1e9 / pps,
    pps,
    mpps: pps / 1e6,
    wall_seconds: wall,
    cpu_ns_per_packet: done.reduce((a, r) => a + r.cpu_ns_per_packet * r.packets * r.repeat, 0) / Math.max(runs, 1),
    queues: ps.queues,
    queue_packets: shares.map((s) => s.length),
    per_queue: done,
  };
}
