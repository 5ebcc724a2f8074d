// `xdpsim test --report DIR`: a self-contained HTML report (verdict mix, pps over the capture, top
// dropped flows, source heat) with inline SVG and no external resources; rendered in a headless browser where one exists.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";

const BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "firefox"];

function findBrowser(): string | null {
  for (const b of BROWSERS) {
    const r = spawnSync(b, ["--version"], { encoding: "utf8" });
    if (!r.error && r.status === 0) return b;
  }
  return null;
}

describe("xdpsim test --report", function () {
  this.timeout(180_000);
  const tmp = mkdtempSync(join(tmpdir(), "xdpsim-report-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  let html = "";

  before(() => {
    const r = spawnSync(process.execPath, [join(REPO, "dist/src/cli/main.js"), "test", "test/specs/firewall.yaml", "--report", tmp], { cwd: REPO, encoding: "utf8" });
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    html = readFileSync(join(tmp, "firewall.html"), "utf8");
  });

  it("holds the verdict mix, pps chart, dropped flows and source heat, self-contained", () => {
    expect(html).to.match(/^<!DOCTYPE html>/);
    for (const v of ["XDP_PASS", "XDP_DROP", "XDP_TX", "XDP_REDIRECT", "XDP_ABORTED"]) expect(html).to.include(`data-verdict="${v}"`);
    expect((html.match(/class="pps"/g) ?? []).length).to.be.greaterThan(10);
    expect(html).to.match(/<table id="dropped">.*<td>XDP_DROP<\/td><td>icmp 192\.0\.2\.99 &gt; 10\.0\.0\.5 type 8<\/td>/s);
    expect(html).to.match(/background:rgba\(255,140,0,[0-9.]+\)"><td class="ln">\d+<\/td><td class="n">\d+<\/td><td><code>.*block_telnet/);
    // Nothing fetched from elsewhere: no scripts, links or remote URLs (the SVG namespace is not a fetch).
    expect(html).to.not.match(/<script|<link|src="http|href="http/);
  });

  it("is well-formed: every element closed in order (python3 html.parser)", function () {
    const py = "import sys\nfrom html.parser import HTMLParser\nVOID={'meta','br','img','hr','input','link'}\n" +
      "class P(HTMLParser):\n  def __init__(s):\n    super().__init__(); s.st=[]; s.n=0\n" +
      "  def handle_starttag(s,t,a):\n    s.n+=1\n    if t not in VOID: s.st.append(t)\n" +
      "  def handle_startendtag(s,t,a): s.n+=1\n" +
      "  def handle_endtag(s,t):\n    assert s.st and s.st[-1]==t, (t, s.st[-3:])\n    s.st.pop()\n" +
      "p=P(); p.feed(open(sys.argv[1]).read()); assert not p.st, p.st; print(p.n)";
    const r = spawnSync("python3", ["-c", py, join(tmp, "firewall.html")], { encoding: "utf8" });
    if (r.error) this.skip(); // no python3 here
    expect(r.stderr).to.equal("");
    expect(Number(r.stdout)).to.be.greaterThan(500);
  });

  it("renders in a headless browser", function () {
    const b = findBrowser();
    if (!b) {
      console.log(`      (skipped: no headless browser installed — looked for ${BROWSERS.join(", ")})`);
      this.skip();
    }
    const args = b!.includes("firefox") ? ["--headless", "--screenshot", join(tmp, "shot.png"), `file://${join(tmp, "firewall.html")}`]
      : ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", `file://${join(tmp, "firewall.html")}`];
    const r = spawnSync(b!, args, { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    if (!b!.includes("firefox")) {
      expect(r.stdout).to.include('<svg id="verdict-mix"');
      expect(r.stdout).to.include('<svg id="pps"');
    }
  });
});
