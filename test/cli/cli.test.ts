// The command line as users and scripts meet it: --help, exit statuses, one-line errors naming file
// and place (never a stack trace), stdin captures, bench --json (CONTRACT.md).

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";

const CLI = join(REPO, "dist/src/cli/main.js");

function xdpsim(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, input, encoding: "buffer", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The error contract: exit 2, exactly one line on stderr, no stack trace. */
function expectBadInput(r: ReturnType<typeof xdpsim>, re: RegExp): void {
  expect(r.status, r.stderr).to.equal(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(re);
  expect(r.stderr).to.not.match(/\n\s+at /);
}

describe("xdpsim CLI", function () {
  this.timeout(180_000);
  const tmp = mkdtempSync(join(tmpdir(), "xdpsim-cli-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("--help lists the subcommands", () => {
    const r = xdpsim(["--help"]);
    expect(r.status).to.equal(0);
    for (const c of ["run", "bench", "verify", "conformance-plugin"]) expect(r.stdout).to.match(new RegExp(`xdpsim ${c}`));
  });

  it("runs the README demo and prints a one-line summary", () => {
    const out = join(tmp, "demo");
    const r = xdpsim(["run", "xdp/firewall.o", "pcaps/sample.pcap", "--out", out]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/xdp_firewall \(jit\): 217 packets: pass \d+, drop \d+, tx \d+, redirect \d+, aborted \d+/);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    for (const k of ["packets", "bytes", "skipped", "faults", "wall_seconds", "pps", "backend", "program", "tag"]) expect(stats).to.have.property(k);
    expect(stats.tag).to.match(/^[0-9a-f]{16}$/);
  });

  it("reads a capture from stdin (-) with the same verdicts as from the file", () => {
    const a = join(tmp, "file");
    const b = join(tmp, "stdin");
    expect(xdpsim(["run", "xdp/firewall.o", "pcaps/mixed.pcap", "--out", a, "--results"]).status).to.equal(0);
    const r = xdpsim(["run", "xdp/firewall.o", "-", "--out", b, "--results"], readFileSync(join(REPO, "pcaps/mixed.pcap")));
    expect(r.status, r.stderr).to.equal(0);
    expect(readFileSync(join(b, "results.jsonl"), "utf8")).to.equal(readFileSync(join(a, "results.jsonl"), "utf8"));
  });

  it("run --dump-jit writes the generated JavaScript of the program that runs", () => {
    const f = join(tmp, "fw.js");
    const r = xdpsim(["run", "xdp/firewall.o", "pcaps/sample.pcap", "--out", join(tmp, "dj"), "--dump-jit", f]);
    expect(r.status, r.stderr).to.equal(0);
    const js = readFileSync(f, "utf8");
    expect(js).to.match(/function prog_0\(/);
    expect(js).to.match(/\/\/ insn #0\b/);
    expect(js).to.match(/\/\/ .*firewall\.bpf\.c:\d+: /); // source lines annotate the dump (comments only)
  });

  it("bench --json prints the contract's fields", () => {
    const r = xdpsim(["bench", "xdp/firewall.o", "pcaps/sample.pcap", "--repeat", "3", "--json"]);
    expect(r.status, r.stderr).to.equal(0);
    const j = JSON.parse(r.stdout);
    expect(j).to.include({ backend: "jit", program: "xdp_firewall", repeat: 3 });
    expect(j.packets).to.equal(217);
    expect(j.ns_per_packet).to.be.a("number").greaterThan(0);
    expect(j.pps).to.be.closeTo(1e9 / j.ns_per_packet, 1e-3 * j.pps);
  });

  it("verify accepts a good program with exit 0", () => {
    const r = xdpsim(["verify", "xdp/lb.o"]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/accepted/);
  });

  describe("the verifier gate", () => {
    const bad = "test/verifier/corpus/bad_adjust_head_stale.o";
    it("verify rejects with the kernel's words, (insn #N) and the C source line", () => {
      expectBadInput(xdpsim(["verify", bad]), /\[verifier\] .*bad_adjust_head_stale\.o: program 'bad_adjust_head_stale' rejected: R7 invalid mem access 'scalar' \(insn #9, .*bad_adjust_head_stale\.bpf\.c:7: return eth->h_proto/);
    });
    it("run refuses a rejected program", () => {
      expectBadInput(xdpsim(["run", bad, "pcaps/sample.pcap", "--out", join(tmp, "rej")]), /rejected: R7 invalid mem access 'scalar'/);
    });
    it("bench refuses a rejected program", () => {
      expectBadInput(xdpsim(["bench", bad, "pcaps/sample.pcap", "--repeat", "1"]), /rejected: R7 invalid mem access 'scalar'/);
    });
    it("run --no-verify runs it anyway; the stale pointer faults as XDP_ABORTED per packet", () => {
      const out = join(tmp, "noverify");
      const r = xdpsim(["run", bad, "pcaps/sample.pcap", "--out", out, "--no-verify"]);
      expect(r.status, r.stderr).to.equal(0);
      const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
      expect(stats.faults).to.be.greaterThan(0);
      expect(stats.aborted.packets).to.be.at.least(stats.faults);
    });
  });

  describe("bad input: exit 2 with one line naming the file and place", () => {
    it("a missing object", () => expectBadInput(xdpsim(["run", "nope.o", "pcaps/sample.pcap", "--out", join(tmp, "x")]), /nope\.o: cannot read object: ENOENT/));
    it("a truncated object", () => {
      const f = join(tmp, "trunc.o");
      writeFileSync(f, readFileSync(join(REPO, "xdp/firewall.o")).subarray(0, 3000));
      expectBadInput(xdpsim(["run", f, "pcaps/sample.pcap", "--out", join(tmp, "x")]), /\[elf\] .*trunc\.o: .*offset 0x/);
    });
    it("an object for another machine", () => {
      const f = join(tmp, "x86.o");
      const b = Buffer.from(readFileSync(join(REPO, "xdp/firewall.o")));
      b.writeUInt16LE(62, 18); // e_machine = EM_X86_64
      writeFileSync(f, b);
      expectBadInput(xdpsim(["run", f, "pcaps/sample.pcap", "--out", join(tmp, "x")]), /\[elf\] .*x86\.o: .*machine/i);
    });
    it("a capture that is not a capture", () => expectBadInput(xdpsim(["run", "xdp/firewall.o", "README.md", "--out", join(tmp, "x")]), /README\.md: .*byte offset 0, packet 0/));
    it("a capture damaged mid-way (after writing the packets before it)", () => {
      const out = join(tmp, "damaged");
      const r = xdpsim(["run", "xdp/firewall.o", "test/fixtures/captures/malformed/trunc-mid-packet.pcap", "--out", out]);
      expectBadInput(r, /trunc-mid-packet\.pcap: .*byte offset \d+, packet 5\)/);
      expect(JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).packets).to.equal(5);
    });
    it("an unknown program", () => expectBadInput(xdpsim(["run", "xdp/firewall.o", "pcaps/sample.pcap", "--prog", "nope", "--out", join(tmp, "x")]), /--prog nope: no XDP program of that name \(have: xdp_firewall/));
    it("an unknown map in --map-init", () => {
      const f = join(tmp, "init.json");
      writeFileSync(f, JSON.stringify({ nope: [] }));
      expectBadInput(xdpsim(["run", "xdp/firewall.o", "pcaps/sample.pcap", "--map-init", f, "--out", join(tmp, "x")]), /--map-init .*init\.json: no map named 'nope'/);
    });
    it("an unknown --const", () => expectBadInput(xdpsim(["run", "xdp/firewall.o", "pcaps/sample.pcap", "--const", "nope=1", "--out", join(tmp, "x")]), /nope/));
    it("a bad option value", () => expectBadInput(xdpsim(["run", "xdp/firewall.o", "pcaps/sample.pcap", "--backend", "fast"]), /backend/));
    it("a negative --packet-timeout", () => expectBadInput(xdpsim(["run", "xdp/firewall.o", "pcaps/sample.pcap", "--packet-timeout", "-5"]), /--packet-timeout -5: must be a number of milliseconds/));
    it("an unknown option", () => expectBadInput(xdpsim(["run", "xdp/firewall.o", "pcaps/sample.pcap", "--frobnicate"]), /frobnicate/));
  });
});
