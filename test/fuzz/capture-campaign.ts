// Capture campaign: mutations of small pcap (LE µs, BE ns) and pcapng (two sections, several
// interfaces, EPB/SPB) captures — truncation, caplen 0 / 2^31, wrong block lengths, unknown blocks,
// interface ids out of range, bit flips. Each must read every packet before the damage and then stop
// with a CaptureError naming byte offset and packet index; every 8th case also replays it through a
// program and checks the outputs (counts add up, files match stats.json, no temp files left).

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { CaptureError } from "../../src/errors.js";
import { loadObject } from "../../src/loader/load-object.js";
import { openCapture } from "../../src/pcap/open-capture.js";
import { Simulation } from "../../src/pipeline/create-simulation.js";
import { replayCapture } from "../../src/pipeline/replay-capture.js";
import { block, buildPcapng, epb, idb, shb, spb, type BlockSpec } from "../pcap/build-pcapng.js";
import { REPO, sampleFrames } from "./elf-campaign.js";
import { caseSeed, describeError, INTERESTING_U32, Rng, Tally, type CampaignOptions, type CampaignResult } from "./fuzz-support.js";

/** A capture and where its blocks / records lie: packet records in packet order, plus every block. */
export interface BaseCapture {
  name: string;
  format: "pcap" | "pcapng";
  bytes: Uint8Array;
  /** [start, end) of every packet-carrying record/block, in packet order. */
  packets: [number, number][];
  /** [start, end) of every record/block (pcapng: all blocks; pcap: records), in file order. */
  units: [number, number][];
  /** Bytes of the file header (pcap) or first SHB (pcapng). */
  headerLen: number;
  le: boolean;
}

function classicPcap(frames: Uint8Array[], le: boolean, ns: boolean): BaseCapture {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, at: number): number => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  w32(h, ns ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  if (le) { h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6); } else { h.writeUInt16BE(2, 4); h.writeUInt16BE(4, 6); }
  w32(h, 65535, 16);
  w32(h, 1, 20);
  parts.push(h);
  const packets: [number, number][] = [];
  let at = 24;
  frames.forEach((f, i) => {
    const r = Buffer.alloc(16);
    w32(r, 1700000000 + i, 0);
    w32(r, i * 1000, 4);
    w32(r, f.length, 8);
    w32(r, f.length, 12);
    parts.push(r, Buffer.from(f));
    packets.push([at, at + 16 + f.length]);
    at += 16 + f.length;
  });
  return { name: `pcap-${le ? "le" : "be"}-${ns ? "ns" : "us"}`, format: "pcap", bytes: new Uint8Array(Buffer.concat(parts)), packets, units: packets, headerLen: 24, le };
}

function pcapng(frames: Uint8Array[]): BaseCapture {
  const blocks: BlockSpec[] = [shb(), idb(1), idb(101, { tsresol: 9 })];
  const isPacket: boolean[] = [false, false, false];
  frames.forEach((f, i) => {
    if (i === Math.floor(frames.length / 2)) {
      blocks.push(shb({ le: false }), idb(1, { snaplen: 65535 }));
      isPacket.push(false, false);
    }
    if (i % 7 === 3) blocks.push(spb(f));
    else if (i % 5 === 4 && i < frames.length / 2) blocks.push(epb(1, f.subarray(14), { ts: BigInt(i) * 1000n }));
    else blocks.push(epb(0, f, { ts: BigInt(1700000000 + i) * 1000000n }));
    isPacket.push(true);
    if (i === 2) {
      blocks.push(block(0x0bad, new Uint8Array(8)));
      isPacket.push(false);
    }
  });
  const { bytes, offsets } = buildPcapng(blocks);
  const ends = offsets.map((o, i) => (i + 1 < offsets.length ? offsets[i + 1] : bytes.length));
  const units = offsets.map((o, i) => [o, ends[i]] as [number, number]);
  return { name: "pcapng", format: "pcapng", bytes, packets: units.filter((_, i) => isPacket[i]), units, headerLen: offsets[1], le: true };
}

