// `npm run bench:scaling`: end-to-end `xdpsim run` and `xdpsim bench` with 1 and N queue workers on
// xdp/firewall.o and xdp/lb.o over a ≥ 1M-packet capture (built in /tmp from pcaps/mixed.pcap), plus a
// control (two independent processes at once) that shows how much parallelism the host really gives.
// Writes reports/scaling.json and reports/scaling.md with the command behind every figure.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { repeatCapture } from "./repeat-capture.js";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
const MAIN = "dist/src/cli/main.js";

interface Figure {
  what: string;
  program: string;
  workers: number | "in-process" | "2 processes";
  command: string;
  wall_seconds: number;
  /** packets per second: end to end (packets / process wall time) for run, aggregate for bench. */
  pps: number;
  /** run only: the run loop's own rate from stats.json. */
  loop_pps?: number;
  ratio_vs_1_worker?: number;
  trials: number[];
}

function sh(args: string[]): Promise<{ wall: number; stdout: string; stderr: string; code: number | null }> {
  return new Promise((res) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT });
    let stdout = "", stderr = "";
    c.stdout.on("data", (d: Buffer) => (stdout += d));
    c.stderr.on("data", (d: Buffer) => (stderr += d));
    c.on("close", (code) => res({ wall: Number(process.hrtime.bigint() - t0) / 1e9, stdout, stderr, code }));
  });
}

const show = (args: string[]): string => `node ${MAIN} ${args.join(" ")}`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  if (argv.includes("--render-only")) {
    const r = JSON.parse(readFileSync(join(ROOT, "reports/scaling.json"), "utf8"));
    writeFileSync(join(ROOT, "reports/scaling.md"), renderMarkdown(r));
    return;
  }
  const packets = opt("packets", 1_000_000);
  const trials = opt("trials", 2);
  const queues = opt("queues", Math.max(2, Math.min(cpus().length, 4)));
  const capture = join(tmpdir(), `xdpsim-scaling-${packets}.pcap`);
  if (!existsSync(capture)) {
    const n = await repeatCapture(join(ROOT, "pcaps/mixed.pcap"), capture, Math.ceil(packets / 2500));
    process.stderr.write(`wrote ${capture}: ${n} packets\n`);
  }
  const out = mkdtempSync(join(tmpdir(), "xdpsim-scaling-out-"));
  const figures: Figure[] = [];
  const load0 = loadavg();
  const cpusFlag = ["--cpus", String(Math.max(queues, 2))];

  for (const program of ["firewall", "lb"]) {
    const obj = `xdp/${program}.o`;
    // End to end: read the capture, run, write every output.
    for (const workers of ["in-process", 1, queues] as const) {
      const args = ["run", obj, capture, "--out", join(out, `${program}-${workers}`), ...cpusFlag, ...(workers === "in-process" ? [] : ["--queues", String(workers)])];
      const walls: number[] = [];
      let loop = 0, count = 0;
      for (let t = 0; t < trials; t++) {
        const r = await sh(args);
        if (r.code !== 0) throw new Error(`${show(args)} failed: ${r.stderr}`);
        const stats = JSON.parse(readFileSync(join(out, `${program}-${workers}`, "stats.json"), "utf8"));
        walls.push(r.wall);
        loop = Math.max(loop, stats.pps);
        count = stats.packets;
        process.stderr.write(`${show(args)}: ${r.wall.toFixed(2)} s\n`);
      }
      const best = Math.min(...walls);
      figures.push({ what: "run (end to end)", program, workers, command: show(args), wall_seconds: best, pps: count / best, loop_pps: loop, trials: walls });
    }
    // Execution only: bench on the in-memory packets of pcaps/mixed.pcap.
    for (const workers of ["in-process", 1, queues] as const) {
      const args = ["bench", obj, "pcaps/mixed.pcap", "--json", ...cpusFlag, ...(workers === "in-process" ? [] : ["--queues", String(workers)])];
      const rates: number[] = [];
      let wall = 0;
      for (let t = 0; t < trials; t++) {
        const r = await sh(args);
        if (r.code !== 0) throw new Error(`${show(args)} failed: ${r.stderr}`);
        rates.push(JSON.parse(r.stdout).pps);
        wall = r.wall;
        process.stderr.write(`${show(args)}: ${(rates[rates.length - 1] / 1e6).toFixed(2)} Mpps\n`);
      }
      figures.push({ what: "bench (execution only)", program, workers, command: show(args), wall_seconds: wall, pps: Math.max(...rates), trials: rates });
    }
    // Control: two independent single-threaded processes at once (no sharing at all).
    {
      const args = ["bench", obj, "pcaps/mixed.pcap", "--json", ...cpusFlag];
      const rates: number[] = [];
      for (let t = 0; t < trials; t++) {
        const rs = await Promise.all([sh(args), sh(args)]);
        rates.push(rs.reduce((a, r) => a + JSON.parse(r.stdout).pps, 0));
      }
      figures.push({ what: "control: 2 independent bench processes at once (sum)", program, workers: "2 processes", command: `(${show(args)} &); ${show(args)}`, wall_seconds: 0, pps: Math.max(...rates), trials: rates });
    }
  }
  for (const f of figures) {
    const one = figures.find((g) => g.what === f.what && g.program === f.program && g.workers === 1);
    if (one && typeof f.workers === "number") f.ratio_vs_1_worker = f.pps / one.pps;
    if (f.workers === "2 processes") {
      const single = figures.find((g) => g.what === "bench (execution only)" && g.program === f.program && g.workers === "in-process");
      if (single) f.ratio_vs_1_worker = f.pps / single.pps;
    }
  }
  const machine = {
    cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length, node: process.version, kernel: release(),
    loadavg_before: load0, loadavg_after: loadavg(), date: new Date().toISOString(),
  };
  const report = { machine, capture: { path: capture, packets, made_by: `repeatCapture(pcaps/mixed.pcap, ${Math.ceil(packets / 2500)}) in src/parallel/repeat-capture.ts` }, queues, trials, figures };
  writeFileSync(join(ROOT, "reports/scaling.json"), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(join(ROOT, "reports/scaling.md"), renderMarkdown(report));
  rmSync(out, { recursive: true, force: true });
  process.stderr.write("wrote reports/scaling.md, reports/scaling.json\n");
}

