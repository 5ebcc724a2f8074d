// `xdpsim run <object.o> <capture>`: replay a capture through one XDP program (CONTRACT.md), with
// verdict pcaps, stats.json, optional results.jsonl/maps.json, progress bar and SIGINT handling.

import { mkdir, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Argv } from "yargs";
import cliProgress from "cli-progress";
import { openCapture } from "../pcap/open-capture.js";
import { loadObjectFromFile, Simulation, type SimulationOptions } from "../pipeline/create-simulation.js";
import { replayCapture, type ReplayStats } from "../pipeline/replay-capture.js";
import { getJitSource, type JitExecutor } from "../exec/jit/create-jit.js";
import { parseConsts, parseDevices, readJsonOption } from "./parse-options.js";
import { parseFibRoutes } from "../runtime/helpers/fib-lookup.js";
import { UsageError } from "../errors.js";
import { countPossibleCpus } from "../runtime/count-possible-cpus.js";
import { loadPinnedMaps, savePinnedMaps } from "../inspect/pin-store.js";
import { applyMapInit } from "../pipeline/apply-map-init.js";
import { CoverageCollector } from "../coverage/collect-coverage.js";
import { ReportAccumulator } from "../report/accumulate-report.js";
import { renderReport } from "../report/render-report.js";

/** Options shared by every command that loads a program (run, bench, test, live). */
export function withProgramOptions<T>(y: Argv<T>) {
  return y
    .option("prog", { type: "string", describe: "function name of the XDP program to run" })
    .option("map-init", { type: "string", describe: "JSON file pre-populating maps (CONTRACT.md shape)" })
    .option("const", { type: "string", array: true, describe: "set a const volatile global: NAME=VALUE (repeatable)" })
    .option("backend", { choices: ["jit", "interp"] as const, default: "jit" as const, describe: "execution backend" })
    .option("ifindex", { type: "number", default: 1, describe: "xdp_md.ingress_ifindex" })
    .option("rx-queue", { type: "number", default: 0, describe: "xdp_md.rx_queue_index" })
    .option("seed", { type: "number", default: 0, describe: "seed of bpf_get_prandom_u32" })
    .option("cpus", { type: "number", describe: "possible CPUs for per-CPU maps (default: host CPU count)" })
    .option("device", { type: "string", array: true, describe: "declare a device IFINDEX[:MTU] (repeatable; 1 = lo, MTU 65536)" })
    .option("fib", { type: "string", describe: "JSON routing table for bpf_fib_lookup (see README)" })
    .option("insn-budget", { type: "number", default: 1_000_000, describe: "instructions one packet may execute" })
    .option("packet-timeout", { type: "number", default: 5000, describe: "wall-clock watchdog per packet in ms (0 = off): a longer packet ends as XDP_ABORTED" })
    .option("verify", { type: "boolean", default: true, describe: "run the verifier first (--no-verify to skip)" });
}

export interface ProgramArgs {
  prog?: string;
  "map-init"?: string;
  const?: string[];
  backend: "jit" | "interp";
  ifindex: number;
  "rx-queue": number;
  seed: number;
  cpus?: number;
  device?: string[];
  fib?: string;
  "insn-budget": number;
  "packet-timeout"?: number;
  verify: boolean;
}

/** yargs hands a lone "-" positional over as ""; map it back to stdin. */
export function captureArg(v: string): string {
  return v === "" && process.argv.includes("-") ? "-" : v;
}

