// The JIT's own analyses and its inputs/outputs: which accesses the forward pass proves (and which it must
// not), scalar facts, external facts (the verifier's, via JitOptions.facts), the CFG's view of odd images,
// and the generated source (named functions, insn comments, no object-file strings in compiled code).

import { expect } from "chai";
import { assemble } from "../../../src/isa/assemble.js";
import type { Insn } from "../../../src/isa/insn.js";
import { buildCfg, TermKind } from "../../../src/exec/jit/build-cfg.js";
import { createJit, getJitSource } from "../../../src/exec/jit/create-jit.js";
import { decodeInsns } from "../../../src/exec/jit/decode-insns.js";
import { proveAccesses } from "../../../src/exec/jit/prove-accesses.js";
import { trackScalars } from "../../../src/exec/jit/track-scalars.js";
import type { JitFacts } from "../../../src/exec/jit/types.js";
import { Runtime } from "../../../src/runtime/runtime.js";
import { mapSpec, objectOf, runBoth, type Setup } from "./run-backends.js";

function analyse(insns: Insn[], s: Partial<Setup> = {}, entryCtx = true): { facts: JitFacts; rt: Runtime } {
  const rt = new Runtime(objectOf({ insns, ...s }));
  const cfg = buildCfg(decodeInsns(insns));
  const access = proveAccesses(cfg, rt.maps, { entryCtx });
  return { facts: { ...access, scalar: trackScalars(cfg, rt.maps, access) }, rt };
}

/** Slot of the n-th instruction (0-based) whose opcode is `op`. */
function slotOf(insns: Insn[], op: number, n = 0): number {
  let k = 0;
  for (let i = 0; i < insns.length; i++) if (insns[i].op === op && k++ === n) return i;
  throw new Error(`no opcode 0x${op.toString(16)} #${n}`);
}

const PARSER = `
  ldxw r2, [r1+0]
  ldxw r3, [r1+4]
  mov r4, r2
  add r4, 14
  jgt r4, r3, out
  ldxh r5, [r2+12]
  ldxb r5, [r2+13]
  ldxb r5, [r2+14]
  stxb [r2+0], r5
  out:
  mov r0, 2
  exit`;

