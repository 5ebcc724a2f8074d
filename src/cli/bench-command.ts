// `xdpsim bench <object.o> <capture>`: packets per second of a program on in-memory packets,
// as CONTRACT.md specifies (--repeat, --json); no output pcaps.

import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { openCapture } from "../pcap/open-capture.js";
import { benchProgram, loadPacketSet } from "../pipeline/bench-program.js";
import { captureArg, simulationFromArgs, withProgramOptions, type ProgramArgs } from "./run-command.js";

export function registerBenchCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "bench <object> <capture>",
    "measure ns/packet and Mpps of a program on a capture's packets (in memory, no outputs)",
    (y) => withProgramOptions(y.positional("object", { type: "string", demandOption: true })
      .positional("capture", { type: "string", demandOption: true }))
      .option("repeat", { type: "number", describe: "passes over the capture (default: enough for ≥ 1 s)" })
      .option("json", { type: "boolean", default: false, describe: "print one JSON object" })
      .option("queues", { type: "number", describe: "spread packets over N rx queues by RSS, one worker thread (CPU) each" }),
    async (argv) => {
      if ((argv as { queues?: number }).queues !== undefined) return (await import("../parallel/run-with-queues.js")).benchWithQueues(argv as never);
      const a = argv as unknown as ProgramArgs & { object: string; capture: string; repeat?: number; json: boolean };
      if (a.repeat !== undefined && (!Number.isInteger(a.repeat) || a.repeat < 1)) throw new UsageError(`--repeat ${a.repeat}: must be a positive integer`);
      const sim = await simulationFromArgs(a.object, a);
      const set = await loadPacketSet(await openCapture(captureArg(a.capture)));
      const r = benchProgram(sim, set, a.repeat);
      if (a.json) {
        process.stdout.write(JSON.stringify(r) + "\n");
      } else {
        const b = r.batch_ns_per_packet;
        process.stdout.write(
          `${r.program} (${r.backend}, tag ${r.tag}): ${r.packets} packets x ${r.repeat} repeats\n` +
          `  ${r.ns_per_packet.toFixed(1)} ns/packet, ${r.mpps.toFixed(2)} Mpps\n` +
          `  per-batch ns/packet: p50 ${b.p50.toFixed(1)}, p90 ${b.p90.toFixed(1)}, p99 ${b.p99.toFixed(1)} (batches of ${r.batch_size})\n` +
          (r.skipped ? `  ${r.skipped} packets not run (runt/too big/link type)\n` : ""),
        );
      }
    },
  );
}
