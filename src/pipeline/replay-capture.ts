// `xdpsim run`'s loop: every packet of a capture through the program, into exactly one verdict
// pcap (or skipped.pcap), with results.jsonl, trace.log, maps.json and stats.json (CONTRACT.md).

import { mkdir, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { CaptureError } from "../errors.js";
import { createEthernetScratch, toEthernet } from "../pcap/add-ethernet-header.js";
import type { CaptureSource } from "../pcap/types.js";
import { outputOrigLen } from "../pcap/write-pcap.js";
import { formatTraceLine } from "../runtime/helpers/trace-printk.js";
import { RedirectKind } from "../runtime/runtime.js";
import { XDP_VERDICT_NAMES } from "../isa/opcodes.js";
import { ETH_HLEN, XDP_MAX_FRAME } from "../runtime/xdp-buff.js";
import type { Simulation } from "./create-simulation.js";
import { formatMapsJson } from "./format-maps-json.js";
import { TextSink, VERDICT_FILES, VerdictSinks, type SinkCount } from "./verdict-sinks.js";

export interface ReplayOptions {
  out: string;
  results?: boolean;
  dumpMaps?: boolean;
  /** Print trace_printk lines on stderr as they happen. */
  trace?: boolean;
  /** Stop early (SIGINT): outputs so far are committed and stats say "interrupted". */
  signal?: AbortSignal;
  /** Called after every batch with packets done so far (progress bar). */
  onProgress?: (packets: number) => void;
  /**
   * Called for every packet after it ran (or was skipped: verdict "skipped") with its input bytes
   * buf[off, off+len) and capture time — for reports; the bytes are only valid during the call.
   */
  onPacket?: (index: number, verdict: string, buf: Uint8Array, off: number, len: number, tsSec: number, tsNsec: number) => void;
}

export interface ReplayStats {
  packets: number;
  bytes: number;
  pass: SinkCount;
  drop: SinkCount;
  tx: SinkCount;
  aborted: SinkCount;
  redirect: SinkCount;
  verdicts: Record<string, SinkCount>;
  skipped: number;
  skipped_reasons: Record<string, number>;
  faults: number;
  wall_seconds: number;
  pps: number;
  backend: string;
  program: string;
  tag: string;
  capture: string;
  interrupted: boolean;
  error?: string;
  outputs: Record<string, SinkCount>;
}

/**
 * Replay `source` through `sim` into `opts.out`. A CaptureError after some packets still commits
 * everything processed so far, writes stats.json (with "error"), then rethrows.
 */
export async function replayCapture(sim: Simulation, source: CaptureSource, opts: ReplayOptions): Promise<ReplayStats> {
  await mkdir(opts.out, { recursive: true });
  const sinks = new VerdictSinks(opts.out, source.nanosecond);
  const results = opts.results ? new TextSink(join(opts.out, "results.jsonl")) : null;
  const traceLog = new TextSink(join(opts.out, "trace.log"));
  const rt = sim.rt;
  if (opts.trace) rt.onTrace = (l) => process.stderr.write(formatTraceLine(l, rt.timeHi, rt.timeLo) + "\n");
  const scratch = createEthernetScratch();
  const reasons: Record<string, number> = {};
  let packets = 0;
  let bytes = 0;
  let faults = 0;
  let failure: unknown = null;
  const skip = (reason: string, idx: number, writer: { write: VerdictSinks["skipped"]["write"] }, count: SinkCount,
    buf: Uint8Array, off: number, len: number, orig: number, sec: number, nsec: number): void => {
    reasons[reason] = (reasons[reason] ?? 0) + 1;
    onPacket?.(idx, "skipped", buf, off, len, sec, nsec);
    writer.write(buf, off, len, orig, sec, nsec);
    count.packets++;
    count.bytes += len;
    results?.line(`{"index": ${idx}, "error": "${reason}"}`);
  };
  const x = rt.xdp;
  const region = x.region;
  const signal = opts.signal;
  const onPacket = opts.onPacket;
  const t0 = process.hrtime.bigint();
  try {
    outer: for await (const b of source.batches()) {
      for (let i = 0; i < b.count; i++) {
        if (signal !== undefined && signal.aborted) break outer;
        const idx = b.firstIndex + i;
        let buf = b.buf;
        let off = b.offs[i];
        let len = b.lens[i];
        let orig = b.origLens[i];
        const sec = b.tsSec[i];
        const nsec = b.tsNsec[i];
        packets++;
        bytes += len;
        const lt = b.linkTypes[i];
        if (lt !== 1) {
          const conv = toEthernet(lt, buf, off, len, scratch);
          if (conv === null) {
            const f = sinks.linkTypeFile(lt);
            skip("link-type", idx, f.writer, f.count, buf, off, len, orig, sec, nsec);
            continue;
          }
          orig += conv.len - len;
          buf = conv.buf;
          off = conv.off;
          len = conv.len;
        }
        if (len < ETH_HLEN) {
          skip("runt", idx, sinks.skipped, sinks.skippedCount, buf, off, len, orig, sec, nsec);
          continue;
        }
        if (len > XDP_MAX_FRAME) {
          skip("too-big", idx, sinks.skipped, sinks.skippedCount, buf, off, len, orig, sec, nsec);
          continue;
        }
        const o = sim.runPacket(buf, off, len, sec, nsec);
        if (o.fault !== null) faults++;
        if (onPacket !== undefined) onPacket(idx, o.verdict, buf, off, len, sec, nsec);
        const v = o.verdictIndex;
        let outLen: number;
        if (x.nrFrags === 0) {
          // Straight from the packet region: no copy, no allocation.
          outLen = x.dataEnd - x.data;
          const outOrig = outputOrigLen(orig, len, outLen);
          sinks.verdict[v].write(region.bytes, x.data, outLen, outOrig, sec, nsec);
          if (v === 4 && o.redirectKind !== RedirectKind.None) {
            const t = sinks.redirectTarget(o.redirectKind, o.redirectTarget);
            if (t !== null) { t.writer.write(region.bytes, x.data, outLen, outOrig, sec, nsec); t.count.packets++; t.count.bytes += outLen; }
          }
        } else {
          const frame = x.output(false);
          outLen = frame.length;
          const outOrig = outputOrigLen(orig, len, outLen);
          sinks.verdict[v].write(frame, 0, outLen, outOrig, sec, nsec);
          if (v === 4 && o.redirectKind !== RedirectKind.None) {
            const t = sinks.redirectTarget(o.redirectKind, o.redirectTarget);
            if (t !== null) { t.writer.write(frame, 0, outLen, outOrig, sec, nsec); t.count.packets++; t.count.bytes += outLen; }
          }
        }
        const c = sinks.counts[v];
        c.packets++;
        c.bytes += outLen;
        if (results !== null) {
          // {"index": N, "action": A, "verdict": "V", "len_in": L, "len_out": M, "out": "<hex>"[, "fault": F]}
          // written piece by piece (constant parts pre-encoded): no string per packet.
          results.raw(R_INDEX);
          results.uint(idx);
          results.raw(R_ACTION);
          results.uint(o.action);
          results.raw(R_VERDICT_LEN_IN[o.verdictIndex]);
          results.uint(len);
          results.raw(R_LEN_OUT);
          if (x.nrFrags === 0) {
            const n = x.dataEnd - x.meta;
            results.uint(n);
            results.raw(R_OUT);
            results.hex(region.bytes, x.meta, n);
          } else {
            const f = x.output(true);
            results.uint(f.length);
            results.raw(R_OUT);
            results.hex(f, 0, f.length);
          }
          if (o.fault === null) results.raw(R_END);
          else results.text(`", "fault": ${JSON.stringify(o.fault)}}`);
          results.lineEnd();
        }
        if (rt.trace.length) {
          for (const l of rt.trace) traceLog.line(`${formatTraceLine(l, rt.timeHi, rt.timeLo)} [packet ${idx}]`);
        }
      }
      opts.onProgress?.(packets);
      if (results) await results.drain();
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) {
      await sinks.abort();
      await results?.abort();
      await traceLog.abort();
      throw e;
    }
    failure = e;
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  // Nothing lost: the always-on count invariant (outputs are still committed so nothing is thrown away).
  const problems = sinks.checkCounts(packets);
  if (results !== null && results.lines !== packets) problems.push(`${packets} input packets but ${results.lines} lines in results.jsonl`);
  await sinks.commit();
  await results?.commit();
  await traceLog.commit();
  if (opts.dumpMaps) await writeAtomic(join(opts.out, "maps.json"), formatMapsJson(rt.maps));
  const ran = packets - Object.values(reasons).reduce((a, n) => a + n, 0);
  const byName = (i: number): SinkCount => sinks.counts[i];
  const outputs: Record<string, SinkCount> = {};
  VERDICT_FILES.forEach((f, i) => (outputs[`${f}.pcap`] = byName(i)));
  outputs["skipped.pcap"] = sinks.skippedCount;
  for (const [name, e] of sinks.extra) outputs[name] = e.count;
  const stats: ReplayStats = {
    packets,
    bytes,
    aborted: byName(0),
    drop: byName(1),
    pass: byName(2),
    tx: byName(3),
    redirect: byName(4),
    verdicts: { XDP_ABORTED: byName(0), XDP_DROP: byName(1), XDP_PASS: byName(2), XDP_TX: byName(3), XDP_REDIRECT: byName(4) },
    skipped: packets - ran,
    skipped_reasons: reasons,
    faults,
    wall_seconds: wall,
    pps: wall > 0 ? ran / wall : 0,
    backend: sim.exec.backend,
    program: sim.program.name,
    tag: sim.tag,
    capture: source.path,
    interrupted: opts.signal?.aborted ?? false,
    outputs,
  };
  if (failure) stats.error = (failure as CaptureError).message;
  if (problems.length) stats.error = `internal: output counts do not add up: ${problems.join("; ")}`;
  await writeAtomic(join(opts.out, "stats.json"), JSON.stringify(stats, null, 2) + "\n");
  if (problems.length) throw new InvariantError(`${opts.out}: output counts do not add up (${problems.join("; ")}); outputs kept for inspection`);
  if (failure) throw failure;
  return stats;
}

/** Constant pieces of a results.jsonl line, as bytes. */
const ascii = (t: string): Uint8Array => Uint8Array.from(t, (c) => c.charCodeAt(0));
const R_INDEX = ascii('{"index": ');
const R_ACTION = ascii(', "action": ');
const R_VERDICT_LEN_IN = XDP_VERDICT_NAMES.map((v) => ascii(`, "verdict": "${v}", "len_in": `));
const R_LEN_OUT = ascii(', "len_out": ');
const R_OUT = ascii(', "out": "');
const R_END = ascii('"}');

/** An always-on invariant of the run failed: a bug in xdpsim, not bad input (exit 70, not 2). */
export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

/** Write a small file through a temp name so a reader never sees it half-written. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
