// `xdpsim bench-report` (`npm run bench`): interpreter, JIT and kernel side by side for every example
// program, load/verify/JIT times and end-to-end runs, into reports/benchmarks.md + benchmarks.json.

import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { runBenchReport } from "../pipeline/bench-report.js";

export function registerBenchReportCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "bench-report",
    "benchmark every example program (interpreter, JIT, kernel) and write reports/benchmarks.md + .json",
    (y) => y
      .option("quick", { type: "boolean", default: false, describe: "short runs (rough numbers)" })
      .option("out-dir", { type: "string", describe: "where to write the reports (default: <repo>/reports)" })
      .option("program", { type: "string", array: true, describe: "only these example programs (xdp/NAME.o)" })
      .option("kernel", { type: "boolean", default: true, describe: "also run BPF_PROG_TEST_RUN where possible (--no-kernel to skip)" })
      .option("e2e-packets", { type: "number", describe: "packets of the generated end-to-end capture (0 skips; default 1M, quick 100k)" }),
    async (argv) => {
      const a = argv as unknown as { quick: boolean; "out-dir"?: string; program?: string[]; kernel: boolean; "e2e-packets"?: number };
      const e2e = a["e2e-packets"];
      if (e2e !== undefined && (!Number.isInteger(e2e) || e2e < 0)) throw new UsageError(`--e2e-packets ${e2e}: must be a non-negative integer`);
      const r = await runBenchReport({
        quick: a.quick,
        kernel: a.kernel,
        ...(a["out-dir"] !== undefined ? { outDir: a["out-dir"] } : {}),
        ...(a.program !== undefined ? { programs: a.program } : {}),
        ...(e2e !== undefined ? { e2ePackets: e2e } : {}),
        log: (l) => process.stderr.write(`bench-report: ${l}\n`),
      });
      for (const t of r.targets) {
        process.stdout.write(`${t.met === null ? "n/a   " : t.met ? "met   " : "MISSED"} ${t.name}: ${t.value} (target ${t.target})\n`);
      }
    },
  );
}
