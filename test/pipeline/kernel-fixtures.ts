// Shared access to the kernel-recorded fixtures (test/kernel/fixtures/MANIFEST.json): each names an
// object, capture and options, and holds the kernel's results.jsonl and maps.json for them.

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConsts } from "../../src/cli/parse-options.js";
import { openCapture } from "../../src/pcap/open-capture.js";
import { loadObjectFromFile, Simulation } from "../../src/pipeline/create-simulation.js";
import { replayCapture } from "../../src/pipeline/replay-capture.js";

export const REPO = new URL("../../../", import.meta.url).pathname;
export const FIXTURES = join(REPO, "test/kernel/fixtures");

export interface KernelFixture {
  dir: string;
  object: string;
  prog: string | null;
  capture: string;
  options: { prog: string | null; map_init: string | null; const: string[]; ifindex: number; rx_queue: number };
  xdpsim_run: string[];
  packets: number;
  possible_cpus: number;
}

export function loadManifest(): { fixtures: KernelFixture[] } {
  return JSON.parse(readFileSync(join(FIXTURES, "MANIFEST.json"), "utf8"));
}

export interface ResultLine {
  index: number;
  action?: number;
  verdict?: string;
  len_in?: number;
  len_out?: number;
  out?: string;
  error?: string;
  fault?: string;
}

export function readJsonl(path: string): ResultLine[] {
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as ResultLine);
}

/** Run a fixture's object and capture through the simulator; returns the output directory. */
export async function runFixture(f: KernelFixture, backend: "interp" | "jit", ncpus: number): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "xdpsim-eq-"));
  const consts = parseConsts(f.options.const);
  const obj = await loadObjectFromFile(join(REPO, f.object), consts.size ? consts : undefined);
  const sim = new Simulation(obj, {
    ...(f.options.prog ? { prog: f.options.prog } : {}),
    backend,
    ncpus,
    ifindex: f.options.ifindex,
    rxQueue: f.options.rx_queue,
    ...(f.options.map_init ? { mapInit: { doc: JSON.parse(readFileSync(join(REPO, f.options.map_init), "utf8")), source: f.options.map_init } } : {}),
  });
  await replayCapture(sim, await openCapture(join(REPO, f.capture)), { out, results: true, dumpMaps: true });
  return out;
}

/** Compare per packet; returns a readable description of the first mismatches (empty when equal). */
export function diffResults(kernel: ResultLine[], sim: ResultLine[]): string[] {
  const problems: string[] = [];
  if (kernel.length !== sim.length) problems.push(`kernel has ${kernel.length} result lines, simulator ${sim.length}`);
  for (let i = 0; i < Math.min(kernel.length, sim.length) && problems.length < 5; i++) {
    const k = kernel[i];
    const s = sim[i];
    const fields = ["index", "action", "verdict", "len_in", "len_out", "out", "error"] as const;
    for (const key of fields) {
      if (k[key] !== s[key]) {
        const kv = String(k[key]).slice(0, 80);
        const sv = String(s[key]).slice(0, 80);
        problems.push(`packet ${k.index}: ${key}: kernel ${kv} vs simulator ${sv}${s.fault ? ` (fault: ${s.fault})` : ""}`);
        break;
      }
    }
  }
  return problems;
}
