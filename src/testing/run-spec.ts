// Runs one `xdpsim test` spec: loads the program, replays the capture and inline packets through it,
// checks every expectation and returns per-case results with readable diffs. README "Regression tests".

import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PcapWriter } from "../pcap/write-pcap.js";
import { UsageError, XdpsimError } from "../errors.js";
import { forEachCapturePacket } from "./read-capture-packets.js";
import { loadProgram, type PacketResult, type XdpProgram } from "../pipeline/xdp-program.js";
import { parseBytes, toHex } from "../pipeline/parse-bytes.js";
import { buildPacket } from "./build-packet.js";
import { compileFilter, FilterError, runFilter } from "./compile-filter.js";
import { SpecError, type Expectation, type FieldMatch, type PacketExpect, type TestSpec } from "./load-spec.js";
import { formatSummary, summarizePacket, type PacketSummary } from "./summarize-packet.js";
import { matchFields } from "./match-fields.js";

/** One input packet and what became of it. */
export interface PacketRun {
  index: number;
  /** Inline packet name, when it has one. */
  name?: string;
  input: Uint8Array;
  /** Capture timestamp (ns), for reports. */
  timestampNs: bigint;
  summary: PacketSummary;
  /** Why the kernel would not run it (runt, too-big, link-type); no result then. */
  skipped?: string;
  result?: PacketResult;
}

export interface CaseResult {
  name: string;
  ok: boolean;
  /** Readable diff lines (empty when ok). */
  failures: string[];
  /** Set when --update rewrote a golden file for this case. */
  updated?: string;
  ms: number;
}

export interface SpecResult {
  spec: TestSpec;
  program: string;
  runs: PacketRun[];
  cases: CaseResult[];
}

export interface RunSpecOptions {
  /** Override the spec's backend (coverage and explain force interp). */
  backend?: "jit" | "interp";
  /** Rewrite golden files instead of comparing. */
  update?: boolean;
  /** Called once the program is loaded, before the first packet (coverage installs its hook here). */
  onProgram?: (p: XdpProgram) => void;
}

const MAX_LINES = 20;

