// Program-only JIT benchmark (not part of npm test): CPU ns/packet of Simulation.runPacket over a
// capture minus the same loop with a no-op executor (packet set-up). Uses the verifier's facts, as `run`.
// Run: npx tsc -p . && node dist/test/exec/jit/bench-program.js [object.o] [capture.pcap] [seconds] [backend]

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { Executor } from "../../../src/exec/backend.js";
import { loadObject } from "../../../src/loader/load-object.js";
import { Simulation } from "../../../src/pipeline/create-simulation.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

function readFrames(file: string): Uint8Array[] {
  const b = new Uint8Array(readFileSync(file));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Uint8Array[] = [];
  for (let p = 24; p + 16 <= b.length;) {
    const caplen = dv.getUint32(p + 8, true);
    p += 16;
    if (caplen >= 14 && caplen <= 3520) out.push(b.subarray(p, p + caplen));
    p += caplen;
  }
  return out;
}

const objFile = process.argv[2] ?? path.join(ROOT, "test/exec/jit/fixtures/small-fw.o");
const capFile = process.argv[3] ?? path.join(ROOT, "pcaps/sample.pcap");
const seconds = Number(process.argv[4] ?? 1);
const backend = (process.argv[5] ?? "jit") as "jit" | "interp";
const frames = readFrames(capFile);
const bytes = new Uint8Array(readFileSync(objFile));
const t0 = performance.now();
const sim = new Simulation(loadObject(bytes, objFile), { backend });
if (backend === "jit") (sim.exec as unknown as { module(i: number): unknown }).module(sim.progIndex);
const loadMs = performance.now() - t0;

function pass(): void {
  for (let k = 0; k < frames.length; k++) { const f = frames[k]; sim.runPacket(f, 0, f.length, 1, k); }
}
/** CPU ns/packet: the best of ~25 ms windows over `secs` (the machine is shared: the minimum is steadiest). */
function cpu(secs: number): number {
  const t = performance.now();
  while (performance.now() - t < 200) pass();
  let best = Infinity;
  const t0 = performance.now();
  while (performance.now() - t0 < secs * 1000) {
    let runs = 0;
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    while (performance.now() - t1 < 25) { pass(); runs++; }
    const c = process.cpuUsage(c1);
    best = Math.min(best, ((c.user + c.system) * 1e3) / (runs * frames.length));
  }
  return best;
}
const verdicts = frames.map((f, k) => { const o = sim.runPacket(f, 0, f.length, 1, k); return o.fault ?? o.verdict; });
const counts: Record<string, number> = {};
for (const v of verdicts) counts[v] = (counts[v] ?? 0) + 1;
const real = sim.exec;
const noop: Executor = { backend: "jit", run(_p, a) { a[0] = 2; a[1] = 0; } };
const full: number[] = [], setup: number[] = [];
const REPS = process.env.FULL_ONLY ? 0 : 5;
if (process.env.FULL_ONLY) { (sim as unknown as { exec: Executor }).exec = real; console.log("full", cpu(seconds)); }
for (let rep = 0; rep < REPS; rep++) {
  (sim as unknown as { exec: Executor }).exec = real;
  full.push(cpu(seconds));
  (sim as unknown as { exec: Executor }).exec = noop;
  setup.push(cpu(seconds / 2));
}
const med = (a: number[]): number => Math.min(...a);
console.log(JSON.stringify({
  object: path.relative(ROOT, objFile), backend, load_ms: +loadMs.toFixed(1),
  full_ns: full.map((x) => +x.toFixed(1)), setup_ns: setup.map((x) => +x.toFixed(1)),
  program_ns: +(med(full) - med(setup)).toFixed(1), verdicts: counts,
}));
if (process.env.DUMP) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(process.env.DUMP, (real as unknown as { source(i: number): string }).source(sim.progIndex));
}
