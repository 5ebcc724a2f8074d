// `xdpsim bench-report` (npm run bench): the report code in quick mode on one program into a temp
// dir; checks the JSON shape and that the markdown names every section (no timing assertions).

import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBenchReport, type BenchReport } from "../../src/pipeline/bench-report.js";
import { REPO } from "./kernel-fixtures.js";

describe("bench-report", function () {
  this.timeout(300_000);
  let dir = "";
  let report: BenchReport;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "xdpsim-bench-report-"));
    report = await runBenchReport({ root: REPO, outDir: dir, quick: true, programs: ["firewall"], captures: ["pcaps/sample.pcap"], kernel: false, e2ePackets: 2000 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes benchmarks.json with the report's shape", () => {
    const j = JSON.parse(readFileSync(join(dir, "benchmarks.json"), "utf8")) as BenchReport;
    expect(j).to.include.keys("date", "quick", "command", "machine", "kernel_bench", "programs", "interpreter_firewall_mpps", "end_to_end", "targets");
    expect(j.quick).to.equal(true);
    expect(j.machine).to.include.keys("cpu", "cores", "node", "kernel");
    expect(j.kernel_bench.available).to.equal(false);
    expect(j.programs).to.have.length(1);
    const p = j.programs[0];
    expect(p).to.include({ name: "firewall", object: "xdp/firewall.o", program: "xdp_firewall" });
    for (const k of ["insns", "load_ms", "verify_ms", "load_verify_jit_ms", "verifier_processed_insns"] as const) expect(p[k]).to.be.a("number").and.be.greaterThan(0);
    expect(p.captures).to.have.length(1);
    const c = p.captures[0];
    expect(c.capture).to.equal("pcaps/sample.pcap");
    expect(c.packets).to.equal(217);
    expect(c.interp_ns_per_packet).to.be.greaterThan(0);
    expect(c.jit_ns_per_packet).to.be.greaterThan(0);
    expect(c.kernel_ns_per_packet).to.equal(null);
    expect(c.jit_vs_kernel).to.equal(null);
    expect(c.commands.jit).to.contain("xdpsim bench xdp/firewall.o pcaps/sample.pcap");
    expect(j.interpreter_firewall_mpps).to.be.a("number");
    if (j.end_to_end === null) {
      // The child `xdpsim run` can fail on a checkout whose dist/ is being rebuilt: then the reason is recorded.
      expect(j.end_to_end_error).to.be.a("string");
    } else {
      expect(j.end_to_end.packets).to.equal(2000);
      expect(j.end_to_end.run_all_outputs.loop_mpps).to.be.a("number");
    }
    expect(j.targets.map((t) => t.name)).to.include.members(["interpreter, firewall", "load + verify + JIT of a 1,000-insn program"]);
    for (const t of j.targets) expect(t).to.include.keys("name", "target", "value", "met", "detail");
  });

  it("writes benchmarks.md with every section", () => {
    expect(existsSync(join(dir, "benchmarks.md"))).to.equal(true);
    const md = readFileSync(join(dir, "benchmarks.md"), "utf8");
    for (const h of ["## Targets", "## Per program", "## Load, verification and JIT time", "## End to end", "## Reproducing each figure"]) expect(md).to.contain(h);
    expect(md).to.contain("| firewall | sample.pcap |");
  });
});