/** Build a Simulation from an object path and the shared program options. */
export async function simulationFromArgs(object: string, a: ProgramArgs): Promise<Simulation> {
  const consts = parseConsts(a.const);
  const ncpus = a.cpus ?? countPossibleCpus();
  if (!Number.isInteger(ncpus) || ncpus < 1 || ncpus > 4096) throw new UsageError(`--cpus ${a.cpus}: must be an integer 1..4096`);
  for (const [name, v] of [["--ifindex", a.ifindex], ["--rx-queue", a["rx-queue"]], ["--seed", a.seed], ["--insn-budget", a["insn-budget"]]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new UsageError(`${name} ${v}: must be an integer 0..4294967295`);
  }
  const opts: SimulationOptions = {
    backend: a.backend,
    noVerify: !a.verify,
    ifindex: a.ifindex,
    rxQueue: a["rx-queue"],
    seed: a.seed,
    ncpus,
    devices: parseDevices(a.device),
    insnBudget: a["insn-budget"],
  };
  const wd = a["packet-timeout"];
  if (wd !== undefined) {
    if (!Number.isFinite(wd) || wd < 0) throw new UsageError(`--packet-timeout ${wd}: must be a number of milliseconds ≥ 0`);
    opts.watchdogMs = wd;
  }
  if (a.prog !== undefined) opts.prog = a.prog;
  if (a.fib !== undefined) opts.fib = parseFibRoutes(await readJsonOption("--fib", a.fib), `--fib ${a.fib}`);
  if (a["map-init"] !== undefined) opts.mapInit = { doc: await readJsonOption("--map-init", a["map-init"]), source: a["map-init"] };
  const obj = await loadObjectFromFile(object, consts.size ? consts : undefined);
  return new Simulation(obj, opts);
}

export function registerRunCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "run <object> <capture>",
    "replay a capture (pcap/pcapng, - = stdin) through an XDP program; one pcap per verdict",
    (y) => withProgramOptions(y.positional("object", { type: "string", demandOption: true, describe: "clang -target bpf ELF object" })
      .positional("capture", { type: "string", demandOption: true, describe: "pcap / pcapng file, or - for stdin" }))
      .option("out", { type: "string", default: "out", describe: "output directory" })
      .option("results", { type: "boolean", default: false, describe: "also write results.jsonl" })
      .option("dump-maps", { type: "boolean", default: false, describe: "also write maps.json" })
      .option("trace", { type: "boolean", default: false, describe: "print trace_printk lines on stderr" })
      .option("dump-jit", { type: "string", describe: "write the generated JavaScript to FILE" })
      .option("pin-dir", { type: "string", describe: "load maps pinned in DIR before the run, save them back after (state accumulates)" })
      .option("progress", { type: "boolean", describe: "progress bar (default: when stderr is a TTY and the capture is large)" })
      .option("coverage", { type: "string", describe: "write lcov.info + coverage.json of the run to DIR (runs on the interpreter)" })
      .option("report", { type: "string", describe: "write DIR/report.html: verdict mix, pps, dropped flows, source heat (runs on the interpreter)" })
      .option("queues", { type: "number", describe: "spread packets over N rx queues by RSS, one worker thread (CPU) each" })
      .option("unordered", { type: "boolean", default: false, describe: "with --queues: write outcomes as queues finish (not input order)" }),
    async (argv) => {
      if ((argv as { queues?: number }).queues !== undefined) return (await import("../parallel/run-with-queues.js")).runWithQueues(argv as never);
      const a = argv as unknown as ProgramArgs & { object: string; capture: string; out: string; results: boolean; "dump-maps": boolean; trace: boolean; "dump-jit"?: string; progress?: boolean; "pin-dir"?: string; coverage?: string; report?: string };
      // Execution counts come from the interpreter's instruction hook (its results equal the JIT's bit for bit).
      const counting = a.coverage !== undefined || a.report !== undefined;
      if (counting && a.backend !== "interp") {
        process.stderr.write(`xdpsim: ${a.coverage !== undefined ? "--coverage" : "--report"} runs on the interpreter (results identical to the JIT's)\n`);
        a.backend = "interp";
      }
      const sim = await simulationFromArgs(a.object, a);
      const cov = counting ? new CoverageCollector() : null;
      cov?.attach({ sim });
      const acc = a.report !== undefined ? new ReportAccumulator() : null;
      // Pinned state replaces the fresh maps (like libbpf reusing a pin); --map-init then applies on top.
      if (a["pin-dir"] !== undefined && loadPinnedMaps(sim, a["pin-dir"]).length && a["map-init"] !== undefined) applyMapInit(sim.rt, await readJsonOption("--map-init", a["map-init"]), a["map-init"]);
      if (a["dump-jit"]) {
        // The code that will run: the simulation's own JIT (compiled with the verifier's facts).
        const jit = sim.exec as Partial<JitExecutor>;
        await writeFile(a["dump-jit"], jit.source ? jit.source(sim.progIndex) : getJitSource(sim.rt, sim.progIndex));
      }
      const source = await openCapture(captureArg(a.capture));
      const controller = new AbortController();
      const onSigint = (): void => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
      };
      process.on("SIGINT", onSigint);
      const bar = await makeProgressBar(captureArg(a.capture), a.progress);
      let stats: ReplayStats;
      try {
        stats = await replayCapture(sim, source, {
          out: a.out,
          results: a.results,
          dumpMaps: a["dump-maps"],
          trace: a.trace,
          signal: controller.signal,
          onProgress: bar ? (n) => bar.update(n) : undefined,
          onPacket: acc ? (_i, v, buf, off, len, sec, nsec) => acc.add(v, sec, nsec, v === "XDP_DROP" || v === "XDP_ABORTED" ? buf.subarray(off, off + len) : undefined) : undefined,
        });
      } finally {
        bar?.stop();
        process.off("SIGINT", onSigint);
      }
      if (a["pin-dir"] !== undefined) savePinnedMaps(sim, a["pin-dir"]);
      process.stderr.write(summaryLine(stats, a.out) + "\n");
      if (cov && a.coverage !== undefined) process.stderr.write((await cov.write(a.coverage)) + "\n");
      if (cov && acc && a.report !== undefined) {
        await mkdir(a.report, { recursive: true });
        const file = join(a.report, "report.html");
        await writeFile(file, await renderReport({
          title: `${sim.program.name} on ${basename(a.capture)}`, program: sim.program.name, object: a.object, runs: acc, lineCounts: cov.lineCounts(),
        }));
        process.stderr.write(`xdpsim: report -> ${file}\n`);
      }
      cov?.detach();
      if (stats.interrupted) process.exitCode = 130;
    },
  );
}

