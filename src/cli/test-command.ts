// `xdpsim test SPEC...`: run regression specs (YAML/JSON) against XDP programs; prints per-case
// results with diffs and `N passed, M failed`; exit 0/1 (2 on a bad spec); --junit, --update, --coverage, --report. README "Regression tests".

import { writeFile } from "node:fs/promises";
import type { Argv } from "yargs";
import { loadSpec } from "../testing/load-spec.js";
import { runSpec, type SpecResult } from "../testing/run-spec.js";
import { formatJunit } from "../testing/format-junit.js";
import { CoverageCollector } from "../coverage/collect-coverage.js";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { renderReport } from "../report/render-report.js";

interface TestArgs {
  spec: string[];
  junit?: string;
  update: boolean;
  backend?: "jit" | "interp";
  coverage?: string;
  report?: string;
}

export function registerTestCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "test <spec..>",
    "run regression specs (YAML/JSON: object, input, expected verdicts/bytes/maps); exit 1 on a mismatch",
    (y) => y.positional("spec", { type: "string", array: true, demandOption: true, describe: "spec files (.yaml, .yml, .json)" })
      .option("junit", { type: "string", describe: "also write JUnit XML to FILE" })
      .option("update", { type: "boolean", default: false, describe: "(re)write golden files instead of comparing" })
      .option("backend", { choices: ["jit", "interp"] as const, describe: "override the specs' backend" })
      .option("coverage", { type: "string", describe: "write lcov.info + coverage.json to DIR (runs on the interpreter)" })
      .option("report", { type: "string", describe: "write a self-contained HTML report per spec to DIR (runs on the interpreter)" }),
    async (argv) => {
      const a = argv as unknown as TestArgs;
      // Validate every spec before running any: a bad spec is bad input (exit 2, one line).
      const specs = [];
      for (const f of a.spec) specs.push(await loadSpec(f));
      const results: SpecResult[] = [];
      const cov = a.coverage !== undefined ? new CoverageCollector() : null;
      if (a.report !== undefined) await mkdir(a.report, { recursive: true });
      for (const s of specs) {
        // One collector per spec (the report's heat); --coverage gathers them all into one lcov.
        const heat = cov || a.report !== undefined ? new CoverageCollector() : null;
        const r = await runSpec(s, {
          update: a.update,
          ...(a.backend && { backend: a.backend }),
          ...(heat && { backend: "interp" as const, onProgram: (p) => heat.attach(p) }),
        });
        heat?.detach();
        results.push(r);
        if (heat) cov?.absorb(heat);
        if (heat && a.report !== undefined) {
          const file = join(a.report!, `${basename(s.file).replace(/\.[^.]*$/, "")}.html`);
          await writeFile(file, await renderReport({ title: s.name, program: r.program, object: s.object, runs: r.runs, lineCounts: heat.lineCounts(), cases: r.cases }));
        }
        process.stdout.write(formatSpecResult(r));
      }
      const failed = results.reduce((n, r) => n + r.cases.filter((c) => !c.ok).length, 0);
      const passed = results.reduce((n, r) => n + r.cases.filter((c) => c.ok).length, 0);
      if (a.junit) await writeFile(a.junit, formatJunit(results));
      if (cov) process.stdout.write((await cov.write(a.coverage!)) + "\n");
      process.stdout.write(`${passed} passed, ${failed} failed\n`);
      process.exitCode = failed ? 1 : 0;
    },
  );
}

/** The terminal block of one spec: header, ✓/✗ per case, indented diff lines. */
export function formatSpecResult(r: SpecResult): string {
  const lines = [`${r.spec.name} (${r.program}, ${r.runs.length} packets)`];
  for (const c of r.cases) {
    lines.push(`  ${c.ok ? "✓" : "✗"} ${c.name}${c.updated ? ` (updated ${c.updated})` : ""}`);
    for (const f of c.failures) lines.push(`      ${f}`);
  }
  return lines.join("\n") + "\n";
}
