// `xdpsim explain <object.o> <capture> --packet N`: the path one packet took (instructions with source
// lines, branch registers, helper calls and results, verdict), on the interpreter. README "Explaining a verdict".

import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { XdpProgram } from "../pipeline/xdp-program.js";
import { explainPacket, formatExplanation } from "../explain/explain-packet.js";
import { forEachCapturePacket, type CapturePacket } from "../testing/read-capture-packets.js";
import { formatSummary, summarizePacket } from "../testing/summarize-packet.js";
import { captureArg, simulationFromArgs, withProgramOptions, type ProgramArgs } from "./run-command.js";

export function registerExplainCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "explain <object> <capture>",
    "show the path one packet took: instructions with source lines, branch registers, helper calls, verdict",
    (y) => withProgramOptions(y.positional("object", { type: "string", demandOption: true, describe: "clang -target bpf ELF object" })
      .positional("capture", { type: "string", demandOption: true, describe: "pcap / pcapng file" }))
      .option("packet", { type: "number", demandOption: true, describe: "index of the packet to explain (0-based)" })
      .option("fresh", { type: "boolean", default: false, describe: "do not run the packets before it (maps start as initialised)" }),
    async (argv) => {
      const a = argv as unknown as ProgramArgs & { object: string; capture: string; packet: number; fresh: boolean };
      if (!Number.isInteger(a.packet) || a.packet < 0) throw new UsageError(`--packet ${a.packet}: expected a packet index ≥ 0`);
      const prog = new XdpProgram(await simulationFromArgs(a.object, { ...a, backend: "interp" }));
      const capture = captureArg(a.capture);
      let target: CapturePacket | undefined;
      // Earlier packets run first (without tracing) so maps hold what they held in `xdpsim run`.
      await forEachCapturePacket(capture, (p) => {
        if (p.index === a.packet) { target = p; return false; }
        if (!a.fresh && !p.skipped) prog.runPacket(p.frame, { timestampNs: p.timestampNs });
        return true;
      });
      if (!target) throw new UsageError(`${capture}: --packet ${a.packet}: the capture has fewer packets`);
      const head = `packet ${target.index} (${formatSummary(summarizePacket(target.frame))}, ${target.frame.length} bytes) through ${prog.name}`;
      if (target.skipped) {
        process.stdout.write(`${head}: not run (${target.skipped}: the kernel refuses it)\n`);
        return;
      }
      const x = explainPacket(prog, target.frame, { timestampNs: target.timestampNs });
      process.stdout.write(formatExplanation(prog, x, head));
    },
  );
}