export function baseCaptures(): BaseCapture[] {
  const frames = sampleFrames(24);
  return [classicPcap(frames, true, false), classicPcap(frames, false, true), pcapng(frames)];
}

interface Mutant {
  bytes: Uint8Array;
  kind: string;
  /** First byte that differs from the base (bytes before it are intact). */
  damage: number;
  /** The mutation leaves a well-formed file (e.g. an unknown block inserted between blocks). */
  valid: boolean;
}

function mutate(r: Rng, c: BaseCapture): Mutant {
  const b = c.bytes.slice();
  const v = new DataView(b.buffer);
  const set32 = (at: number, x: number): void => v.setUint32(at, x >>> 0, c.le);
  const pickRec = (): [number, number] => r.pick(c.packets);
  const kind = r.pick(["truncate", "truncate", "caplen", "caplen", "blocklen", "trailer", "unknown-block", "ifid", "bitflip", "bitflip", "smash"]);
  switch (kind) {
    case "truncate": {
      const at = r.chance(0.3) ? r.pick(c.units)[1] : r.int(b.length);
      return { bytes: b.slice(0, at), kind, damage: at, valid: c.units.some((u) => u[1] === at) || at === c.headerLen };
    }
    case "caplen": {
      const [s] = pickRec();
      const val = r.pick([0, 1, 13, 14, 0x80000000, 0x7fffffff, 0xffffffff, 262145, r.u32(), r.int(2000)]);
      if (c.format === "pcap") {
        const le = c.le;
        v.setUint32(s + 8, val >>> 0, le);
        return { bytes: b, kind: `caplen=${val}`, damage: s, valid: false };
      }
      const type = v.getUint32(s, c.le);
      if (type === 6) v.setUint32(s + 20, val >>> 0, c.le);
      else v.setUint32(s + 8, val >>> 0, c.le); // SPB original length
      return { bytes: b, kind: `caplen=${val}`, damage: s, valid: false };
    }
    case "blocklen":
    case "trailer": {
      if (c.format === "pcap") {
        const [s] = pickRec();
        set32(s + 12, r.pick([0, 0xffffffff, r.u32()])); // origlen: must never break reading
        return { bytes: b, kind: "origlen", damage: b.length, valid: true };
      }
      const [s, e] = r.pick(c.units.slice(1));
      const le = leAt(c, s);
      const val = r.pick([0, 4, 8, 12, 13, 0x80000000, 0xffffffff, e - s + 4, e - s - 4, e - s + 1, r.u32()]);
      v.setUint32(kind === "blocklen" ? s + 4 : e - 4, val >>> 0, le);
      return { bytes: b, kind: `${kind}=${val}`, damage: kind === "blocklen" ? s : s, valid: false };
    }
    case "unknown-block": {
      if (c.format === "pcap") return mutate(r, c);
      const [s] = r.pick(c.units.slice(1));
      const le = leAt(c, s - 1); // inserted before block s: still in the section of the block before it
      const body = 4 * r.int(5);
      const blk = new Uint8Array(12 + body);
      const bv = new DataView(blk.buffer);
      bv.setUint32(0, r.pick([0x0bad, 0x80000001, 0x40000000, 7, 9]), le);
      bv.setUint32(4, 12 + body, le);
      bv.setUint32(8 + body, 12 + body, le);
      const out = new Uint8Array(b.length + blk.length);
      out.set(b.subarray(0, s));
      out.set(blk, s);
      out.set(b.subarray(s), s + blk.length);
      return { bytes: out, kind: "unknown-block", damage: out.length, valid: true };
    }
    case "ifid": {
      if (c.format === "pcap") return mutate(r, c);
      const epbs = c.packets.filter(([s]) => new DataView(c.bytes.buffer).getUint32(s, leAt(c, s)) === 6);
      const [s] = r.pick(epbs);
      v.setUint32(s + 8, r.pick([2, 3, 100, 0xffff, 0xffffffff]), leAt(c, s));
      return { bytes: b, kind: "ifid", damage: s, valid: false };
    }
    case "bitflip": {
      const n = r.range(1, 4);
      let first = b.length;
      for (let k = 0; k < n; k++) {
        const at = r.int(b.length);
        b[at] ^= 1 << r.int(8);
        first = Math.min(first, at);
      }
      return { bytes: b, kind, damage: unitStart(c, first), valid: false };
    }
    default: {
      const at = r.int(b.length);
      for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = r.pick(INTERESTING_U32) & 0xff;
      return { bytes: b, kind: "smash", damage: unitStart(c, at), valid: false };
    }
  }
}

