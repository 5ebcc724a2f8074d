// Helper names / XDP availability / GPL-only flags against the running kernel's verifier
// (xdp-helper-probe fixture from kernel/probe-helpers.py), and checkProgramHelpers' load errors.

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { LoadError } from "../../../src/errors.js";
import type { Insn } from "../../../src/isa/insn.js";
import type { ObjectSpec } from "../../../src/loader/types.js";
import {
  checkProgramHelpers, GPL_ONLY_HELPER_IDS, HELPER_NAMES, helperName, SLEEPABLE_HELPER_IDS, XDP_HELPER_IDS,
} from "../../../src/runtime/helpers/helper-info.js";
import { HELPER_TABLE } from "../../../src/runtime/helpers/helper-table.js";

interface Probe { kernel: string; helpers: Record<string, { mit: string; gpl: string }> }
const probe: Probe = JSON.parse(readFileSync(new URL("../../../../test/runtime/helpers/kernel/fixtures/xdp-helper-probe.json", import.meta.url), "utf8"));

describe("helper info vs the kernel's verifier (xdp-helper-probe)", () => {
  const ids = Object.keys(probe.helpers).map(Number);

  it("names every id of enum bpf_func_id; ids past the end are unknown to the kernel too", () => {
    expect(HELPER_NAMES).to.have.length(212);
    for (const id of ids) {
      const m = /(invalid func|cannot use helper) (\w+)#(\d+)/.exec(probe.helpers[id].gpl);
      if (m) expect(helperName(id), `id ${id}`).to.equal(m[2]);
      if (id >= HELPER_NAMES.length) expect(probe.helpers[id].gpl).to.equal(`invalid func unknown#${id}`);
    }
  });

  it("XDP availability matches (the kernel answers 'cannot use helper' / 'might sleep' otherwise)", () => {
    for (const id of ids) {
      const msg = probe.helpers[id].gpl;
      const refused = msg.startsWith("program of this type cannot use") || msg.startsWith("invalid func");
      expect(XDP_HELPER_IDS.has(id), `id ${id}: ${msg}`).to.equal(!refused && !msg.includes("might sleep"));
      expect(SLEEPABLE_HELPER_IDS.has(id), `id ${id}: ${msg}`).to.equal(msg.includes("might sleep"));
    }
  });

  it("GPL-only flags match (a non-GPL program gets 'cannot call GPL-restricted function')", () => {
    for (const id of ids) {
      const gplOnly = probe.helpers[id].mit.includes("GPL-restricted");
      if (XDP_HELPER_IDS.has(id)) expect(GPL_ONLY_HELPER_IDS.has(id), `id ${id}`).to.equal(gplOnly);
    }
  });

  it("implements only helpers XDP may call, including every one the project needs", () => {
    HELPER_TABLE.forEach((fn, id) => {
      if (fn !== undefined) expect(XDP_HELPER_IDS.has(id), `${helperName(id)}#${id}`).to.equal(true);
    });
    const needed = [1, 2, 3, 5, 6, 7, 8, 12, 23, 25, 28, 42, 44, 51, 54, 65, 69, 87, 88, 89, 93, 94, 113, 118, 125,
      130, 131, 132, 133, 134, 160, 163, 165, 177, 181, 188, 189, 190, 195, 208];
    for (const id of needed) expect(HELPER_TABLE[id], `${helperName(id)}#${id}`).to.be.a("function");
  });
});

describe("checkProgramHelpers", () => {
  const callInsn = (imm: number, src = 0): Insn => ({ op: 0x85, dst: 0, src, off: 0, imm });
  const exit: Insn = { op: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
  const obj = (insns: Insn[], gpl = true): ObjectSpec => ({
    file: "t.o", license: gpl ? "GPL" : "MIT", gplCompatible: gpl, globals: [], btf: null, maps: [],
    programs: [{ name: "fw", section: "xdp", insns: [{ op: 0xb7, dst: 0, src: 0, off: 0, imm: 2 }, ...insns, exit], subprogs: [], funcInfo: [], lineInfo: [], mapRefs: [] }],
  });

  const cases: [string, Insn[], boolean, RegExp | null][] = [
    ["supported helpers", [callInsn(1), callInsn(44), callInsn(189)], true, null],
    ["local calls and kfunc calls are not helper calls", [callInsn(5, 1), callInsn(7, 2)], false, null],
    ["unknown id", [callInsn(999)], true, /^program 'fw': insn #1 calls unknown helper #999 \(invalid func unknown#999\)$/],
    ["negative id", [callInsn(-1)], true, /calls unknown helper #-1/],
    ["id 0 (unspec)", [callInsn(0)], true, /program of this type cannot use helper bpf_unspec#0$/],
    ["helper XDP cannot use", [callInsn(26)], true, /^program 'fw': insn #1: program of this type cannot use helper bpf_skb_load_bytes#26$/],
    ["sleepable helper", [callInsn(148)], true, /helper call might sleep in a non-sleepable prog \(bpf_copy_from_user#148\)/],
    ["GPL-only helper from a non-GPL program", [callInsn(5), callInsn(6)], false,
      /^program 'fw': insn #2: cannot call GPL-restricted function from non-GPL compatible program \(bpf_trace_printk#6\)$/],
    ["GPL-only helper from a GPL program", [callInsn(6), callInsn(69), callInsn(163)], true, null],
    ["available but not simulated", [callInsn(169)], true, /^program 'fw': insn #1 calls helper bpf_timer_init#169, which xdpsim does not support$/],
  ];
  for (const [name, insns, gpl, err] of cases) {
    it(name, () => {
      const o = obj(insns, gpl);
      if (err === null) expect(() => checkProgramHelpers(o, HELPER_TABLE, gpl)).to.not.throw();
      else expect(() => checkProgramHelpers(o, HELPER_TABLE, gpl)).to.throw(LoadError, err);
    });
  }
});
