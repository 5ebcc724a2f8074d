// `xdpsim live OBJ --iface NAME`: capture from a network interface (libpcap via the optional `cap`
// package) and run every packet through the program as `run` does — same verdict pcaps, stats.json
// and results.jsonl (the run pipeline's sinks) — with a one-line live status on a TTY; --queues N
// spreads packets over N RSS queues like `run --queues`. Ends at --count, --duration or SIGINT.

import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { XDP_VERDICT_NAMES } from "../isa/opcodes.js";
import { openLiveCapture } from "../live/open-live-capture.js";
import type { Simulation } from "../pipeline/create-simulation.js";
import { replayCapture, type ReplayStats } from "../pipeline/replay-capture.js";
import { simulationFromArgs, summaryLine, withProgramOptions, type ProgramArgs } from "./run-command.js";

interface LiveArgs extends ProgramArgs {
  object: string;
  iface: string;
  filter?: string;
  count?: number;
  duration?: number;
  out: string;
  results: boolean;
  "dump-maps": boolean;
  queues?: number;
  unordered: boolean;
}

export function registerLiveCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "live <object>",
    "capture from a network interface (libpcap) and run every packet through an XDP program",
    (y) => withProgramOptions(y.positional("object", { type: "string", demandOption: true, describe: "clang -target bpf ELF object" }))
      .option("iface", { type: "string", demandOption: true, describe: "interface to capture on (needs root or CAP_NET_RAW)" })
      .option("filter", { type: "string", describe: "libpcap filter expression (pcap-filter(7)), e.g. 'udp port 53'" })
      .option("count", { type: "number", describe: "stop after N packets" })
      .option("duration", { type: "number", describe: "stop after S seconds" })
      .option("out", { type: "string", default: "out", describe: "output directory" })
      .option("results", { type: "boolean", default: false, describe: "also write results.jsonl" })
      .option("dump-maps", { type: "boolean", default: false, describe: "also write maps.json" })
      .option("queues", { type: "number", describe: "spread packets over N rx queues by RSS, one worker thread (CPU) each" })
      .option("unordered", { type: "boolean", default: false, describe: "with --queues: write outcomes as queues finish" }),
    async (argv) => {
      const a = argv as unknown as LiveArgs;
      if (a.count !== undefined && (!Number.isInteger(a.count) || a.count < 1)) throw new UsageError(`--count ${a.count}: must be a positive integer`);
      if (a.duration !== undefined && !(a.duration > 0)) throw new UsageError(`--duration ${a.duration}: must be a positive number of seconds`);
      const controller = new AbortController();
      const onSigint = (): void => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
      };
      // Build the program first (verifier errors before any capture starts).
      let sim: Simulation | null = null;
      let parallel: Awaited<ReturnType<typeof import("../parallel/run-parallel.js").startParallel>> | null = null;
      if (a.queues !== undefined) {
        const { parallelProgramFromArgs } = await import("../parallel/parallel-setup.js");
        const { startParallel } = await import("../parallel/run-parallel.js");
        const { prog, queues } = await parallelProgramFromArgs(a.object, a, a.queues);
        parallel = await startParallel(prog, queues);
      } else {
        sim = await simulationFromArgs(a.object, a);
      }
      let capture;
      try {
        capture = openLiveCapture({ iface: a.iface, filter: a.filter, count: a.count, duration: a.duration, signal: controller.signal });
      } catch (e) {
        await parallel?.pool.close();
        throw e;
      }
      process.on("SIGINT", onSigint);
      const counts = [0, 0, 0, 0, 0];
      const status = makeStatus(a.iface, counts);
      process.stderr.write(`xdpsim: live: capturing on ${a.iface}${a.filter ? ` (filter ${JSON.stringify(a.filter)})` : ""}; ${a.count ? `${a.count} packets, ` : ""}${a.duration ? `${a.duration} s, ` : ""}Ctrl-C to stop\n`);
      let stats: ReplayStats;
      try {
        const common = { out: a.out, results: a.results, dumpMaps: a["dump-maps"], signal: controller.signal, onProgress: status.update };
        if (parallel) {
          const { replayParallel } = await import("../parallel/run-parallel.js");
          stats = await replayParallel(parallel, capture, { ...common, unordered: a.unordered, onVerdict: (v) => counts[v]++ });
        } else {
          // Count verdicts for the status line around the simulation's own runPacket.
          const s = sim!;
          const counting = Object.create(s) as Simulation;
          counting.runPacket = (buf, off, len, sec, nsec) => {
            const o = s.runPacket(buf, off, len, sec, nsec);
            counts[o.verdictIndex]++;
            return o;
          };
          stats = await replayCapture(counting, capture, common);
        }
      } finally {
        status.stop();
        capture.close();
        process.off("SIGINT", onSigint);
        await parallel?.pool.close();
      }
      process.stderr.write(summaryLine(stats, a.out) + "\n");
      if (stats.interrupted) process.exitCode = 130;
    },
  );
}

/** `\r`-rewritten status line (TTY only): packets, rate over the last second, verdict mix. */
function makeStatus(iface: string, counts: number[]): { update: (n: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  let packets = 0, lastPackets = 0, lastT = Date.now(), rate = 0, shown = false;
  const draw = (): void => {
    const now = Date.now();
    if (now - lastT >= 1000) {
      rate = ((packets - lastPackets) * 1000) / (now - lastT);
      lastPackets = packets;
      lastT = now;
    }
    const mix = [2, 1, 3, 4, 0].map((v) => `${XDP_VERDICT_NAMES[v].slice(4).toLowerCase()} ${counts[v]}`).join(", ");
    const line = `xdpsim live ${iface}: ${packets} packets, ${Math.round(rate)} pps; ${mix}`;
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 100) - 1)}\x1b[K`);
    shown = true;
  };
  const timer = setInterval(draw, 500);
  return {
    update: (n) => { packets = n; },
    stop: () => { clearInterval(timer); if (shown) process.stderr.write("\r\x1b[K"); },
  };
}