/** Byte order of the pcapng section holding offset `at` (the base has an LE then a BE section). */
function leAt(c: BaseCapture, at: number): boolean {
  if (c.format === "pcap") return c.le;
  let le = true;
  const v = new DataView(c.bytes.buffer);
  for (const [s] of c.units) {
    if (s > at) break;
    if (v.getUint32(s, true) === 0x0a0d0d0a) le = v.getUint32(s + 8, true) === 0x1a2b3c4d;
  }
  return le;
}

/** Start of the record/block holding byte `at`: damage inside a record may spoil that whole record. */
function unitStart(c: BaseCapture, at: number): number {
  for (const [s, e] of c.units) if (at >= s && at < e) return s;
  return at;
}

/** Read a capture through openCapture: packets delivered, then the error (if any). */
export async function readAll(path: string, bytes: Uint8Array | null): Promise<{ packets: number; error: unknown }> {
  let n = 0;
  try {
    const cap = await openCapture(path, bytes ? { stream: Readable.from([Buffer.from(bytes)]) } : {});
    for await (const batch of cap.batches()) {
      for (let i = 0; i < batch.count; i++) {
        if (batch.firstIndex + i !== n) throw new Error(`packet index ${batch.firstIndex + i}, expected ${n}`);
        if (batch.lens[i] < 0 || batch.offs[i] < 0 || batch.offs[i] + batch.lens[i] > batch.buf.length) throw new Error(`packet ${n}: bad view`);
        n++;
      }
    }
    return { packets: n, error: null };
  } catch (e) {
    return { packets: n, error: e };
  }
}

/** Count the records of a classic pcap written by xdpsim (LE, 24-byte header). */
export function countPcapRecords(path: string): number {
  const b = readFileSync(path);
  let n = 0;
  let p = 24;
  while (p + 16 <= b.length) {
    p += 16 + b.readUInt32LE(p + 8);
    n++;
  }
  if (p !== b.length) throw new Error(`${path}: trailing garbage at ${p}`);
  return n;
}

/** The always-checked output invariants of a replay into `dir` of `expected` packets. */
export function checkOutputs(dir: string, expected: number): string[] {
  const bad: string[] = [];
  const files = readdirSync(dir);
  const tmp = files.filter((f) => f.includes(".tmp-"));
  if (tmp.length) bad.push(`temp files left: ${tmp.join(", ")}`);
  const stats = JSON.parse(readFileSync(join(dir, "stats.json"), "utf8")) as { packets: number; outputs: Record<string, { packets: number }>; skipped: number };
  if (stats.packets !== expected) bad.push(`stats.packets ${stats.packets}, expected ${expected}`);
  let sum = 0;
  for (const [name, c] of Object.entries(stats.outputs)) {
    // redirect-ifN / -cpuN / -xskN.pcap repeat packets of redirect.pcap (per target): not in the sum.
    if (!name.startsWith("redirect-")) sum += c.packets;
    const onDisk = files.includes(name) ? countPcapRecords(join(dir, name)) : 0;
    if (onDisk !== c.packets) bad.push(`${name}: ${onDisk} records on disk, stats says ${c.packets}`);
  }
  for (const f of files) if (f.endsWith(".pcap") && !(f in stats.outputs)) bad.push(`${f} is not in stats.outputs`);
  if (sum !== stats.packets) bad.push(`outputs sum to ${sum} packets, stats.packets ${stats.packets}`);
  if (files.includes("results.jsonl")) {
    const lines = readFileSync(join(dir, "results.jsonl"), "utf8").split("\n").filter((l) => l).length;
    if (lines !== stats.packets) bad.push(`results.jsonl has ${lines} lines, stats.packets ${stats.packets}`);
  }
  return bad;
}