function renderMarkdown(r: { machine: Record<string, unknown>; queues: number; trials: number; capture: { path: string; packets: number; made_by: string }; figures: Figure[] }): string {
  const fmt = (pps: number): string => (pps >= 1e6 ? `${(pps / 1e6).toFixed(2)} Mpps` : `${(pps / 1e3).toFixed(1)} kpps`);
  const rows = r.figures.map((f) => `| ${f.what} | ${f.program} | ${f.workers} | ${fmt(f.pps)}${f.loop_pps ? ` (loop ${fmt(f.loop_pps)})` : ""} | ${f.ratio_vs_1_worker === undefined ? "" : `${f.ratio_vs_1_worker.toFixed(2)}×`} | \`${f.command}\` |`);
  const m = r.machine;
  return `# Scaling over rx queues (\`--queues N\`)

Generated by \`npm run bench:scaling\` (src/parallel/bench-scaling.ts) — ${m.date}.
Machine: ${m.cpus} × ${m.cpu}, Node ${m.node}, Linux ${m.kernel}; load average before ${(m.loadavg_before as number[]).map((x) => x.toFixed(2)).join(" ")}, after ${(m.loadavg_after as number[]).map((x) => x.toFixed(2)).join(" ")}.
Capture: ${r.capture.packets} packets (${r.capture.made_by}, at ${r.capture.path}). Best of ${r.trials} trials per figure.

"run" figures are end to end: process start, reading the capture, RSS, the workers, ordered merge and
every output file (pps = packets / process wall time; "loop" is stats.json's rate of the replay loop).
"bench" figures are execution only (in-memory packets of pcaps/mixed.pcap, each queue's RSS share,
summed rate over the overlapping timed loops). The ratio is against the same command with \`--queues 1\`;
for the control it is against one in-process bench.

| what | program | workers | rate | ratio vs 1 worker | command |
|---|---|---|---|---|---|
${rows.join("\n")}

## Reading the figures

${verdict(r.figures, r.queues)}

## Why (what limits the speed-up)

- **Three busy threads on two cores.** In an end-to-end run the main thread stays busy too: it reads
  the capture, computes the RSS hash, copies each packet into its queue's job, and replays every
  outcome into the same sinks as \`run\` (loading the output frame, pcap writers, results.jsonl).
  That part is serial. With 2 workers there are three busy threads on 2 cores, and for these programs
  the main thread's share is a large part of the per-packet cost, so the second worker mostly
  competes with it for a core; a single-queue in-process run does the same I/O without the hand-off
  (compare its row with the \`--queues 1\` row).
- **The host.** The control row runs two completely independent processes (no shared memory, no
  workers). The measurements ran on a shared 2-vCPU VM with other jobs active (load averages above);
  individual figures moved by more than 2× between trials.
- **Start-up.** Each worker loads the object, runs the verifier (for its own JIT's facts) and compiles;
  that is paid per worker in parallel, but on 2 cores shared with the main thread it delays the first
  packets; the end-to-end figures include it.
- **Shared state.** \`drop_reasons\` / \`backend_stats\` (ARRAY, \`__sync_fetch_and_add\` from every
  packet) are updated with \`Atomics\` from both workers, so their cache lines move between cores on
  almost every packet, as they would in the kernel; per-CPU array slots of the same index are adjacent
  (index-major layout), so the two CPUs' counters share cache lines (the kernel's per-CPU areas do
  not); LRU/HASH updates take the map's lock (lookups are lock-free with a sequence counter).
`;
}

