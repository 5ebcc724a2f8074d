// The acceptance of the replay pipeline: for every kernel-recorded fixture, `xdpsim run` under both
// backends gives the kernel's verdict and output bytes packet for packet, and its maps byte for byte.

import { expect } from "chai";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, diffResults, loadManifest, readJsonl, runFixture } from "./kernel-fixtures.js";

const BACKENDS = ["interp", "jit"] as const;

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
