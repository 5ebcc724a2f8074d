// verifyProgram on hand-built instruction sequences: privilege modes, CFG checks, facts for the JIT
// (joined over paths, sound after pruning) and the log levels.

import { expect } from "chai";
import {
  ADD64_IMM, AND64_IMM, CALL, CALL_LOCAL, EXIT, I, JA, JEQ_IMM, JGT_IMM, JGT_REG, LDX_B, LDX_DW, LDX_W, LD_FUNC, LD_MAP,
  MOV64_IMM, MOV64_REG, STX_DW, map, objectOf,
} from "./build-object.js";
import { verifyProgram } from "../../src/verifier/verify-program.js";
import { loadExpected, runCase } from "./corpus-cases.js";

const pad = (n: number) => Array.from({ length: n }, () => MOV64_IMM(3, 0));

describe("verifyProgram", () => {
  describe("privileges", () => {
    const loop = [MOV64_IMM(0, 0), ADD64_IMM(0, 1), JGT_IMM(0, 9, 1), JA(-3), EXIT()];

    it("accepts a bounded loop with CAP_BPF (privileged and --unprivileged)", () => {
      expect(verifyProgram(objectOf(loop), 0).ok).to.equal(true);
      expect(verifyProgram(objectOf(loop), 0, { unprivileged: true }).ok).to.equal(true);
    });

    it("rejects the back-edge without CAP_BPF, as check_cfg does", () => {
      const r = verifyProgram(objectOf(loop), 0, { noCapBpf: true });
      expect(r.error?.message).to.equal("back-edge from insn 3 to 1");
    });

    it("refuses bpf-to-bpf calls without CAP_BPF", () => {
      const p = [CALL_LOCAL(1), EXIT(), MOV64_IMM(0, 2), EXIT()];
      expect(verifyProgram(objectOf(p), 0).ok).to.equal(true);
      expect(verifyProgram(objectOf(p), 0, { noCapBpf: true }).error?.message)
        .to.equal("function calls to other bpf functions are allowed for CAP_BPF");
    });

    it("hides CAP_PERFMON helpers from --unprivileged loaders", () => {
      const p = [MOV64_REG(1, 10), ADD64_IMM(1, -8), I(0x7a, 10, 0, -8, 0), MOV64_IMM(2, 8), CALL(6), EXIT()];
      expect(verifyProgram(objectOf(p), 0).ok).to.equal(true);
      expect(verifyProgram(objectOf(p), 0, { unprivileged: true }).error?.message)
        .to.equal("program of this type cannot use helper bpf_trace_printk#6");
    });

    it("reports unknown helpers and GPL-only helpers from non-GPL programs", () => {
      expect(verifyProgram(objectOf([CALL(999), EXIT()]), 0).error?.message).to.equal("invalid func unknown#999");
      // 6.18 offers bpf_get_current_pid_tgid to XDP (CAP_PERFMON), but not bpf_skb_load_bytes.
      expect(verifyProgram(objectOf([CALL(14), EXIT()]), 0).ok).to.equal(true);
      expect(verifyProgram(objectOf([CALL(26), EXIT()]), 0).error?.message)
        .to.equal("program of this type cannot use helper bpf_skb_load_bytes#26");
      const p = [MOV64_REG(1, 10), ADD64_IMM(1, -8), I(0x7a, 10, 0, -8, 0), MOV64_IMM(2, 8), CALL(6), EXIT()];
      expect(verifyProgram(objectOf(p, [], { gpl: false }), 0).error?.message)
        .to.equal("cannot call GPL-restricted function from non-GPL compatible program");
    });
  });

  describe("facts", () => {
    it("marks packet loads proven in bounds and the packet region", () => {
      const e = loadExpected()["ok_ipv4_parse.o"];
      const r = runCase("ok_ipv4_parse.o", e);
      expect(r.ok).to.equal(true);
      const pktLoads = r.facts.filter((f) => f.mem?.region === "packet");
      expect(pktLoads.length).to.be.greaterThan(3);
      expect(pktLoads.every((f) => f.mem!.inBounds && !f.mem!.write)).to.equal(true);
      const ctxLoads = r.facts.filter((f) => f.mem?.region === "ctx");
      expect(ctxLoads.length).to.equal(2);
    });

    it("joins registers over every path: a value differing between paths is not a constant", () => {
      // 0: r2 = rx_queue; 1: if r2 == 0 goto 4; 2: r4 = 1; 3: goto 5; 4: r4 = 2; 5: r3 = 7 ... exit
      const p = [LDX_W(2, 1, 16), JEQ_IMM(2, 0, 2), MOV64_IMM(4, 1), JA(1), MOV64_IMM(4, 2), MOV64_IMM(3, 7),
        MOV64_REG(0, 4), EXIT()];
      const r = verifyProgram(objectOf(p), 0);
      expect(r.ok).to.equal(true);
      const f = r.facts[6];
      expect(f.visited).to.equal(true);
      expect(f.regs[3].value).to.equal(7n);
      expect(f.regs[4].kind).to.equal("scalar");
      expect(f.regs[4].value).to.equal(undefined);
      expect(f.regs[4].fitsU32).to.equal(true);
      expect(f.regs[1].kind).to.equal("ctx");
      expect(f.regs[5].kind).to.equal("uninit");
    });

    it("records which side of a conditional jump is taken", () => {
      const p = [MOV64_IMM(2, 3), JGT_IMM(2, 10, 1), MOV64_IMM(0, 1), MOV64_IMM(0, 2), EXIT()];
      const r = verifyProgram(objectOf(p), 0);
      expect(r.facts[1].branch).to.deep.equal({ taken: false, fallthrough: true });
      const q = [LDX_W(2, 1, 16), JGT_IMM(2, 10, 1), MOV64_IMM(0, 1), MOV64_IMM(0, 2), EXIT()];
      expect(verifyProgram(objectOf(q), 0).facts[1].branch).to.deep.equal({ taken: true, fallthrough: true });
    });

    it("keeps a stack offset only when every path agrees", () => {
      // r2 = fp-8 or fp-16, both initialised; load through r2.
      const p = [MOV64_IMM(3, 1), STX_DW(10, 3, -8), STX_DW(10, 3, -16), LDX_W(4, 1, 16), MOV64_REG(2, 10),
        ADD64_IMM(2, -8), JEQ_IMM(4, 0, 1), ADD64_IMM(2, -8), LDX_DW(0, 2, 0), EXIT()];
      const r = verifyProgram(objectOf(p), 0);
      expect(r.ok).to.equal(true);
      expect(r.facts[8].mem).to.deep.include({ region: "stack", inBounds: true });
      expect(r.facts[8].mem?.stackOff).to.equal(undefined);
      expect(r.facts[1].mem).to.deep.include({ region: "stack", stackOff: -8 });
    });

    it("does not report values pruning may have merged", () => {
      // A diamond sets r7 to 1 or 2; r7 is only stored (its value never matters), so the second
      // path is pruned at the join. Insns after the join must not claim r7 == 1.
      const p = [...pad(8), LDX_W(2, 1, 16), JEQ_IMM(2, 0, 2), MOV64_IMM(7, 1), JA(1), MOV64_IMM(7, 2),
        MOV64_IMM(0, 2), STX_DW(10, 7, -8), EXIT()];
      const r = verifyProgram(objectOf(p), 0, { logLevel: 2 });
      expect(r.ok).to.equal(true);
      expect(r.log).to.match(/safe/);
      expect(r.facts[14].regs[7].kind).to.equal("scalar");
      expect(r.facts[14].regs[7].value).to.equal(undefined);
    });

    it("leaves unreachable-by-verifier code unvisited (dead branch)", () => {
      const p = [MOV64_IMM(2, 3), JGT_IMM(2, 10, 1), JA(1), MOV64_IMM(0, 9), MOV64_IMM(0, 2), EXIT()];
      const r = verifyProgram(objectOf(p), 0);
      expect(r.ok).to.equal(true);
      expect(r.facts[3].visited).to.equal(false);
    });
  });

  describe("maps, callbacks and calls", () => {
    const arr = map(0, "arr", 2, 4, 8, 4);
    const hash = map(0, "h", 1, 4, 8, 4);
    const lookup = (m = 0) => [ST_W0(), MOV64_REG(2, 10), ADD64_IMM(2, -8), ...LD_MAP(1, m), CALL(1)];
    function ST_W0() { return I(0x62, 10, 0, -8, 0); }

    it("elides the NULL check of an array lookup with a constant in-range key", () => {
      const p = [...lookup(), LDX_DW(0, 0, 0), EXIT()];
      expect(verifyProgram(objectOf(p, [arr]), 0).ok).to.equal(true);
      expect(verifyProgram(objectOf(p, [hash]), 0).error?.message).to.equal("R0 invalid mem access 'map_value_or_null'");
    });

    it("bounds map value accesses by value_size", () => {
      const p = [...lookup(), JEQ_IMM(0, 0, 1), LDX_DW(0, 0, 4), MOV64_IMM(0, 0), EXIT()];
      const r = verifyProgram(objectOf(p, [hash]), 0);
      expect(r.error?.lines).to.deep.equal([
        "invalid access to map value, value_size=8 off=4 size=8", "R0 min value is outside of the allowed memory range"]);
    });

    it("verifies bpf_loop callbacks and checks their return range", () => {
      const cb = (ret: number) => [MOV64_IMM(0, ret), EXIT()];
      const main = (ret: number) => [MOV64_IMM(1, 4), ...LD_FUNC(2, 6), MOV64_IMM(3, 0), MOV64_IMM(4, 0), CALL(181),
        MOV64_IMM(0, 2), EXIT(), ...cb(ret)];
      const ok = objectOf(main(1));
      ok.programs[0].subprogs.push({ name: "cb", start: 8, end: 10 });
      expect(verifyProgram(ok, 0).ok).to.equal(true);
      const bad = objectOf(main(3));
      expect(verifyProgram(bad, 0).error?.message)
        .to.equal("At callback return the register R0 has smin=3 smax=3 should have been in [0, 1]");
    });

    it("limits the call depth to 8 frames", () => {
      const p: ReturnType<typeof EXIT>[] = [];
      for (let i = 0; i < 9; i++) p.push(CALL_LOCAL(1), EXIT());
      p.push(MOV64_IMM(0, 0), EXIT());
      const r = verifyProgram(objectOf(p), 0);
      expect(r.error?.message).to.equal("the call stack of 9 frames is too deep");
    });

    it("proves packet range through copies that share an id", () => {
      // r3 = data + r4 (r4 masked); r5 = r3 + 4; if r5 > end goto out; load via r3 (same id as r5's base)
      const p = [LDX_W(2, 1, 0), LDX_W(6, 1, 4), LDX_B(4, 1, 16), AND64_IMM(4, 15), MOV64_REG(3, 2), I(0x0f, 3, 4),
        MOV64_REG(5, 3), ADD64_IMM(5, 4), MOV64_IMM(0, 1), JGT_REG(5, 6, 1), LDX_W(0, 3, 0), EXIT()];
      const r = verifyProgram(objectOf(p), 0);
      expect(r.error?.message).to.equal("invalid bpf_context access off=16 size=1");
      p[2] = LDX_W(4, 1, 16);
      const r2 = verifyProgram(objectOf(p), 0);
      expect(r2.ok, r2.error?.message).to.equal(true);
      expect(r2.facts[10].mem).to.deep.include({ region: "packet", inBounds: true });
    });
  });

  describe("log", () => {
    it("level 0 produces no log, level 2 prints the state of every instruction", () => {
      const p = [MOV64_IMM(0, 2), EXIT()];
      expect(verifyProgram(objectOf(p), 0).log).to.equal("");
      const l2 = verifyProgram(objectOf(p), 0, { logLevel: 2 }).log;
      expect(l2).to.contain("0: (b7) r0 = 2");
      expect(l2).to.contain("R0=2");
      expect(l2).to.match(/processed 2 insns \(limit 1000000\)/);
    });
  });
});

