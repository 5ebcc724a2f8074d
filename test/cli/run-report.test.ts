// `xdpsim run --coverage DIR --report DIR` (issue #7): lcov + summary of a whole capture replay, and a
// self-contained HTML report streamed in bounded memory, looked at in a headless browser where one exists.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";

const CLI = join(REPO, "dist/src/cli/main.js");
const BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

function has(cmd: string, arg = "--version"): boolean {
  const r = spawnSync(cmd, [arg], { encoding: "utf8" });
  return !r.error && r.status === 0;
}

describe("xdpsim run --coverage / --report", function () {
  this.timeout(180_000);
  const tmp = mkdtempSync(join(tmpdir(), "xdpsim-run-report-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  let stderr = "";
  let stats: { packets: number; backend: string; drop: { packets: number }; pass: { packets: number } };

  before(() => {
    const r = spawnSync(process.execPath, [CLI, "run", "xdp/firewall.o", "pcaps/mixed.pcap", "--out", join(tmp, "out"),
      "--coverage", join(tmp, "cov"), "--report", join(tmp, "rep")], { cwd: REPO, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    stderr = r.stderr;
    stats = JSON.parse(readFileSync(join(tmp, "out", "stats.json"), "utf8"));
  });

  it("runs on the interpreter, says so, and prints the coverage summary", () => {
    expect(stats.backend).to.equal("interp");
    expect(stderr).to.include("--coverage runs on the interpreter");
    expect(stderr).to.match(/coverage: lines (\d+)\/(\d+) \([\d.]+%\), branches \d+\/\d+ .* -> .*cov\/lcov\.info/);
    const [, hit, found] = /coverage: lines (\d+)\/(\d+)/.exec(stderr)!.map(Number);
    expect(hit).to.be.greaterThan(0.5 * found);
  });

  it("writes an lcov tracefile of the firewall source with line, branch and function records", function () {
    const lcov = readFileSync(join(tmp, "cov", "lcov.info"), "utf8");
    expect(lcov).to.match(/^TN:/);
    // The path BTF recorded at compile time, or the source next to the object when that one is gone.
    const sf = /^SF:(.*\/xdp\/firewall\.bpf\.c)$/m.exec(lcov);
    expect(sf, "SF record of firewall.bpf.c").to.not.equal(null);
    expect(existsSync(sf![1]), sf![1]).to.equal(true);
    expect(lcov).to.match(/FNDA:\d+,xdp_firewall/);
    expect(lcov).to.match(/DA:\d+,[1-9]\d*/);
    expect(lcov).to.match(/BRDA:\d+,\d+,[01],\d+/);
    const cov = JSON.parse(readFileSync(join(tmp, "cov", "coverage.json"), "utf8"));
    expect(cov.programs[0].counts.reduce((a: number, n: number) => Math.max(a, n), 0)).to.be.at.least(stats.packets - 100);
    if (!has("genhtml")) {
      console.log("      (genhtml check skipped: lcov is not installed)");
      return;
    }
    const g = spawnSync("genhtml", ["-q", "-o", join(tmp, "html"), join(tmp, "cov", "lcov.info")], { encoding: "utf8" });
    expect(g.status, g.stderr).to.equal(0);
  });

  it("writes report.html with the run's verdict mix, pps chart, dropped flows and source heat", () => {
    const html = readFileSync(join(tmp, "rep", "report.html"), "utf8");
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html).to.include(`— ${stats.packets} packets`);
    expect(html).to.match(new RegExp(`data-verdict="XDP_DROP".*?>${stats.drop.packets} \\(`, "s"));
    expect(html).to.match(new RegExp(`data-verdict="XDP_PASS".*?>${stats.pass.packets} \\(`, "s"));
    expect((html.match(/class="pps"/g) ?? []).length).to.be.greaterThan(30);
    expect(html).to.match(/<table id="dropped">.*<td>XDP_DROP<\/td><td>(udp|tcp|icmp) /s);
    expect(html).to.match(/background:rgba\(255,140,0,[0-9.]+\)"><td class="ln">\d+<\/td><td class="n">\d+<\/td>/);
    expect(html).to.not.match(/<script|<link|src="http|href="http/);
  });

  it("renders in a headless browser", function () {
    const b = BROWSERS.find((x) => has(x));
    if (!b) {
      console.log(`      (skipped: no headless browser installed — looked for ${BROWSERS.join(", ")})`);
      this.skip();
    }
    const r = spawnSync(b!, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", `file://${join(tmp, "rep", "report.html")}`], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('<svg id="verdict-mix"');
    expect(r.stdout).to.include('<svg id="pps"');
    expect(r.stdout).to.include('<table id="dropped">');
  });
});
