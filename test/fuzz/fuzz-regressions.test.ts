// Regressions found by the fuzz campaigns (reports/reliability.md), one test per bug.

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LoadError } from "../../src/errors.js";
import { checkArrayValueSize } from "../../src/loader/collect-maps.js";
import { loadObject } from "../../src/loader/load-object.js";
import { sections } from "./elf-edit.js";
import { REPO, runElfCampaign } from "./elf-campaign.js";
import { runProgramCampaign } from "./program-campaign.js";
import { SpecError, validateSpec } from "../../src/testing/load-spec.js";
import { runBoth } from "../exec/jit/run-backends.js";

describe("fuzz regressions", () => {
  it("a global-data section (.bss) with a corrupt size is refused before allocating (was RangeError / multi-GB allocation)", () => {
    for (const size of [0x80000000n, 0xffffffffn, 1n << 40n, (1n << 22n) + 1n]) {
      const b = new Uint8Array(readFileSync(join(REPO, "xdp", "v4.o")));
      const bss = sections(b).find((s) => s.name === ".bss")!;
      new DataView(b.buffer).setBigUint64(bss.hdr + 32, size, true);
      expect(() => loadObject(b, "v4.o")).to.throw(LoadError, /section \.bss: size \d+ is larger than an array map value may be/);
    }
  });

  it("an ARRAY map with value_size >= 2^31 is refused by the loader with E2BIG (was RangeError in the runtime)", () => {
    const obj = loadObject(new Uint8Array(readFileSync(join(REPO, "xdp", "firewall.o"))), "firewall.o");
    const arr = obj.maps.find((m) => m.type === 2 && !m.isGlobalData)!;
    expect(() => checkArrayValueSize(arr)).to.not.throw();
    for (const valueSize of [0x80000000, 0xffffffff, (1 << 22) + 1]) {
      expect(() => checkArrayValueSize({ ...arr, valueSize })).to.throw(LoadError, /value_size \d+ is larger than an array map value may be.*E2BIG/);
    }
  });

  describe("bug 2: a jump out of the program faults at the same instruction on both backends", () => {
    const i = (op: number, dst = 0, src = 0, off = 0, imm = 0) => ({ op, dst, src, off, imm });
    const cases: [string, ReturnType<typeof i>[], RegExp][] = [
      ["backward ja", [i(0xb7, 0, 0, 0, 2), i(0x05, 0, 0, -30), i(0x95)], /^jump out of the program \(to insn #-28 of 3\) \(insn #1\)$/],
      ["taken branch past the end", [i(0xb7, 0, 0, 0, 2), i(0x15, 0, 0, 5, 2), i(0x95)], /\(to insn #7 of 3\) \(insn #1\)$/],
      ["two jumps to one target: the fault names the lowest-numbered one (a static rule both backends follow)", [i(0xb7, 0, 0, 0, 2), i(0x15, 0, 0, 2, 3), i(0x05, 0, 0, 1), i(0x95)], /\(to insn #4 of 4\) \(insn #1\)$/],
      ["falling off the end", [i(0xb7, 0, 0, 0, 2), i(0x07, 0, 0, 0, 1)], /\(to insn #2 of 2\) \(insn #1\)$/],
    ];
    for (const [name, insns, re] of cases) {
      it(name, () => {
        const r = runBoth({ insns, packet: new Uint8Array(64) });
        expect(r.interp.fault).to.match(re);
        expect(r.jit.fault).to.equal(r.interp.fault);
      });
    }
    it("the recorded fuzz cases agree now (ELF 4716, 13065, 14947, 27989, 34643, 48463, 54391, 61692; program 3542, 3927)", function () {
      this.timeout(300_000);
      for (const only of [4716, 13065, 14947, 27989, 34643, 48463, 54391, 61692]) {
        const r = runElfCampaign({ count: 1, seed: 20261125, only });
        expect(r.failures, `ELF case ${only}`).to.deep.equal([]);
      }
      for (const only of [3542, 3927]) {
        const r = runProgramCampaign({ count: 1, seed: 20261125, only });
        expect(r.failures, `program case ${only}`).to.deep.equal([]);
      }
    });
  });

  it("spec match fields and map u64 values of the wrong type are refused at load with the place named (were TypeErrors at run time)", () => {
    // validateSpec fills in the document it is given (resolved paths, built packets): a fresh one each time.
    const base = (): Record<string, unknown> => ({ object: "../../xdp/firewall.o", packets: [{ hex: "ffffffffffff0000000000010800" + "00".repeat(46) }] });
    const file = join(REPO, "test", "specs", "fuzz.yaml");
    const bad: [unknown, RegExp][] = [
      [{ match: { proto: [1] }, verdict: "XDP_PASS" }, /expect\[0\]\.match\.proto: expected one of arp, /],
      [{ match: { src: null }, verdict: "XDP_PASS" }, /expect\[0\]\.match\.src: expected an address or CIDR prefix/],
      [{ match: { dst: "10.0.0.0/40" }, verdict: "XDP_PASS" }, /expect\[0\]\.match\.dst: bad prefix length/],
      [{ match: { dst: "10.0.0.300" }, verdict: "XDP_PASS" }, /expect\[0\]\.match\.dst: not an address/],
      [{ match: { dport: 70000 }, verdict: "XDP_PASS" }, /expect\[0\]\.match\.dport: expected an integer 0\.\.65535/],
      [{ map: "drop_reasons", entries: [{ key: 0, u64: [0, {}] }] }, /expect\[0\]\.entries\[0\]\.u64: expected an unsigned 64-bit integer/],
      [{ map: "drop_reasons", entries: [{ key: 0, u64: "0x1ffffffffffffffff" }] }, /entries\[0\]\.u64: expected an unsigned 64-bit integer/],
    ];
    for (const [e, re] of bad) {
      expect(() => validateSpec({ ...base(), expect: [e] }, file), JSON.stringify(e)).to.throw(SpecError, re);
    }
    expect(() => validateSpec({ ...base(), expect: [{ match: { proto: "TCP", src: "2001:db8::/32", dport: 443 }, count: 0 }] }, file)).to.not.throw();
  });
});
