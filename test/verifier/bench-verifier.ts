// Verification time per example program: cold (the first verifyProgram call in a fresh process,
// measured in a child process) and warm (median of repeated calls), at log level 0, root.
//
//   node dist/test/verifier/bench-verifier.js [--runs N] [--corpus] [FILTER]
//
// --corpus also times every corpus program (warm) and lists the slowest ones.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadObject } from "../../src/loader/load-object.js";
import { verifyProgram } from "../../src/verifier/verify-program.js";
import { corpusDir, loadExpected } from "./corpus-cases.js";

const root = path.resolve(fs.realpathSync(corpusDir()), "../../..");

function load(file: string) {
  return loadObject(new Uint8Array(fs.readFileSync(file)), path.basename(file));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Child mode: time one first call and print the milliseconds. */
function coldOne(file: string, prog: number, unpriv: boolean): void {
  const obj = load(file);
  const t0 = performance.now();
  verifyProgram(obj, prog, { logLevel: 0, unprivileged: unpriv });
  console.log((performance.now() - t0).toFixed(2));
}

function warm(run: () => unknown, runs: number): { median: number; min: number } {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    run();
    ts.push(performance.now() - t0);
  }
  return { median: median(ts), min: Math.min(...ts) };
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === "--cold-one") { coldOne(args[1], Number(args[2]), args[3] === "1"); return; }
  let runs = 15;
  let corpus = false;
  let filter = "";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--runs") runs = Number(args[++i]);
    else if (args[i] === "--corpus") corpus = true;
    else filter = args[i];
  }
  const self = fileURLToPath(import.meta.url);
  console.log("program                          insns  processed   cold ms   warm median ms (min)");
  const xdpDir = path.join(root, "xdp");
  for (const f of fs.readdirSync(xdpDir).filter((n) => n.endsWith(".o")).sort()) {
    const file = path.join(xdpDir, f);
    const obj = load(file);
    obj.programs.forEach((p, i) => {
      const name = `${f}:${p.name}`;
      if (filter && !name.includes(filter)) return;
      const child = spawnSync(process.execPath, [self, "--cold-one", file, String(i), "0"], { encoding: "utf8" });
      const cold = Number(child.stdout.trim());
      const r = verifyProgram(obj, i, { logLevel: 0 });
      const w = warm(() => verifyProgram(obj, i, { logLevel: 0 }), runs);
      console.log(`${name.padEnd(32)} ${String(p.insns.length).padStart(5)} ${String(r.processedInsns).padStart(10)} ` +
        `${cold.toFixed(1).padStart(9)} ${w.median.toFixed(2).padStart(12)} (${w.min.toFixed(2)})`);
    });
  }
  if (!corpus) return;
  const expected = loadExpected();
  const dir = corpusDir();
  const rows: { name: string; ms: number; processed: number }[] = [];
  for (const name of Object.keys(expected).sort()) {
    const e = expected[name];
    const obj = load(path.join(dir, name));
    let idx = e.prog ? obj.programs.findIndex((p) => p.name === e.prog) : 0;
    if (idx < 0) idx = 0;
    const opts = { logLevel: 0 as const, unprivileged: e.mode === "unpriv" };
    const r = verifyProgram(obj, idx, opts);
    const w = warm(() => verifyProgram(obj, idx, opts), Math.max(3, Math.min(runs, 5)));
    rows.push({ name, ms: w.median, processed: r.processedInsns });
  }
  rows.sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((a, r) => a + r.ms, 0);
  console.log(`\ncorpus: ${rows.length} programs, ${total.toFixed(0)} ms in all (warm medians); slowest:`);
  for (const r of rows.slice(0, 8)) console.log(`  ${r.name.padEnd(40)} ${String(r.processed).padStart(8)} insns ${r.ms.toFixed(2).padStart(9)} ms`);
}

main();
