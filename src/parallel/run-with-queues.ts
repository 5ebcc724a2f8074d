// CLI glue for `run --queues N` and `bench --queues N`: parse options, start the queue workers,
// replay or bench, print the usual summary; incompatible options are refused (exit 2).

import { UsageError } from "../errors.js";
import { openCapture } from "../pcap/open-capture.js";
import { captureArg, summaryLine, type ProgramArgs } from "../cli/run-command.js";
import { parallelProgramFromArgs } from "./parallel-setup.js";
import { benchParallel, replayParallel, startParallel } from "./run-parallel.js";

export interface RunQueuesArgs extends ProgramArgs {
  object: string;
  capture: string;
  out: string;
  results: boolean;
  "dump-maps": boolean;
  trace: boolean;
  queues: number;
  unordered?: boolean;
  "dump-jit"?: string;
  "pin-dir"?: string;
}

export async function runWithQueues(a: RunQueuesArgs): Promise<void> {
  if (a["pin-dir"] !== undefined) throw new UsageError("--pin-dir cannot be combined with --queues");
  if ((a as { report?: string }).report !== undefined) throw new UsageError("--report cannot be combined with --queues");
  if ((a as { coverage?: string }).coverage !== undefined) throw new UsageError("--coverage cannot be combined with --queues (coverage runs on the interpreter in one thread)");
  if ((a as { progress?: boolean }).progress === true) throw new UsageError("--progress cannot be combined with --queues");
  if (a["dump-jit"] !== undefined) throw new UsageError("--dump-jit cannot be combined with --queues (run without it to see the code)");
  const { prog, queues } = await parallelProgramFromArgs(a.object, a, a.queues);
  const source = await openCapture(captureArg(a.capture));
  const ps = await startParallel(prog, queues);
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    const stats = await replayParallel(ps, source, {
      out: a.out, results: a.results, dumpMaps: a["dump-maps"], trace: a.trace, signal: controller.signal, unordered: a.unordered,
    });
    process.stderr.write(`${summaryLine(stats, a.out)} (${queues} queues: ${stats.queue_packets.join("/")})\n`);
    if (stats.interrupted) process.exitCode = 130;
  } finally {
    process.off("SIGINT", onSigint);
    await ps.pool.close();
  }
}

export async function benchWithQueues(a: ProgramArgs & { object: string; capture: string; repeat?: number; json: boolean; queues: number }): Promise<void> {
  const { prog, queues } = await parallelProgramFromArgs(a.object, a, a.queues);
  const source = await openCapture(captureArg(a.capture));
  const ps = await startParallel(prog, queues);
  try {
    const r = await benchParallel(ps, source, a.repeat);
    if (a.json) {
      process.stdout.write(JSON.stringify(r) + "\n");
    } else {
      process.stdout.write(
        `${r.program} (${r.backend}, tag ${r.tag}): ${r.packets} packets over ${queues} queues (${r.queue_packets.join("/")}), ≥ ${r.repeat} repeats\n` +
        `  ${r.ns_per_packet.toFixed(1)} ns/packet aggregate, ${r.mpps.toFixed(2)} Mpps\n` +
        r.per_queue.map((q, i) => `  queue ${i}: ${q.ns_per_packet.toFixed(1)} ns/packet, ${q.mpps.toFixed(2)} Mpps\n`).join("") +
        (r.skipped ? `  ${r.skipped} packets not run (runt/too big/link type)\n` : ""),
      );
    }
  } finally {
    await ps.pool.close();
  }
}