describe("jit: facts, CFG and generated source", () => {
  describe("the forward pass (prove-accesses)", () => {
    it("proves packet accesses inside a dominating data + N <= data_end check, and only those", () => {
      const insns = assemble(PARSER);
      const { facts } = analyse(insns);
      expect(facts.access(0)).to.deep.equal({ region: "ctx", offset: 0 });
      expect(facts.access(1)).to.deep.equal({ region: "ctx", offset: 4 });
      expect(facts.access(5)).to.deep.equal({ region: "packet" }); // bytes 12..13
      expect(facts.access(6)).to.deep.equal({ region: "packet" }); // byte 13
      expect(facts.access(7)).to.equal(undefined); // byte 14: beyond the check
      expect(facts.access(8)).to.deep.equal({ region: "packet" }); // store at byte 0
    });

    it("assumes nothing about r1 in the generic variant (not entered with the ctx pointer)", () => {
      const { facts } = analyse(assemble(PARSER), {}, false);
      expect(facts.access(0)).to.equal(undefined);
      expect(facts.access(5)).to.equal(undefined);
    });

    it("forgets packet bounds after a helper that can move data (bpf_xdp_adjust_head) and after local calls", () => {
      const insns = assemble(`
        ldxw r2, [r1+0]
        ldxw r3, [r1+4]
        mov r4, r2
        add r4, 14
        jgt r4, r3, out
        mov r6, r1
        mov r7, r2
        mov r2, 0
        call 44
        ldxb r5, [r7+1]
        out:
        mov r0, 2
        exit`);
      expect(analyse(insns).facts.access(slotOf(insns, 0x71))).to.equal(undefined);
      const withLookup = insns.map((x) => (x.op === 0x85 ? { ...x, imm: 7 } : x)); // bpf_get_prandom_u32 keeps them
      expect(analyse(withLookup).facts.access(slotOf(withLookup, 0x71))).to.deep.equal({ region: "packet" });
    });

    it("proves r10-relative stack accesses inside the frame only", () => {
      const insns = assemble("stdw [r10-8], 1\nstdw [r10-512], 1\nstdw [r10-516], 1\nstw [r10-2], 1\nmov r0, 0\nexit");
      const { facts } = analyse(insns);
      expect(facts.access(0)).to.deep.equal({ region: "stack" });
      expect(facts.access(1)).to.deep.equal({ region: "stack" });
      expect(facts.access(2)).to.equal(undefined);
      expect(facts.access(3)).to.equal(undefined); // 4 bytes at -2 cross the frame top
    });

    it("proves map value accesses after the NULL check of a lookup, within value_size", () => {
      const insns = assemble(`
        stw [r10-4], 0
        mov r2, r10
        add r2, -4
        lddw r1, map_by_fd(0)
        call 1
        mov r6, r0
        jeq r0, 0, out
        ldxdw r1, [r6+0]
        ldxdw r1, [r6+8]
        out:
        mov r0, 0
        exit`);
      const { facts } = analyse(insns, { maps: [mapSpec(0, "m")] });
      expect(facts.access(slotOf(insns, 0x79, 0))).to.deep.equal({ region: "map-value", map: 0 });
      expect(facts.access(slotOf(insns, 0x79, 1))).to.equal(undefined); // value_size is 8
      expect(facts.pointer!(slotOf(insns, 0x85), 2, 4, false)).to.deep.equal({ region: "stack" });
    });
  });

  describe("scalar facts (track-scalars)", () => {
    it("knows high words and low-word ranges after masks, loads and shifts", () => {
      const insns = assemble("ldxb r1, [r10-1]\nand r2, 0xff\nrsh r3, 60\nlddw r4, 0x300000005\nmov r0, 0\nexit");
      const { facts } = analyse(insns);
      const at = slotOf(insns, 0xb7);
      expect(facts.scalar!(at, 1)).to.deep.equal({ hi: 0, loMin: 0, loMax: 0xff });
      expect(facts.scalar!(at, 2)).to.deep.equal({ hi: 0, loMin: 0, loMax: 0xff });
      expect(facts.scalar!(at, 3)).to.deep.equal({ hi: 0, loMin: 0, loMax: 15 });
      expect(facts.scalar!(at, 4)).to.deep.equal({ hi: 3, loMin: 5, loMax: 5 });
      expect(facts.scalar!(at, 10)).to.deep.equal({ hi: 3, loMin: 512, loMax: 4608 });
    });

    it("widens loop counters instead of iterating forever", () => {
      const insns = assemble("mov r1, 0\nl:\nadd r1, 1\njlt r1, 1000000, l\nmov r0, r1\nexit");
      const { facts } = analyse(insns);
      expect(facts.scalar!(slotOf(insns, 0xbf), 1)).to.deep.equal({ hi: 0, loMin: 1000000, loMax: 1000000 });
    });
  });

  describe("external facts (JitOptions.facts)", () => {
    it("are used when given (direct stack access) and give the same results", () => {
      const insns = assemble("mov r1, r10\nstdw [r1-8], 5\nldxdw r0, [r1-8]\nexit");
      const facts: JitFacts = { access: (i) => (i === 1 || i === 2 ? { region: "stack" } : undefined) };
      const rt = new Runtime(objectOf({ insns }));
      const src = createJit(rt, { facts: () => facts, noOwnFacts: true }).source(0);
      expect(src).to.contain("SV.setInt32(r1l - 8");
      expect(src).not.to.contain("std(");
      const s: Setup = { insns, jitOptions: { facts: () => facts, noOwnFacts: true } };
      const { interp, jit } = runBoth(s);
      expect(jit).to.deep.equal(interp);
    });

    it("without any facts every access is checked", () => {
      const rt = new Runtime(objectOf({ insns: assemble(PARSER) }));
      const src = createJit(rt, { noOwnFacts: true }).source(0);
      expect(src).to.contain("ldw(");
      expect(src).not.to.contain("PB[");
    });
  });

  describe("CFG", () => {
    it("finds functions at call and code_addr targets, out-of-range targets and lddw halves", () => {
      const insns = assemble("lddw r2, code_addr(cb)\ncall local f\nja +10\ncb:\nmov r0, 0\nexit\nf:\nexit");
      const cfg = buildCfg(decodeInsns(insns));
      expect([...cfg.entries].sort((a, b) => a - b)).to.deep.equal([0, 4, 6]);
      const oor = cfg.blocks.find((b) => b.start === 14);
      expect(oor?.term).to.equal(TermKind.OutOfRange);
    });
  });

  describe("generated source", () => {
    const obj = (): Setup => ({ insns: assemble(PARSER) });
    it("names functions, labels blocks, comments instruction indices", () => {
      const src = getJitSource(new Runtime(objectOf(obj())), 0);
      expect(src).to.contain("function prog_0(");
      expect(src).to.match(/\/\/ insn #0\b/);
      expect(src).to.match(/B\d+: \{/);
    });

    it("outlines big subtrees into part_* functions (the 1,400-insn firewall above 30,000; any program on request)", async () => {
      const { readFileSync } = await import("node:fs");
      const { loadObject } = await import("../../../src/loader/load-object.js");
      const fw = loadObject(new Uint8Array(readFileSync(new URL("../../../../xdp/firewall.o", import.meta.url))), "firewall.o");
      // Loop-free: compiled without budget checks, small enough for one optimisable function.
      expect(createJit(new Runtime(fw)).source(0)).not.to.contain("function part_");
      expect(createJit(new Runtime(fw), { outlineAbove: 30000 }).source(0)).to.match(/\nfunction part_prog_0_\d+\(dep, A\)/);
      const small = new Runtime(objectOf({ insns: assemble(PARSER) }));
      expect(createJit(small).source(0)).not.to.contain("function part_");
      expect(createJit(small, { outlineAbove: 50 }).source(0)).to.contain("function part_");
    });

    it("keeps object-file strings (names, source lines) out of compiled code; the dump shows lines sanitised", () => {
      const o = objectOf({ insns: assemble("lddw r1, map_val(map_by_fd(0))\nldxdw r0, [r1+0]\nexit"), maps: [mapSpec(0, "evil\"); process.exit(1); //", { maxEntries: 1 })] });
      o.programs[0].name = "x\"y";
      o.programs[0].lineInfo = [{ insn: 0, file: "a.c", line: 3, col: 1, text: "bad */ line\u2028 alert(1)\n" }];
      const rt = new Runtime(o);
      const jit = createJit(rt);
      const mod = jit.module(0);
      for (const bad of ["evil", "x\"y", "bad", "alert"]) expect(mod.gen.source).not.to.contain(bad);
      const dump = jit.source(0);
      expect(dump).to.contain("// a.c:3: bad */ line  alert(1)");
      expect(dump).not.to.contain("\u2028");
    });
  });
});