function verdict(figs: Figure[], queues: number): string {
  const lines: string[] = [];
  for (const program of ["firewall", "lb"]) {
    const run = figs.find((f) => f.program === program && f.what.startsWith("run") && f.workers === queues);
    const bench = figs.find((f) => f.program === program && f.what.startsWith("bench") && f.workers === queues);
    const ctl = figs.find((f) => f.program === program && f.workers === "2 processes");
    lines.push(`- ${program}: end to end ${run?.ratio_vs_1_worker?.toFixed(2)}× with ${queues} workers, execution only ${bench?.ratio_vs_1_worker?.toFixed(2)}×; ` +
      `two independent processes reach ${ctl?.ratio_vs_1_worker?.toFixed(2)}× of one on this host.`);
  }
  // The goal is about end-to-end runs; ratios above the core count can only be noise (a baseline
  // measured while the shared host was busier), so they are flagged, never counted as a success.
  const cores = cpus().length;
  const runs = figs.filter((f) => f.what.startsWith("run") && f.workers === queues).map((f) => f.ratio_vs_1_worker ?? 0);
  const best = Math.max(...runs);
  const noisy = figs.filter((f) => (f.ratio_vs_1_worker ?? 0) > cores).map((f) => `${f.program} ${f.what} (${f.ratio_vs_1_worker!.toFixed(2)}×)`);
  lines.push("");
  lines.push(best >= 1.8 && best <= cores
    ? `Goal (≥ 1.8× end to end on 2 cores): **met** (best ${best.toFixed(2)}×).`
    : `Goal (≥ 1.8× end to end on 2 cores): **missed** (best ${best.toFixed(2)}×). See "Why" below.`);
  if (noisy.length) {
    lines.push("");
    lines.push(`Not credible: ${noisy.join(", ")} exceed ${cores}× on ${cores} cores, so their single-process baseline ran while the ` +
      "shared host was busier; trial-to-trial spread on this VM exceeds 2× in places (every trial is in scaling.json). Treat execution-only ratios as indicative only.");
  }
  return lines.join("\n");
}

await main();