/** Load the spec's program, run its input, check its expectations. */
export async function runSpec(spec: TestSpec, opts: RunSpecOptions = {}): Promise<SpecResult> {
  let mapInit = spec.mapInit;
  if (mapInit && typeof mapInit === "object" && "file" in (mapInit as object) && Object.keys(mapInit as object).length === 1) {
    const f = (mapInit as { file: string }).file;
    try {
      mapInit = JSON.parse(await readFile(f, "utf8"));
    } catch (e) {
      throw new SpecError(spec.file, "map_init", `${f}: ${(e as Error).message}`);
    }
  }
  const prog = await loadProgram(spec.object, {
    ...(spec.prog !== undefined && { prog: spec.prog }),
    backend: opts.backend ?? spec.backend ?? "jit",
    consts: spec.consts,
    ...(mapInit !== undefined && { mapInit }),
    ...(spec.ifindex !== undefined && { ifindex: spec.ifindex }),
    ...(spec.seed !== undefined && { seed: spec.seed }),
    ...(spec.devices !== undefined && { devices: [{ ifindex: 1, mtu: 65536 }, ...spec.devices] }),
  }).catch((e: unknown) => {
    if (e instanceof XdpsimError) throw new UsageError(`${spec.file}: object: ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new SpecError(spec.file, "object", `${spec.object}: cannot read: ${code}`);
    throw e;
  });
  opts.onProgram?.(prog);
  const runs = await runInput(spec, prog);
  const cases: CaseResult[] = [];
  // Inline packets' own expectations first, then the expect list, in order.
  for (const r of runs) {
    const p = r.name !== undefined || r.index >= 0 ? spec.packets[r.index - (runs.length - spec.packets.length)] : undefined;
    if (!p?.expect) continue;
    const t0 = performance.now();
    const failures = checkPacket(r, p.expect);
    cases.push({ name: `packet ${p.name ?? r.index}: ${describeExpect(p.expect)}`, ok: failures.length === 0, failures, ms: performance.now() - t0 });
  }
  for (let i = 0; i < spec.expect.length; i++) {
    const e = spec.expect[i];
    const t0 = performance.now();
    const c = await checkExpectation(spec, e, i, runs, prog, opts.update ?? false);
    cases.push({ ...c, ms: performance.now() - t0 });
  }
  return { spec, program: prog.name, runs, cases };
}

/** Capture packets (indices 0..N-1), then inline packets (N..). */
async function runInput(spec: TestSpec, prog: XdpProgram): Promise<PacketRun[]> {
  const runs: PacketRun[] = [];
  let lastNs = 0n;
  if (spec.capture !== undefined) {
    await forEachCapturePacket(spec.capture, (c) => {
      const run: PacketRun = { index: c.index, input: c.frame, timestampNs: c.timestampNs, summary: summarizePacket(c.frame) };
      if (c.skipped) run.skipped = c.skipped;
      else run.result = prog.runPacket(c.frame, { timestampNs: c.timestampNs > lastNs ? c.timestampNs : lastNs });
      if (c.timestampNs > lastNs) lastNs = c.timestampNs;
      runs.push(run);
    });
  }
  spec.packets.forEach((p) => {
    const input = p.frame ?? (p.hex !== undefined ? parseBytes(p.hex, "hex") : buildPacket(p));
    lastNs += 1000n;
    const run: PacketRun = { index: runs.length, input, timestampNs: lastNs, summary: summarizePacket(input), result: prog.runPacket(input, { timestampNs: lastNs }) };
    if (p.name !== undefined) run.name = p.name;
    runs.push(run);
  });
  return runs;
}

function describeExpect(e: PacketExpect): string {
  const parts: string[] = [];
  if (e.verdict) parts.push(e.verdict);
  if (e.out !== undefined) parts.push("output bytes");
  if (e.redirect !== undefined) parts.push(e.redirect === null ? "no redirect" : `redirect ${e.redirect.kind ?? ""}${e.redirect.kind ? " " : ""}${e.redirect.target}`);
  if (e.trace) parts.push("trace");
  if (e.fault !== undefined) parts.push(e.fault === false ? "no fault" : "fault");
  return parts.join(", ") || "checked";
}

/** `packet 12 (tcp 192.0.2.66:40001 > 10.0.0.5:22)` */
export function describeRun(r: PacketRun): string {
  return `packet ${r.index}${r.name !== undefined ? ` "${r.name}"` : ""} (${formatSummary(r.summary)})`;
}

/** Differences between a packet's outcome and an expectation, one line each. */
export function checkPacket(r: PacketRun, e: PacketExpect): string[] {
  const out: string[] = [];
  const who = describeRun(r);
  const res = r.result;
  if (!res) return [`${who}: not run (${r.skipped}), expected ${e.verdict ?? "a result"}`];
  if (e.verdict && res.verdict !== e.verdict) out.push(`${who}: expected ${e.verdict}, got ${res.verdict}${res.fault ? ` (fault: ${res.fault})` : ""}`);
  if (e.out !== undefined) {
    const want = parseBytes(e.out, "out");
    const got = res.data;
    const n = Math.min(want.length, got.length);
    let at = -1;
    for (let k = 0; k < n; k++) if (want[k] !== got[k]) { at = k; break; }
    if (at < 0 && want.length !== got.length) at = n;
    if (at >= 0) {
      const hx = (b: Uint8Array): string => (at < b.length ? b[at].toString(16).padStart(2, "0") : "(end)");
      out.push(`${who}: output differs at byte ${at} (expected ${want.length} bytes, got ${got.length}): expected ${hx(want)}, got ${hx(got)}`);
    }
  }
  if (e.redirect !== undefined) {
    const got = res.redirect;
    if (e.redirect === null) {
      if (got) out.push(`${who}: expected no redirect, got ${got.kind} ${got.target}`);
    } else if (!got || got.target !== e.redirect.target || (e.redirect.kind && got.kind !== e.redirect.kind)) {
      out.push(`${who}: expected redirect to ${e.redirect.kind ?? "ifindex"} ${e.redirect.target}, got ${got ? `${got.kind} ${got.target}` : "none"}`);
    }
  }
  if (e.trace) {
    let k = 0;
    for (const want of e.trace) {
      while (k < res.trace.length && !res.trace[k].includes(want)) k++;
      if (k >= res.trace.length) { out.push(`${who}: trace line containing ${JSON.stringify(want)} not found (got ${JSON.stringify(res.trace)})`); break; }
      k++;
    }
  }
  if (e.fault !== undefined) {
    if (e.fault === false && res.fault) out.push(`${who}: expected no fault, got ${JSON.stringify(res.fault)}`);
    else if (typeof e.fault === "string" && !(res.fault ?? "").includes(e.fault)) out.push(`${who}: expected a fault containing ${JSON.stringify(e.fault)}, got ${res.fault ? JSON.stringify(res.fault) : "none"}`);
  }
  return out;
}

function capLines(lines: string[]): string[] {
  return lines.length <= MAX_LINES ? lines : [...lines.slice(0, MAX_LINES), `… and ${lines.length - MAX_LINES} more`];
}

async function checkExpectation(spec: TestSpec, e: Expectation, i: number, runs: PacketRun[], prog: XdpProgram, update: boolean): Promise<Omit<CaseResult, "ms">> {
  const where = `expect[${i}]`;
  if (e.packet !== undefined) {
    const r = typeof e.packet === "string" ? runs.find((x) => x.name === e.packet) : runs[e.packet];
    const name = e.name ?? `packet ${e.packet}: ${describeExpect(e)}`;
    if (!r) return { name, ok: false, failures: [`packet ${e.packet}: no such packet (the input has ${runs.length})`] };
    const f = checkPacket(r, e);
    return { name, ok: f.length === 0, failures: f };
  }
  if (e.filter !== undefined || e.match !== undefined) {
    let pred: (r: PacketRun) => boolean;
    let label: string;
    if (e.filter !== undefined) {
      let prog2;
      try {
        prog2 = compileFilter(e.filter);
      } catch (err) {
        if (err instanceof FilterError) throw new SpecError(spec.file, `${where}.filter`, err.message);
        throw err;
      }
      pred = (r) => runFilter(prog2, r.input);
      label = `filter "${e.filter}"`;
    } else {
      const m = e.match as FieldMatch;
      pred = (r) => matchFields(m, r.summary, `${spec.file}: ${where}.match`);
      label = `match ${JSON.stringify(m)}`;
    }
    const hits = runs.filter(pred);
    const name = e.name ?? `${label}: ${describeExpect(e)}${e.count !== undefined ? ` (${e.count} packets)` : ""}`;
    const failures: string[] = [];
    if (e.count !== undefined ? hits.length !== e.count : hits.length === 0) {
      failures.push(`${label} matches ${hits.length} packets, expected ${e.count ?? "at least 1"}`);
    }
    for (const r of hits) failures.push(...checkPacket(r, e));
    return { name, ok: failures.length === 0, failures: capLines(failures) };
  }
  if (e.map !== undefined) return checkMap(spec, e, where, prog);
  if (e.golden_pcaps !== undefined) return checkGoldenPcaps(e.golden_pcaps, e.name, runs, update);
  return checkGolden(e, runs, update);
}

function checkMap(spec: TestSpec, e: Expectation, where: string, prog: XdpProgram): Omit<CaseResult, "ms"> {
  const name = e.name ?? `map ${e.map}`;
  let m;
  try {
    m = prog.map(e.map!);
  } catch (err) {
    throw new SpecError(spec.file, `${where}.map`, (err as Error).message);
  }
  const failures: string[] = [];
  if (e.size !== undefined) {
    const n = m.dump().length;
    if (n !== e.size) failures.push(`map ${e.map}: expected ${e.size} entries, got ${n}`);
  }
  (e.entries ?? []).forEach((en, k) => {
    const w = `${where}.entries[${k}]`;
    let key: Uint8Array | number;
    try {
      key = typeof en.key === "number" ? en.key : parseBytes(en.key, `${spec.file}: ${w}.key`);
    } catch (err) {
      throw new SpecError(spec.file, `${w}.key`, (err as Error).message);
    }
    const keyText = typeof key === "number" ? String(key) : toHex(key);
    let got: Uint8Array | null;
    try {
      got = m.lookup(key);
    } catch (err) {
      throw new SpecError(spec.file, `${w}.key`, (err as Error).message);
    }
    if (en.absent) {
      if (got) failures.push(`map ${e.map} key ${keyText}: expected no entry, got ${toHex(got)}`);
      return;
    }
    if (!got) { failures.push(`map ${e.map} key ${keyText}: no entry`); return; }
    if (en.value !== undefined) {
      const want = toHex(parseBytes(en.value, `${spec.file}: ${w}.value`));
      const have = toHex(got);
      if (want !== have) failures.push(`map ${e.map} key ${keyText}: expected ${want}, got ${have}`);
    }
    if (en.u64 !== undefined) {
      const want = BigInt(en.u64);
      const have = m.readU64(key, en.offset ?? 0);
      if (want !== have) failures.push(`map ${e.map} key ${keyText}: expected u64 ${want} at offset ${en.offset ?? 0}, got ${have}`);
    }
  });
  return { name, ok: failures.length === 0, failures };
}

/** One golden line per packet: `index verdict len_out sha256/8 summary`. */
function goldenLine(r: PacketRun): string {
  const res = r.result;
  if (!res) return `${r.index} skipped:${r.skipped} - - ${formatSummary(r.summary)}`;
  const h = createHash("sha256").update(res.data).digest("hex").slice(0, 8);
  return `${r.index} ${res.verdict} ${res.data.length} ${h} ${formatSummary(r.summary)}`;
}

const GOLDEN_HEADER = "# xdpsim test golden file: index verdict len_out sha256(out)[:8] summary — rewrite with `xdpsim test --update`";

async function checkGolden(e: Expectation, runs: PacketRun[], update: boolean): Promise<Omit<CaseResult, "ms">> {
  const file = e.golden!;
  const name = e.name ?? `golden ${file.split("/").pop()}`;
  const lines = runs.map(goldenLine);
  if (update) {
    await writeFile(file, [GOLDEN_HEADER, ...lines].join("\n") + "\n");
    return { name, ok: true, failures: [], updated: file };
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return { name, ok: false, failures: [`${file}: missing (create it with xdpsim test --update)`] };
  }
  const want = text.split("\n").filter((l) => l && !l.startsWith("#"));
  const failures: string[] = [];
  const n = Math.max(want.length, lines.length);
  for (let k = 0; k < n; k++) {
    const w = want[k], g = lines[k];
    if (w === g) continue;
    if (w === undefined || g === undefined) { failures.push(`packet ${k}: ${w === undefined ? "not in the golden file" : "missing from the input"}`); continue; }
    const [, wv, wl, wh] = w.split(" ");
    const [, gv, gl, gh] = g.split(" ");
    const who = describeRun(runs[k]);
    if (wv !== gv) failures.push(`${who}: expected ${wv}, got ${gv}`);
    else if (wl !== gl || wh !== gh) failures.push(`${who}: output changed (expected ${wl} bytes sha256 ${wh}, got ${gl} bytes sha256 ${gh})`);
  }
  return { name, ok: failures.length === 0, failures: capLines(failures) };
}

const VERDICT_PCAPS: [string, string][] = [["XDP_PASS", "pass"], ["XDP_DROP", "drop"], ["XDP_TX", "tx"], ["XDP_ABORTED", "aborted"], ["XDP_REDIRECT", "redirect"]];

/**
 * Golden pcaps, one per verdict (the output frames, input timestamps, ns precision): --update writes
 * them; otherwise the k-th frame of each must equal the k-th output of that verdict, byte for byte.
 */
async function checkGoldenPcaps(dir: string, label: string | undefined, runs: PacketRun[], update: boolean): Promise<Omit<CaseResult, "ms">> {
  const name = label ?? `golden pcaps ${dir.split("/").pop()}/`;
  const byVerdict = new Map<string, PacketRun[]>(VERDICT_PCAPS.map(([v]) => [v, []]));
  for (const r of runs) if (r.result) byVerdict.get(r.result.verdict)!.push(r);
  if (update) {
    await mkdir(dir, { recursive: true });
    for (const [v, file] of VERDICT_PCAPS) {
      const w = new PcapWriter(join(dir, `${file}.pcap`), { linkType: 1, nanosecond: true });
      for (const r of byVerdict.get(v)!) {
        const d = r.result!.data;
        w.write(d, 0, d.length, d.length, Number(r.timestampNs / 1_000_000_000n), Number(r.timestampNs % 1_000_000_000n));
      }
      await w.close();
    }
    return { name, ok: true, failures: [], updated: dir };
  }
  const failures: string[] = [];
  for (const [v, file] of VERDICT_PCAPS) {
    const path = join(dir, `${file}.pcap`);
    const want: Uint8Array[] = [];
    try {
      await forEachCapturePacket(path, (p) => { want.push(p.frame); });
    } catch (e) {
      failures.push(`${path}: ${e instanceof XdpsimError ? e.message : "missing"} (create it with xdpsim test --update)`);
      continue;
    }
    const got = byVerdict.get(v)!;
    if (want.length !== got.length) failures.push(`${file}.pcap: expected ${want.length} packets, got ${got.length}`);
    const n = Math.min(want.length, got.length);
    for (let k = 0; k < n; k++) {
      const a = want[k], b = got[k].result!.data;
      const m = Math.min(a.length, b.length);
      let at = -1;
      for (let i = 0; i < m; i++) if (a[i] !== b[i]) { at = i; break; }
      if (at < 0 && a.length !== b.length) at = m;
      if (at < 0) continue;
      const hx = (x: Uint8Array): string => (at < x.length ? x[at].toString(16).padStart(2, "0") : "(end)");
      failures.push(`${file}.pcap record ${k} = ${describeRun(got[k])}: output differs at byte ${at} (expected ${a.length} bytes, got ${b.length}): expected ${hx(a)}, got ${hx(b)}`);
    }
  }
  return { name, ok: failures.length === 0, failures: capLines(failures) };
}
