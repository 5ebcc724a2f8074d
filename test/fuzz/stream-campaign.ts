// Streaming checks of `xdpsim run` through a pipe (issue #8): a generated capture of any size is fed
// to `xdpsim run OBJ -` on stdin and the run must lose nothing with flat memory ("huge"); a run
// interrupted with SIGINT must leave complete, valid pcaps whose counts match stats.json ("sigint").
// Frames: 64-byte Ethernet/IPv4/UDP|TCP with addresses and ports from a seeded generator, plus a
// 10-byte runt every 1,000th record (CONTRACT.md: runts go to skipped.pcap). pcap format: libpcap
// "savefile" (pcap-savefile(5)), little-endian, microsecond timestamps.

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { Rng, type CampaignOptions, type CampaignResult, type FuzzFailure } from "./fuzz-support.js";
import { REPO } from "./elf-campaign.js";

const FRAME = 64;
let CAMPAIGN = "huge";
const fail = (campaign: string, what: string, detail: string): FuzzFailure => ({ campaign, caseIndex: 0, seed: 0, what, detail });
const RUNT_EVERY = 1000;
const CLI = join(REPO, "dist/src/cli/main.js");

/** Write `count` records to `out` (backpressure respected); resolves when all are handed over. */
export async function streamSyntheticPcap(out: Writable, count: number, seed: number, stop?: () => boolean): Promise<number> {
  const r = new Rng(seed);
  // Wait for room in the pipe, or for the reader to go away (then stop feeding).
  let gone = false;
  const wait = (): Promise<void> => new Promise((res) => {
    const done = (): void => { out.off("drain", done); out.off("close", onGone); out.off("error", onGone); res(); };
    const onGone = (): void => { gone = true; done(); };
    out.once("drain", done);
    out.once("close", onGone);
    out.once("error", onGone);
  });
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  if (!out.write(header)) await wait();
  const PER = 4096;
  let written = 0;
  while (written < count && !gone && !(stop?.() ?? false)) {
    const n = Math.min(PER, count - written);
    const chunk = Buffer.alloc(n * (16 + FRAME));
    let p = 0;
    for (let k = 0; k < n; k++) {
      const idx = written + k;
      const len = idx % RUNT_EVERY === RUNT_EVERY - 1 ? 10 : FRAME;
      chunk.writeUInt32LE(1_700_000_000 + Math.floor(idx / 1_000_000), p);
      chunk.writeUInt32LE(idx % 1_000_000, p + 4);
      chunk.writeUInt32LE(len, p + 8);
      chunk.writeUInt32LE(len, p + 12);
      const f = p + 16;
      if (len < FRAME) {
        chunk.fill(0xee, f, f + len);
        p += 16 + len;
        continue;
      }
      chunk.fill(0xff, f, f + 6);
      chunk.writeUInt16BE(0x0200, f + 6); // source MAC 02:00:xx:xx:xx:xx
      chunk.writeUInt32BE(r.u32(), f + 8);
      chunk.writeUInt16BE(0x0800, f + 12);
      chunk[f + 14] = 0x45;
      chunk.writeUInt16BE(FRAME - 14, f + 16);
      chunk[f + 22] = 64;
      chunk[f + 23] = r.chance(0.5) ? 17 : 6;
      chunk.writeUInt32BE((0xc0000200 | (r.u32() & 0xff)) >>> 0, f + 26);
      chunk.writeUInt32BE(0x0a000000 | (r.u32() & 0xffff), f + 30);
      chunk.writeUInt16BE(r.range(1024, 65535), f + 34);
      chunk.writeUInt16BE(r.range(1, 1023), f + 36);
      p += 16 + len;
    }
    written += n;
    if (!out.write(chunk.subarray(0, p))) await wait();
  }
  out.end();
  return written;
}

/** Records in a classic pcap file, walking its record headers; throws when a record is cut short. */
export function countPcapRecords(path: string): number {
  const b = readFileSync(path);
  if (b.length < 24 || b.readUInt32LE(0) !== 0xa1b2c3d4 && b.readUInt32LE(0) !== 0xa1b23c4d) throw new Error(`${path}: not a pcap`);
  let p = 24;
  let n = 0;
  while (p < b.length) {
    if (p + 16 > b.length) throw new Error(`${path}: record header cut at ${p}`);
    const cap = b.readUInt32LE(p + 8);
    if (p + 16 + cap > b.length) throw new Error(`${path}: record data cut at ${p}`);
    p += 16 + cap;
    n++;
  }
  return n;
}

interface StreamRun {
  code: number | null;
  signal: string | null;
  peakRssKiB: number;
  stderr: string;
  seconds: number;
  fed: number;
}

/** `xdpsim run OBJ - --out DIR [extra]` fed `count` generated records; SIGINT after `interruptMs` if given. */
async function runThroughPipe(out: string, count: number, seed: number, extra: string[], interruptMs?: number): Promise<StreamRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, "run", join(REPO, "xdp/v4.o"), "-", "--out", out, "--progress=false", ...extra], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch { /* exited */ }
  }, 50);
  let stopped = false;
  child.stdin.on("error", () => { stopped = true; }); // EPIPE after the child stops reading
  const timer = interruptMs !== undefined ? setTimeout(() => child.kill("SIGINT"), interruptMs) : undefined;
  const exited = new Promise<{ code: number | null; signal: string | null }>((res) => child.on("exit", (code, signal) => res({ code, signal })));
  const fed = await streamSyntheticPcap(child.stdin, count, seed, () => stopped || child.exitCode !== null);
  const { code, signal } = await exited;
  clearInterval(poll);
  if (timer) clearTimeout(timer);
  return { code, signal, peakRssKiB: peak, stderr, seconds: (performance.now() - t0) / 1000, fed };
}

