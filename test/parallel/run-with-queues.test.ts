// The CLI surface of --queues (src/parallel/run-with-queues.ts): run and bench accept it, bad queue
// counts and programs with maps that cannot be shared exit 2 with one line and no stack trace.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";

const MAIN = join(REPO, "dist/src/cli/main.js");
const cli = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { cwd: REPO, encoding: "utf8" });

describe("parallel: xdpsim run/bench --queues", function () {
  this.timeout(120_000);

  it("run --queues 2 writes the usual outputs and says how packets were spread", () => {
    const out = mkdtempSync(join(tmpdir(), "xdpsim-q-"));
    try {
      const r = cli("run", "xdp/firewall.o", "pcaps/sample.pcap", "--queues", "2", "--cpus", "2", "--out", out);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stderr).to.match(/217 packets: .*\(2 queues: \d+\/\d+\)/);
      const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
      expect(stats.packets).to.equal(217);
      expect(stats.interrupted).to.equal(false);
      expect(stats.queues).to.equal(2);
      expect(stats.queue_packets.reduce((a: number, b: number) => a + b, 0)).to.equal(217);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("more queues than possible CPUs: exit 2, one line naming both numbers", () => {
    const r = cli("run", "xdp/firewall.o", "pcaps/sample.pcap", "--queues", "3", "--cpus", "2", "--out", "/tmp/xdpsim-never");
    expect(r.status).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/--queues 3: more queues than possible CPUs \(2, --cpus\)/);
    expect(cli("bench", "xdp/firewall.o", "pcaps/sample.pcap", "--queues", "0").status).to.equal(2);
  });

  it("a program the verifier rejects: the workers' rejection is the same one-line exit 2", () => {
    const r = cli("run", "test/verifier/corpus/bad_adjust_head_stale.o", "pcaps/sample.pcap", "--queues", "2", "--cpus", "2", "--out", "/tmp/xdpsim-never");
    expect(r.status).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/\[verifier\] .*bad_adjust_head_stale\.o: program 'bad_adjust_head_stale' rejected: R7 invalid mem access 'scalar'/);
  });

  it("a program with a ring buffer / queue / stack map is refused with --queues (exit 2)", () => {
    const r = cli("run", "xdp/flowmon.o", "pcaps/sample.pcap", "--queues", "2", "--cpus", "2", "--out", "/tmp/xdpsim-never");
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/cannot be shared between queues/);
    expect(r.stderr).not.to.match(/\n\s+at /);
  });

  it("bench --queues 2 --json reports the aggregate rate and each queue's share", () => {
    const r = cli("bench", "xdp/lb.o", "pcaps/sample.pcap", "--queues", "2", "--cpus", "2", "--repeat", "20", "--json");
    expect(r.status, r.stderr).to.equal(0);
    const j = JSON.parse(r.stdout);
    expect(j.queues).to.equal(2);
    expect(j.queue_packets.reduce((a: number, b: number) => a + b, 0)).to.equal(j.packets);
    expect(j.per_queue).to.have.length(2);
    expect(j.pps).to.be.greaterThan(0);
    expect(j.ns_per_packet).to.be.closeTo(1e9 / j.pps, 1e-6);
  });
});
