// `xdpsim test` and the spec runner: the example specs of every program under xdp/ pass, mismatches
// give readable diffs and exit 1, bad specs exit 2 naming file and place, JUnit reads back, regressions show.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";
import { loadSpec } from "../../src/testing/load-spec.js";
import { runSpec } from "../../src/testing/run-spec.js";
import { buildPacket } from "../../src/testing/build-packet.js";
import { compileFilter, runFilter } from "../../src/testing/compile-filter.js";
import { formatSummary, summarizePacket } from "../../src/testing/summarize-packet.js";

const CLI = join(REPO, "dist/src/cli/main.js");
const SPECS = join(REPO, "test/specs");

function xdpsim(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function hasTool(cmd: string, args: string[] = ["--version"]): boolean {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return !r.error;
}

describe("xdpsim test: example specs", function () {
  this.timeout(180_000);
  const files = readdirSync(SPECS).filter((f) => /\.ya?ml$|\.json$/.test(f) && !f.endsWith(".schema.json"));
  it("has a spec for every program under xdp/", () => {
    const progs = readdirSync(join(REPO, "xdp")).filter((f) => f.endsWith(".bpf.c")).map((f) => f.replace(".bpf.c", ""));
    for (const p of progs) expect(files, p).to.include(`${p}.yaml`);
  });
  it("every example spec follows src/testing/spec.schema.json (python3 jsonschema)", async function () {
    const probe = spawnSync("python3", ["-c", "import jsonschema"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) this.skip(); // no python3 / jsonschema module here
    const { load } = await import("js-yaml");
    const docs = files.map((f) => load(readFileSync(join(SPECS, f), "utf8")));
    const py = "import sys, json, jsonschema\nschema = json.load(open(sys.argv[1]))\n" +
      "jsonschema.Draft202012Validator.check_schema(schema)\nfor d in json.load(sys.stdin): jsonschema.validate(d, schema)\nprint('ok')";
    const r = spawnSync("python3", ["-c", py, join(REPO, "src/testing/spec.schema.json")], { input: JSON.stringify(docs), encoding: "utf8" });
    expect(r.stderr).to.equal("");
    expect(r.stdout.trim()).to.equal("ok");
  });
  for (const f of files) {
    it(`${f} passes`, async function () {
      if (!hasTool("tcpdump")) this.skip(); // filters are compiled by tcpdump -ddd
      const r = await runSpec(await loadSpec(join(SPECS, f)));
      const bad = r.cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.failures.join("; ")}`);
      expect(bad).to.deep.equal([]);
    });
  }
});

describe("xdpsim test: command line", function () {
  this.timeout(180_000);
  const tmp = mkdtempSync(join(tmpdir(), "xdpsim-test-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const spec = (name: string, text: string): string => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };

  it("prints a diff with index, summary, expected and actual, and exits 1", () => {
    const p = spec("bad.yaml", [
      `object: ${join(REPO, "xdp/firewall.o")}`,
      "packets:",
      "  - name: telnet",
      "    ipv4: { src: 10.0.0.10, dst: 10.0.0.5 }",
      "    tcp: { sport: 40000, dport: 23 }",
      "    expect: { verdict: XDP_PASS, out: '00' }",
      "expect:",
      "  - { match: { proto: tcp }, verdict: drop }",
    ].join("\n"));
    const r = xdpsim(["test", p, "--junit", join(tmp, "j.xml")]);
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stdout).to.include(`packet 0 "telnet" (tcp 10.0.0.10:40000 > 10.0.0.5:23): expected XDP_PASS, got XDP_DROP`);
    expect(r.stdout).to.match(/output differs at byte 0 \(expected 1 bytes, got 54\): expected 00, got 02/);
    expect(r.stdout.trim().split("\n").pop()).to.equal("1 passed, 1 failed");
  });

  it("writes JUnit XML that an XML parser reads back", function () {
    if (!hasTool("python3")) this.skip();
    const xml = readFileSync(join(tmp, "j.xml"), "utf8");
    const py = "import sys, xml.etree.ElementTree as E\nr = E.parse(sys.argv[1]).getroot()\n" +
      "assert r.tag == 'testsuites'\nfor s in r.iter('testsuite'):\n  cs = list(s.iter('testcase'))\n  assert int(s.get('tests')) == len(cs)\n" +
      "  assert int(s.get('failures')) == sum(1 for c in cs if c.find('failure') is not None)\n" +
      "print(r.get('tests'), r.get('failures'))";
    const r = spawnSync("python3", ["-c", py, join(tmp, "j.xml")], { encoding: "utf8" });
    expect(r.stderr).to.equal("");
    expect(r.stdout.trim()).to.equal("2 1");
    expect(xml).to.include("<failure message=");
  });

  it("reads JSON specs too", () => {
    const p = spec("j.json", JSON.stringify({
      object: join(REPO, "xdp/firewall.o"),
      packets: [{ name: "ttl1", ipv6: { src: "2001:db8::1", dst: "2001:db8::2", hop_limit: 1 }, udp: { dport: 9 }, expect: { verdict: "drop" } }],
      expect: [{ map: "drop_reasons", entries: [{ key: 4, u64: 1 }] }],
    }));
    const r = xdpsim(["test", p]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout.trim().split("\n").pop()).to.equal("2 passed, 0 failed");
  });

  it("passes with exit 0 and the closing line", () => {
    const r = xdpsim(["test", join(SPECS, "globals.yaml")]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim().split("\n").pop()).to.match(/^\d+ passed, 0 failed$/);
  });

  it("--update writes golden files; a changed output byte is reported with its offset", () => {
    const p = spec("gold.yaml", [
      `object: ${join(REPO, "xdp/firewall.o")}`,
      "packets:",
      "  - { name: ping, ipv4: { src: 10.0.0.10, dst: 10.0.0.5 }, icmp: { type: 8 } }",
      "  - { name: web, ipv4: { src: 10.0.0.10, dst: 10.0.0.5 }, tcp: { dport: 80 } }",
      "expect:",
      "  - { golden_pcaps: gold }",
      "  - { golden: gold.txt }",
    ].join("\n"));
    expect(xdpsim(["test", p]).status).to.equal(1); // missing golden files
    const u = xdpsim(["test", p, "--update"]);
    expect(u.status, u.stdout).to.equal(0);
    expect(u.stdout).to.match(/updated .*gold/);
    expect(xdpsim(["test", p]).status).to.equal(0);
    // Flip the ICMP type byte of the golden echo reply (24-byte file header + 16-byte record header + 34).
    const tx = join(tmp, "gold/tx.pcap");
    const b = readFileSync(tx);
    b[24 + 16 + 34] ^= 0xff;
    writeFileSync(tx, b);
    const r = xdpsim(["test", p]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.include(`tx.pcap record 0 = packet 0 "ping" (icmp 10.0.0.10 > 10.0.0.5 type 8): output differs at byte 34 (expected 42 bytes, got 42): expected ff, got 00`);
  });

  it("exits 2 with one line naming the file and place for a bad spec", () => {
    const cases: [string, RegExp][] = [
      ["object: x.o\npackets: [{ ipv4: {src: 1.2.3} }]\nexpect: [{ packet: 0, verdict: pass }]", /bad1\.yaml: packets\[0\]\.ipv4\.src: "1\.2\.3" is not an IPv4 address/],
      [`object: ${join(REPO, "xdp/firewall.o")}\npackets: [{ hex: "000000000000000000000000ffff" }]\nexpect: [{ packet: 0, verdict: maybe }]`, /bad2\.yaml: expect\[0\]\.verdict: expected one of/],
      ["object: x.o\npackets: [{hex: \"000000000000000000000000ffff\"}]\nexpect:\n  - { packet: 0, verdit: pass }", /bad3\.yaml: expect\[0\]\.verdit: unknown key/],
      ["object: [unclosed\n", /bad4\.yaml: line \d+, column \d+: not valid YAML/],
      [`object: ${join(REPO, "xdp/firewall.o")}\npackets: [{ hex: "000000000000000000000000ffff" }]\nexpect: [{ filter: "tcp port", verdict: pass }]`, /bad5\.yaml: expect\[0\]\.filter: filter "tcp port": .*syntax error/],
      [`object: ${join(REPO, "nothere.o")}\npackets: [{ hex: "000000000000000000000000ffff" }]\nexpect: [{ packet: 0, verdict: pass }]`, /bad6\.yaml: object: .*nothere\.o: cannot read: ENOENT/],
    ];
    cases.forEach(([text, re], i) => {
      const r = xdpsim(["test", spec(`bad${i + 1}.yaml`, text)]);
      expect(r.status, r.stderr + r.stdout).to.equal(2);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
      expect(r.stderr).to.match(re);
    });
  });
});

describe("xdpsim test: firewall regression", function () {
  this.timeout(180_000);
  it("a changed rule shows exactly the packets whose verdict changed", async function () {
    if (!hasTool("tcpdump")) this.skip();
    // What the README scenario does by editing block_telnet in firewall.bpf.c and rebuilding.
    const spec = await loadSpec(join(SPECS, "firewall.yaml"));
    spec.consts = { block_telnet: 0 };
    spec.packets = spec.packets.map(({ expect: _e, ...p }) => p);
    spec.expect = spec.expect.filter((e) => e.golden);
    const r = await runSpec(spec);
    // Telnet from the blocked prefixes stays dropped (blocklist); all other telnet now passes.
    const telnet = compileFilter("tcp dst port 23 and not src net 192.0.2.0/24 and not src net 2001:db8:bad::/48");
    const changed = r.runs.filter((x) => runFilter(telnet, x.input)).map((x) => x.index);
    expect(changed.length).to.be.greaterThan(1);
    const lines = r.cases[0].failures;
    expect(lines.map((l) => Number(/^packet (\d+)/.exec(l)![1]))).to.deep.equal(changed);
    for (const l of lines) expect(l).to.match(/expected XDP_DROP, got XDP_PASS$/);
  });
});

describe("chai plugin", () => {
  it("asserts verdicts, redirects and output bytes with readable messages", async () => {
    const chai = await import("chai");
    const { chaiXdpsim } = await import("../../src/testing/chai-xdpsim.js");
    chai.use(chaiXdpsim);
    const r = { verdict: "XDP_DROP", data: Uint8Array.from([1, 2, 3]), redirect: undefined };
    chai.expect(r).to.have.verdict("drop");
    chai.expect(r).to.have.outputBytes("010203");
    chai.expect(() => chai.expect(r).to.have.verdict("XDP_PASS")).to.throw("expected verdict 'XDP_PASS', got 'XDP_DROP'");
    chai.expect(() => chai.expect(r).to.have.outputBytes("010209")).to.throw(/first difference at byte 2/);
    chai.expect(() => chai.expect(r).to.redirectTo(3)).to.throw(/expected a redirect to 'ifindex 3', got 'no redirect'/);
  });
});

describe("packet builder and dissector", () => {
  it("builds frames with valid checksums that the dissector reads back", () => {
    const f = buildPacket({ vlan: [{ id: 5 }, 7], ipv6: { src: "2001:db8::1", dst: "2001:db8::2" }, udp: { sport: 1, dport: 53 }, payload: { text: "hi" } });
    const s = summarizePacket(f);
    expect(s.vlans).to.deep.equal([5, 7]);
    expect(formatSummary(s)).to.equal("vlan 5.7 udp [2001:db8::1]:1 > [2001:db8::2]:53");
    const v4 = buildPacket({ ipv4: { src: "10.0.0.1", dst: "10.0.0.2" }, tcp: { dport: 80, flags: "SA" } });
    // IPv4 header checksum over the header sums to 0xffff.
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += (v4[i] << 8) | v4[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    expect(sum).to.equal(0xffff);
    expect(v4[14 + 20 + 13]).to.equal(0x12);
  });

  it("runs tcpdump-compiled classic BPF", function () {
    if (!hasTool("tcpdump")) this.skip();
    const f = buildPacket({ ipv4: { src: "192.0.2.9", dst: "10.0.0.2" }, tcp: { dport: 23 } });
    expect(runFilter(compileFilter("tcp dst port 23 and src net 192.0.2.0/24"), f)).to.equal(true);
    expect(runFilter(compileFilter("udp or ip6"), f)).to.equal(false);
  });
});