/** Checks shared by both campaigns: pcaps valid, record counts = stats.json, total = packets. */
function checkRun(out: string, expectPackets: number | null, failures: FuzzFailure[], seed: number, what: string): { packets: number; stats: Record<string, unknown> } {
  const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8")) as Record<string, { packets: number } | number | boolean>;
  const outputs = stats.outputs as unknown as Record<string, { packets: number }>;
  let sum = 0;
  for (const f of readdirSync(out).filter((x) => x.endsWith(".pcap"))) {
    const n = countPcapRecords(join(out, f));
    if (outputs[f]?.packets !== n) failures.push(fail(CAMPAIGN, "count", `${what}: ${f} has ${n} records, stats.json says ${outputs[f]?.packets}`));
    if (!f.startsWith("redirect-")) sum += n;
  }
  const packets = stats.packets as number;
  if (sum !== packets) failures.push(fail(CAMPAIGN, "lost", `${what}: ${packets} packets but ${sum} records in the outputs`));
  if (expectPackets !== null && packets !== expectPackets) failures.push(fail(CAMPAIGN, "lost", `${what}: fed ${expectPackets} packets, stats.json counts ${packets}`));
  const skipped = stats.skipped as number;
  const runts = Math.floor((expectPackets ?? packets) / RUNT_EVERY);
  if (expectPackets !== null && skipped !== runts) failures.push(fail(CAMPAIGN, "count", `${what}: ${skipped} skipped, expected ${runts} runts`));
  if (readdirSync(out).some((x) => x.includes(".tmp"))) failures.push(fail(CAMPAIGN, "temp", `${what}: a temporary file was left in ${out}`));
  return { packets, stats };
}

/** "huge": `count` frames (e.g. 10,000,000 = 800 MB) through a pipe; nothing lost, peak RSS reported (fails above 512 MiB). */
export async function runHugeCampaign(o: CampaignOptions): Promise<CampaignResult> {
  CAMPAIGN = "huge";
  const out = mkdtempSync(join(tmpdir(), "xdpsim-huge-"));
  const failures: FuzzFailure[] = [];
  const t0 = performance.now();
  try {
    const r = await runThroughPipe(out, o.count, o.seed, []);
    if (r.code !== 0) failures.push(fail(CAMPAIGN, "exit", `exit ${r.code} ${r.signal ?? ""}: ${r.stderr.trim()}`));
    else checkRun(out, o.count, failures, o.seed, "huge");
    const bytes = statSync(join(out, "pass.pcap"), { throwIfNoEntry: false })?.size ?? 0;
    if (r.peakRssKiB > 512 * 1024) failures.push(fail(CAMPAIGN, "memory", `peak RSS ${(r.peakRssKiB / 1024).toFixed(0)} MiB`));
    return {
      campaign: "huge", count: o.count, seed: o.seed, durationMs: performance.now() - t0, outcomes: { packets: o.count }, failures, maxCaseMs: r.seconds * 1000,
      notes: [`peak RSS ${(r.peakRssKiB / 1024).toFixed(0)} MiB`, `${(o.count / r.seconds / 1000).toFixed(0)} kpps through the pipe`, `pass.pcap ${bytes} bytes`],
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** "sigint": SIGINT after ~1.5 s of a `count`-frame pipe: exit 130, stats "interrupted", valid pcaps whose counts add up. */
export async function runSigintCampaign(o: CampaignOptions): Promise<CampaignResult> {
  CAMPAIGN = "sigint";
  const out = mkdtempSync(join(tmpdir(), "xdpsim-sigint-"));
  const failures: FuzzFailure[] = [];
  const t0 = performance.now();
  try {
    const r = await runThroughPipe(out, o.count, o.seed, ["--results"], 1500);
    if (r.code !== 130) failures.push(fail(CAMPAIGN, "exit", `exit ${r.code} ${r.signal ?? ""} (expected 130): ${r.stderr.trim()}`));
    const { packets, stats } = checkRun(out, null, failures, o.seed, "sigint");
    if (stats.interrupted !== true) failures.push(fail(CAMPAIGN, "stats", "stats.json does not say interrupted"));
    const lines = readFileSync(join(out, "results.jsonl"), "utf8").split("\n").filter(Boolean);
    if (lines.length !== packets) failures.push(fail(CAMPAIGN, "count", `results.jsonl has ${lines.length} lines for ${packets} packets`));
    else if (lines.length && JSON.parse(lines[lines.length - 1]).index !== packets - 1) failures.push(fail(CAMPAIGN, "count", "results.jsonl does not end at the last packet"));
    if (packets === 0 || packets >= o.count) failures.push(fail(CAMPAIGN, "timing", `interrupt came at ${packets} of ${o.count} packets: not mid-run`));
    return {
      campaign: "sigint", count: o.count, seed: o.seed, durationMs: performance.now() - t0, outcomes: { processed: packets, fed: r.fed }, failures, maxCaseMs: r.seconds * 1000,
      notes: [`${packets} packets processed before SIGINT`, `peak RSS ${(r.peakRssKiB / 1024).toFixed(0)} MiB`],
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
