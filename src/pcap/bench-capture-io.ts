// Capture I/O benchmark: packets/s of the zero-copy chunked reader, the pcap-parser package (raw
// events and behind openCapture), a readFileSync+subarray baseline, and the pcap writer, on one file.
// Spec: none (measurement); reports/capture-io.md explains the numbers and how to reproduce them.

import { readFileSync, statSync, unlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, release, totalmem, type as osType } from "node:os";
import { join, dirname } from "node:path";
import type { EventEmitter } from "node:events";
import { openCapture, type OpenCaptureOptions } from "./open-capture.js";
import { PcapWriter } from "./write-pcap.js";

export interface CaptureIoResult {
  /** What was measured. */
  name: string;
  packets: number;
  /** Best wall time over the runs. */
  seconds: number;
  /** Packets per second of wall time (best run). */
  pps: number;
  /** Captured bytes per second of wall time (best run), MB = 10^6. */
  mbPerSecond: number;
  /** Best CPU time (user + system, all threads) over the runs, and packets per CPU second. */
  cpuSeconds: number;
  ppsCpu: number;
  /** Every run's wall time. */
  runs: number[];
}

export interface CaptureIoReport {
  file: string;
  fileBytes: number;
  packets: number;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; node: string; loadAverage: number[] };
  results: CaptureIoResult[];
  date: string;
}

/** Consume a batch the way the pipeline does: look at every packet's length and first byte. */
let sink = 0;

async function timeReader(file: string, opts: OpenCaptureOptions): Promise<{ packets: number; bytes: number }> {
  const cap = await openCapture(file, opts);
  let packets = 0;
  let bytes = 0;
  for await (const b of cap.batches()) {
    const { buf, offs, lens } = b;
    for (let i = 0; i < b.count; i++) {
      const len = lens[i]!;
      bytes += len;
      if (len > 0) sink ^= buf[offs[i]!]!;
    }
    packets += b.count;
  }
  return { packets, bytes };
}

/** The pcap-parser package used directly: one 'packet' event per record (what it costs as is). */
function timePcapParserEvents(file: string): Promise<{ packets: number; bytes: number }> {
  const require = createRequire(import.meta.url);
  const pp = require("pcap-parser") as { parse(input: string): EventEmitter };
  return new Promise((resolve, reject) => {
    const parser = pp.parse(file);
    let packets = 0;
    let bytes = 0;
    parser.on("packet", (p: { data: Buffer }) => {
      packets++;
      bytes += p.data.length;
      if (p.data.length > 0) sink ^= p.data[0]!;
    });
    parser.on("end", () => resolve({ packets, bytes }));
    parser.on("error", reject);
  });
}

/** Whole file in memory, one subarray per packet: the simple approach the chunked reader replaces. */
function timeReadFileSync(file: string): { packets: number; bytes: number } {
  const b = readFileSync(file);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 24;
  let packets = 0;
  let bytes = 0;
  while (p + 16 <= b.length) {
    const caplen = v.getUint32(p + 8, true);
    const pkt = b.subarray(p + 16, p + 16 + caplen);
    if (pkt.length > 0) sink ^= pkt[0]!;
    bytes += caplen;
    packets++;
    p += 16 + caplen;
  }
  return { packets, bytes };
}

/** Read with the chunked reader and write every packet with PcapWriter (timed together). */
async function timeCopy(file: string, out: string): Promise<{ packets: number; bytes: number }> {
  const cap = await openCapture(file);
  const w = new PcapWriter(out, { linkType: cap.linkType, nanosecond: cap.nanosecond });
  let packets = 0;
  let bytes = 0;
  for await (const b of cap.batches()) {
    for (let i = 0; i < b.count; i++) {
      w.write(b.buf, b.offs[i]!, b.lens[i]!, b.origLens[i]!, b.tsSec[i]!, b.tsNsec[i]!);
      bytes += b.lens[i]!;
    }
    packets += b.count;
  }
  await w.close();
  unlinkSync(out);
  return { packets, bytes };
}

type Workload = () => Promise<{ packets: number; bytes: number }> | { packets: number; bytes: number };

