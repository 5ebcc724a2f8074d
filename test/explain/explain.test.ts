// `xdpsim explain` and the interpreter's instruction hook: the recorded path, source lines, branch
// registers, helper results and verdict of one packet; the hook changes nothing and can be removed.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";
import { loadProgram } from "../../src/index.js";
import { setInstructionHook } from "../../src/exec/interpreter/create-interpreter.js";
import { explainPacket, formatExplanation } from "../../src/explain/explain-packet.js";
import { buildPacket } from "../../src/testing/build-packet.js";

const CLI = join(REPO, "dist/src/cli/main.js");
const FW = join(REPO, "xdp/firewall.o");

describe("xdpsim explain", function () {
  this.timeout(120_000);
  const telnet = buildPacket({ ipv4: { src: "10.0.0.10", dst: "10.0.0.5" }, tcp: { dport: 23 } });

  it("records every executed instruction with source lines, branches, helper calls and the verdict", async () => {
    const p = await loadProgram(FW, { backend: "interp" });
    const x = explainPacket(p, telnet);
    expect(x.result.verdict).to.equal("XDP_DROP");
    expect(x.steps.length).to.be.greaterThan(50);
    expect(x.steps[0]).to.include({ pc: 0 });
    const text = formatExplanation(p, x);
    expect(text).to.match(/firewall\.bpf\.c:\d+: if \(block_telnet && tcp->dest == bpf_htons\(23\)\)/);
    expect(text).to.match(/; r\d+=0x[0-9a-f]+( r\d+=0x[0-9a-f]+)? → (taken|not taken)/);
    expect(text).to.match(/call bpf_map_lookup_elem#1 +; bpf_map_lookup_elem\(r1=0x[0-9a-f]+ .*\) → r0=0x[0-9a-f]+/);
    expect(text.trim().split("\n").pop()).to.match(/^verdict: XDP_DROP \(action 1\); \d+ instructions$/);
  });

  it("follows tail calls and returns from helpers whose callbacks ran in between", async () => {
    const t = await loadProgram(join(REPO, "xdp/tailcall.o"), { backend: "interp" });
    const udp = buildPacket({ ipv4: { src: "10.0.0.10", dst: "10.0.0.5" }, udp: { dport: 9 } });
    const text = formatExplanation(t, explainPacket(t, udp));
    expect(text).to.match(/^── program xdp_dispatch \(SEC xdp\)$/m);
    expect(text).to.match(/call bpf_tail_call#12 +; bpf_tail_call\(.*\) → tail call to parse_ipv4/);
    expect(text).to.match(/^── program parse_ipv4 /m);
    const f = await loadProgram(join(REPO, "xdp/frags.o"), { backend: "interp" });
    const ft = formatExplanation(f, explainPacket(f, udp));
    // bpf_loop's result is r0 where it returns (pc + 1), not r0 at the callback's first instruction.
    const m = /(\d+): \(85\) call bpf_loop#181 +; bpf_loop\(.*\) → r0=(0x[0-9a-f]+)/.exec(ft);
    expect(m, ft.slice(0, 2000)).to.not.equal(null);
    expect(ft).to.match(/^ +\d+: \(85\) call bpf_loop#181/m);
  });

  it("gives the JIT's verdicts and bytes, and the hook can be removed", async () => {
    const i = await loadProgram(FW, { backend: "interp" });
    const j = await loadProgram(FW, { backend: "jit" });
    const echo = buildPacket({ ipv4: { src: "10.0.0.10", dst: "10.0.0.5" }, icmp: { type: 8 } });
    for (const f of [telnet, echo]) {
      const x = explainPacket(i, f);
      const r = j.runPacket(f);
      expect(x.result.verdict).to.equal(r.verdict);
      expect(Buffer.from(x.result.data).equals(Buffer.from(r.data))).to.equal(true);
    }
    let calls = 0;
    expect(setInstructionHook(i.sim.exec, () => calls++)).to.equal(true);
    i.runPacket(telnet);
    expect(calls).to.be.greaterThan(0);
    setInstructionHook(i.sim.exec, null);
    const before = calls;
    i.runPacket(telnet);
    expect(calls).to.equal(before);
    expect(setInstructionHook(j.sim.exec, () => 0)).to.equal(false);
  });

  it("explains a capture packet from the command line; a bad index exits 2 with one line", () => {
    const r = spawnSync(process.execPath, [CLI, "explain", "xdp/firewall.o", "pcaps/sample.pcap", "--packet", "70"], { cwd: REPO, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.split("\n")[0]).to.equal("packet 70 (tcp 203.0.113.23:45000 > 10.0.0.5:23, 74 bytes) through xdp_firewall");
    expect(r.stdout).to.match(/verdict: XDP_DROP/);
    const bad = spawnSync(process.execPath, [CLI, "explain", "xdp/firewall.o", "pcaps/sample.pcap", "--packet", "9999"], { cwd: REPO, encoding: "utf8" });
    expect(bad.status).to.equal(2);
    expect(bad.stderr.trim().split("\n")).to.have.length(1);
    expect(bad.stderr).to.match(/sample\.pcap: --packet 9999: the capture has fewer packets/);
  });
});