export async function runCaptureCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const t = new Tally("capture", opts);
  const bases = baseCaptures();
  const work = mkdtempSync(join(tmpdir(), "xdpsim-fuzz-capture-"));
  const obj = loadObject(new Uint8Array(readFileSync(join(REPO, "xdp", "firewall.o"))), "firewall.o");
  const sim = new Simulation(obj, { backend: "jit", ncpus: 2 });
  try {
    for (const i of t.cases()) {
      const r = new Rng(caseSeed(opts.seed, i));
      const base = r.pick(bases);
      const m = mutate(r, base);
      const what = `${base.name} [${m.kind}] damage at ${m.damage}`;
      const t0 = performance.now();
      const file = join(work, `case-${i}.cap`);
      const viaStream = i % 2 === 1;
      if (!viaStream) writeFileSync(file, m.bytes);
      try {
        const res = await readAll(file, viaStream ? m.bytes : null);
        const good = base.packets.filter(([, e]) => e <= m.damage).length;
        if (res.error !== null) {
          if (!(res.error instanceof CaptureError)) {
            t.fail(i, `non-CaptureError on ${what}`, describeError(res.error));
          } else {
            const e = res.error;
            if (!/byte offset \d+, packet \d+/.test(e.message)) t.fail(i, `message lacks offset/index on ${what}`, e.message);
            if (e.packetIndex !== res.packets) t.fail(i, `packetIndex ${e.packetIndex} but ${res.packets} packets delivered on ${what}`, e.message);
            if (m.damage >= base.headerLen && res.packets < good) t.fail(i, `only ${res.packets} of ${good} packets before the damage delivered on ${what}`, e.message);
            if (m.valid) t.fail(i, `valid file rejected on ${what}`, e.message);
            t.outcome(m.damage < base.headerLen ? "error:header" : "error:records");
          }
        } else {
          if (m.kind === "truncate" && !m.valid && m.damage > base.headerLen) t.fail(i, `truncated file read without error (${res.packets} packets) on ${what}`, "");
          if (m.valid && res.packets !== good) t.fail(i, `valid file gave ${res.packets} of ${good} packets on ${what}`, "");
          t.outcome("read-ok");
        }
        // Every 8th case: the whole replay, with the output invariants.
        if (i % 8 === 0) {
          const out = join(work, `out-${i}`);
          let replayErr: unknown = null;
          try {
            const cap = await openCapture(viaStream ? "-" : file, viaStream ? { stream: Readable.from([Buffer.from(m.bytes)]) } : {});
            await replayCapture(sim, cap, { out, results: true });
          } catch (e) {
            replayErr = e;
          }
          if (replayErr !== null && !(replayErr instanceof CaptureError)) t.fail(i, `replay: non-CaptureError on ${what}`, describeError(replayErr));
          // A header error stops openCapture before the replay creates anything: nothing to check.
          else if (existsSync(out)) {
            try {
              const bad = checkOutputs(out, res.packets);
              if (bad.length) t.fail(i, `replay outputs on ${what}`, bad.join("; "));
              const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8")) as { error?: string };
              if ((replayErr !== null) !== (stats.error !== undefined)) t.fail(i, `stats.json error field mismatch on ${what}`, String(stats.error));
            } catch (e) {
              t.fail(i, `replay outputs unreadable on ${what}`, describeError(e));
            }
          }
          rmSync(out, { recursive: true, force: true });
        }
      } catch (e) {
        t.fail(i, `harness exception on ${what}`, describeError(e));
      } finally {
        if (!viaStream) rmSync(file, { force: true });
      }
      t.timed(i, performance.now() - t0);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return t.finish();
}