/**
 * Run every workload `runs` times, round-robin (row 1, row 2, …, row 1, …) so that bursts of load
 * from other processes hit all rows alike; keep each row's best wall and CPU time.
 */
async function measureAll(rows: [string, Workload][], runs: number): Promise<CaptureIoResult[]> {
  const acc = rows.map(() => ({ times: [] as number[], cpu: Infinity, packets: 0, bytes: 0 }));
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < rows.length; i++) {
      const a = acc[i]!;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const got = await rows[i]![1]();
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      a.cpu = Math.min(a.cpu, (c.user + c.system) / 1e6);
      a.times.push(Math.round(s * 1e4) / 1e4);
      a.packets = got.packets;
      a.bytes = got.bytes;
    }
  }
  return rows.map(([name], i) => {
    const a = acc[i]!;
    const best = Math.min(...a.times);
    return {
      name,
      packets: a.packets,
      seconds: best,
      pps: Math.round(a.packets / best),
      mbPerSecond: Math.round(a.bytes / best / 1e4) / 100,
      cpuSeconds: Math.round(a.cpu * 1e4) / 1e4,
      ppsCpu: Math.round(a.packets / a.cpu),
      runs: a.times,
    };
  });
}

/**
 * Generate a classic µs little-endian pcap of `packets` records by cycling the packets of
 * `template` (e.g. pcaps/sample.pcap), 1 µs apart from 2026-01-01. Returns the file size.
 */
export async function generateBenchCapture(path: string, template: string, packets = 1_000_000): Promise<number> {
  const frames: Uint8Array[] = [];
  const origs: number[] = [];
  const cap = await openCapture(template);
  for await (const b of cap.batches()) {
    for (let i = 0; i < b.count; i++) {
      frames.push(b.buf.slice(b.offs[i]!, b.offs[i]! + b.lens[i]!));
      origs.push(b.origLens[i]!);
    }
  }
  const w = new PcapWriter(path, { linkType: 1 });
  const t0 = 1767225600;
  for (let i = 0; i < packets; i++) {
    const f = frames[i % frames.length]!;
    w.write(f, 0, f.length, origs[i % frames.length]!, t0 + Math.floor(i / 1e6), (i % 1e6) * 1000);
  }
  await w.close();
  return statSync(path).size;
}

/** Measure every reader (and the writer) on `file`, a little-endian µs classic pcap. */
export async function benchCaptureIo(file: string, opts: { runs?: number } = {}): Promise<CaptureIoReport> {
  const runs = opts.runs ?? 3;
  await timeReader(file, {}); // warm-up: page cache and JIT, so the first row is not penalised
  const out = join(dirname(file), `.bench-copy-${process.pid}.pcap`);
  const rows: [string, Workload][] = [
    ["chunked reader (openCapture default: 2 MiB chunks)", () => timeReader(file, {})],
    ...[512, 1024, 4096, 8192].map((kib): [string, Workload] => [
      `chunked reader, ${kib} KiB chunks`,
      () => timeReader(file, { chunkSize: kib << 10 }),
    ]),
    ["pcap-parser package, raw 'packet' events", () => timePcapParserEvents(file)],
    ["pcap-parser behind openCapture (copied into batches)", () => timeReader(file, { reader: "pcap-parser" })],
    ["readFileSync + subarray per packet", () => timeReadFileSync(file)],
    ["chunked read + PcapWriter write (copy)", () => timeCopy(file, out)],
  ];
  const results = await measureAll(rows, runs);
  const c = cpus();
  const load = loadavg().map((x) => Math.round(x * 100) / 100);
  return {
    file,
    fileBytes: statSync(file).size,
    packets: results[0]!.packets,
    machine: {
      cpu: c[0]?.model ?? "unknown",
      cores: c.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${osType()} ${release()}`,
      node: process.version,
      loadAverage: load,
    },
    results,
    date: new Date().toISOString(),
  };
}

/** Keeps the consumer's work observable so it is not optimised away. */
export function benchSink(): number {
  return sink;
}
