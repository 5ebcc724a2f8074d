// The acceptance of the replay pipeline: for every kernel-recorded fixture, `xdpsim run` under both
// backends gives the kernel's verdict and output bytes packet for packet, and its maps byte for byte.

import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConsts } from "../../src/cli/parse-options.js";
import { openCapture } from "../../src/pcap/open-capture.js";
import { loadObjectFromFile, Simulation } from "../../src/pipeline/create-simulation.js";
import { replayCapture } from "../../src/pipeline/replay-capture.js";
import { FIXTURES, REPO, loadManifest, readJsonl, type KernelFixture, type ResultLine } from "./kernel-fixtures.js";

const BACKENDS = ["interp", "jit"] as const;

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

describe("kernel equivalence (recorded BPF_PROG_TEST_RUN fixtures)", function () {
  this.timeout(600_000);
  const manifest = loadManifest();
  for (const backend of BACKENDS) {
    describe(`backend ${backend}`, () => {
      for (const f of manifest.fixtures) {
        it(`${f.dir}: verdicts, bytes and maps equal the kernel's`, async () => {
          const out = await runFixture(f, backend, f.possible_cpus);
          try {
            const kernel = readJsonl(join(FIXTURES, f.dir, "results.jsonl"));
            const sim = readJsonl(join(out, "results.jsonl"));
            expect(diffResults(kernel, sim), "per-packet differences").to.deep.equal([]);
            const kmaps = JSON.parse(readFileSync(join(FIXTURES, f.dir, "maps.json"), "utf8"));
            const smaps = JSON.parse(readFileSync(join(out, "maps.json"), "utf8"));
            expect(smaps, "maps.json").to.deep.equal(kmaps);
          } finally {
            rmSync(out, { recursive: true, force: true });
          }
        });
      }
    });
  }
});
