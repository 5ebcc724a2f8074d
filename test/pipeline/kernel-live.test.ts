// Live oracle: where this machine lets us load BPF (root, bpf(2), libbpf, python3), record the
// kernel right now with test/kernel/record-kernel.py and demand the simulator's results equal it.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countPossibleCpus } from "../../src/runtime/count-possible-cpus.js";
import { REPO, diffResults, loadManifest, readJsonl, runFixture } from "./kernel-fixtures.js";

const RECORD = join(REPO, "test/kernel/record-kernel.py");
/** A spread of programs and options: the demo, calls + devmap map-init, head/meta moves, frags, v4, tail calls. */
const LIVE = ["firewall/sample", "lb/sample+devmap", "adjust/sample+vlan_meta", "frags/gso-ipv4-vxlan-ipv4", "v4/mixed-subset", "tailcall/sample"];

/** Why the live kernel cannot be used here, or null when it can. */
function unavailable(): string | null {
  if (process.getuid?.() !== 0) return "not root: loading BPF programs needs CAP_BPF";
  const py = spawnSync("python3", ["-c", "import ctypes; ctypes.CDLL('libbpf.so.1')"], { encoding: "utf8" });
  if (py.status !== 0) return "python3 with libbpf.so.1 is not available";
  const out = mkdtempSync(join(tmpdir(), "xdpsim-probe-"));
  try {
    const r = spawnSync("python3", [RECORD, join(REPO, "xdp/globals.o"), join(REPO, "test/kernel/captures/4in4.pcap"), out], { encoding: "utf8", timeout: 60_000 });
    return r.status === 0 ? null : `the kernel refused a test load (bpf() unavailable?): ${r.stderr.trim().split("\n").pop()}`;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe("live kernel comparison (record-kernel.py now vs the simulator)", function () {
  this.timeout(300_000);
  const reason = unavailable();
  const fixtures = loadManifest().fixtures.filter((f) => LIVE.includes(f.dir));

  it("has every live case in the fixture manifest", () => {
    expect(fixtures.map((f) => f.dir).sort()).to.deep.equal([...LIVE].sort());
  });

  for (const f of fixtures) {
    it(`${f.dir}: the kernel recorded now and both backends agree${reason ? ` (skipped: ${reason})` : ""}`, async function () {
      if (reason) this.skip();
      const kout = mkdtempSync(join(tmpdir(), "xdpsim-live-"));
      try {
        const args = [RECORD, join(REPO, f.object), join(REPO, f.capture), kout];
        if (f.options.prog) args.push("--prog", f.options.prog);
        if (f.options.map_init) args.push("--map-init", join(REPO, f.options.map_init));
        for (const c of f.options.const) args.push("--const", c);
        const r = spawnSync("python3", args, { encoding: "utf8", timeout: 120_000 });
        expect(r.status, r.stderr).to.equal(0);
        const kernel = readJsonl(join(kout, "results.jsonl"));
        const kmaps = JSON.parse(readFileSync(join(kout, "maps.json"), "utf8"));
        for (const backend of ["interp", "jit"] as const) {
          const sout = await runFixture(f, backend, countPossibleCpus());
          try {
            expect(diffResults(kernel, readJsonl(join(sout, "results.jsonl"))), backend).to.deep.equal([]);
            expect(JSON.parse(readFileSync(join(sout, "maps.json"), "utf8")), `${backend} maps.json`).to.deep.equal(kmaps);
          } finally {
            rmSync(sout, { recursive: true, force: true });
          }
        }
      } finally {
        rmSync(kout, { recursive: true, force: true });
      }
    });
  }
});
