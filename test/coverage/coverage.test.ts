// Coverage of XDP programs: per-instruction counts agree with the executed path, the lcov tracefile
// is consistent and genhtml accepts it (where lcov is installed), `xdpsim test --coverage` writes it.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";
import { loadProgram } from "../../src/index.js";
import { CoverageCollector, resolveSource } from "../../src/coverage/collect-coverage.js";
import { explainPacket } from "../../src/explain/explain-packet.js";
import { buildPacket } from "../../src/testing/build-packet.js";

const FW = join(REPO, "xdp/firewall.o");

describe("coverage", function () {
  this.timeout(180_000);
  const tmp = mkdtempSync(join(tmpdir(), "xdpsim-cov-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const telnet = buildPacket({ ipv4: { src: "10.0.0.10", dst: "10.0.0.5" }, tcp: { dport: 23 } });

  it("counts exactly the instructions the packet executed", async () => {
    const a = await loadProgram(FW, { backend: "interp" });
    const steps = explainPacket(a, telnet).steps;
    const b = await loadProgram(FW, { backend: "interp" });
    const cov = new CoverageCollector();
    cov.attach(b);
    b.runPacket(telnet);
    const counts = cov.instructionCounts().find((c) => c.program === "xdp_firewall")!.counts;
    const want = new Array<number>(counts.length).fill(0);
    for (const s of steps) want[s.pc] += 1;
    expect(counts).to.deep.equal(want);
    cov.detach();
  });

  it("writes a consistent lcov tracefile that marks the telnet rule as run", async () => {
    const p = await loadProgram(FW, { backend: "interp" });
    const cov = new CoverageCollector();
    cov.attach(p);
    await p.runCapture(join(REPO, "pcaps/sample.pcap"), { out: join(tmp, "run") });
    p.runPacket(telnet);
    const line = await cov.write(join(tmp, "cov"));
    expect(line).to.match(/^coverage: lines \d+\/\d+ \(\d+\.\d%\), branches \d+\/\d+ \(\d+\.\d%\), functions \d+\/\d+, instructions \d+\/\d+/);
    const lcov = readFileSync(join(tmp, "cov/lcov.info"), "utf8");
    expect(lcov).to.match(/^SF:.*xdp\/firewall\.bpf\.c$/m);
    const src = readFileSync(join(REPO, "xdp/firewall.bpf.c"), "utf8").split("\n");
    const telnetLine = src.findIndex((l) => l.includes("if (block_telnet && tcp->dest == bpf_htons(23))")) + 1;
    const da = new Map([...lcov.matchAll(/^DA:(\d+),(\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
    expect(da.get(telnetLine)).to.be.greaterThan(0);
    const lf = Number(/^LF:(\d+)$/m.exec(lcov)![1]);
    const lh = Number(/^LH:(\d+)$/m.exec(lcov)![1]);
    expect(lf).to.equal(da.size);
    expect(lh).to.equal([...da.values()].filter((n) => n > 0).length);
    expect(lh).to.be.lessThan(lf);
  });

  it("genhtml accepts the tracefile", function () {
    const probe = spawnSync("genhtml", ["--version"], { encoding: "utf8" });
    if (probe.error) this.skip(); // lcov is not installed here
    const r = spawnSync("genhtml", ["-q", "--branch-coverage", join(tmp, "cov/lcov.info"), "-o", join(tmp, "html")], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(existsSync(join(tmp, "html/index.html"))).to.equal(true);
  });

  it("xdpsim test --coverage DIR writes lcov.info and prints the summary before the closing line", () => {
    const dir = join(tmp, "cli");
    const r = spawnSync(process.execPath, [join(REPO, "dist/src/cli/main.js"), "test", "test/specs/globals.yaml", "--coverage", dir], { cwd: REPO, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.at(-2)).to.match(/^coverage: lines \d+\/\d+/);
    expect(lines.at(-1)).to.match(/^\d+ passed, 0 failed$/);
    expect(readFileSync(join(dir, "lcov.info"), "utf8")).to.match(/SF:.*globals\.bpf\.c/);
  });
});

describe("resolveSource", () => {
  it("keeps a recorded path that exists, else finds the file next to the object", () => {
    const here = join(REPO, "xdp/firewall.bpf.c");
    expect(resolveSource(here, "/elsewhere/firewall.o")).to.equal(here);
    expect(resolveSource("/build/tree/gone/firewall.bpf.c", join(REPO, "xdp/firewall.o"))).to.equal(here);
    expect(resolveSource("/build/tree/gone/nope.bpf.c", join(REPO, "xdp/firewall.o"))).to.equal("/build/tree/gone/nope.bpf.c");
  });
});