/** One-line summary: packets, verdict mix, pps. */
export function summaryLine(s: ReplayStats, out: string): string {
  const mix = (["pass", "drop", "tx", "redirect", "aborted"] as const).map((k) => `${k} ${s[k].packets}`).join(", ");
  const extra = `${s.skipped ? `, skipped ${s.skipped}` : ""}${s.faults ? `, faults ${s.faults}` : ""}`;
  const rate = s.pps >= 1e6 ? `${(s.pps / 1e6).toFixed(2)} Mpps` : `${Math.round(s.pps)} pps`;
  return `xdpsim: ${s.program} (${s.backend}): ${s.packets} packets: ${mix}${extra}; ${rate}${s.interrupted ? " (interrupted)" : ""} -> ${out}/`;
}

async function makeProgressBar(capture: string, wanted: boolean | undefined): Promise<cliProgress.SingleBar | null> {
  if (wanted === false || capture === "-" || (!process.stderr.isTTY && wanted !== true)) return null;
  let size = 0;
  try {
    size = (await stat(capture)).size;
  } catch {
    return null;
  }
  if (wanted !== true && size < 64 << 20) return null;
  // Packet total is unknown up front: estimate from the file size, corrected as the run goes.
  const bar = new cliProgress.SingleBar({ format: "{bar} {value} packets ({percentage}%) {eta_formatted}", stream: process.stderr, etaBuffer: 50 }, cliProgress.Presets.shades_classic);
  bar.start(Math.max(1, Math.round(size / 100)), 0);
  return {
    update: (n: number) => { if (n > bar.getTotal()) bar.setTotal(Math.round(n * 1.1)); bar.update(n); },
    stop: () => bar.stop(),
  } as unknown as cliProgress.SingleBar;
}