describe("formatVerifierVerdict / formatVerifierLog", () => {
  it("names the instruction and the C source line of a rejection", async () => {
    const { formatVerifierVerdict, formatVerifierLog } = await import("../../src/verifier/format-verifier-log.js");
    const r = runCase("bad_off_by_one.o", loadExpected()["bad_off_by_one.o"], 1);
    expect(formatVerifierVerdict(r, "bad_off_by_one.o", "bad_off_by_one")).to.equal(
      "bad_off_by_one.o: program 'bad_off_by_one' rejected: invalid access to packet, off=13 size=1, R1(id=0,off=13,r=13) " +
      "(insn #7, bad_off_by_one.bpf.c:6: return eth->h_proto == bpf_htons(ETH_P_IP) ? XDP_PASS : XDP_DROP;)");
    expect(formatVerifierLog(r)).to.contain("R1 offset is outside of the packet\n");
    const ok = runCase("ok_pass.o", loadExpected()["ok_pass.o"], 1);
    expect(formatVerifierVerdict(ok, "ok_pass.o", "ok_pass")).to.equal("ok_pass.o: program 'ok_pass' accepted: processed 2 insns");
  });
});

describe("the example programs under xdp/", function () {
  this.timeout(120_000);
  // Every program there loads on Linux 6.18 (checked with libbpf; tailcall.o's programs load
  // together, as its prog array links them). The simulator must accept them too: `xdpsim run`
  // verifies before running.
  it("are all accepted", async () => {
    const fs = await import("node:fs");
    const path = await import("node:path");
    const { loadObject } = await import("../../src/loader/load-object.js");
    const dir = path.join(path.dirname(new URL(import.meta.url).pathname), "../../../xdp");
    const rejected: string[] = [];
    let programs = 0;
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".o"))) {
      const obj = loadObject(new Uint8Array(fs.readFileSync(path.join(dir, f))), f);
      obj.programs.forEach((p, i) => {
        programs++;
        const r = verifyProgram(obj, i);
        if (!r.ok) rejected.push(`${f} ${p.name}: ${r.error?.message} (insn #${r.error?.insn})`);
      });
    }
    expect(programs).to.be.greaterThan(5);
    expect(rejected).to.deep.equal([]);
  });
});
