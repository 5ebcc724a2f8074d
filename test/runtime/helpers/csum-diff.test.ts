// bpf_csum_diff against the kernel (xdp-csum-diff fixture: identical/zero/one-sided/odd-size/random
// vectors recorded on 6.18) and table-driven checks of the x86-64 csum_partial model it relies on.

import { expect } from "chai";
import { csumAdd, csumFrom32to16, csumPartial } from "../../../src/runtime/helpers/csum-diff.js";
import { call, hex, kernelFixture, loadPacket, makeRuntime, putStack, unhex } from "./call-helper.js";

const CSUM_DIFF = 28;

describe("bpf_csum_diff vs kernel (xdp-csum-diff)", () => {
  const fx = kernelFixture("xdp-csum-diff");
  const rt = makeRuntime();
  for (const c of fx.cases) {
    it(c.name, () => {
      const p = loadPacket(rt, c.packet);
      const dv = new DataView(p.buffer);
      const fs = dv.getUint32(16, true), ts = dv.getUint32(20, true), seed = dv.getBigUint64(24, true);
      const from = putStack(rt, 0, p.subarray(32, 96));
      const to = putStack(rt, 64, p.subarray(96, 160));
      const r = call(rt, CSUM_DIFF, from, fs, to, ts, seed);
      // the program stores the 8-byte result at data + 160
      const out = rt.xdp.output(true);
      new DataView(out.buffer).setBigUint64(160, r, true);
      expect(hex(out)).to.equal(c.out);
    });
  }
});

describe("csum_partial model (arch/x86/lib/csum-partial_64.c)", () => {
  const cases: [string, string, number, number][] = [
    // name, bytes, seed, expected 32-bit csum_partial
    ["empty, seed 0", "", 0, 0],
    ["empty, seed kept", "", 0x12345678, 0x12345678],
    ["all-zero data, seed 0", "00000000", 0, 0],
    ["one LE word", "01020304", 0, 0x04030201],
    ["tail of 1 byte is the low byte", "ff", 0, 0xff],
    ["tail of 3 bytes", "010203", 0, 0x030201],
    ["end-around carry", "ffffffff01000000", 0, 1],
    ["minus zero stays 0xffffffff", "ffffffff", 0, 0xffffffff],
    ["seed 0xffffffff plus zero data", "00000000", 0xffffffff, 0xffffffff],
  ];
  for (const [name, h, seed, want] of cases) {
    it(name, () => {
      const b = unhex(h);
      expect(csumPartial(new DataView(b.buffer), 0, b.length, seed)).to.equal(want);
    });
  }

  it("folds without complement and adds with end-around carry", () => {
    expect(csumFrom32to16(0xffffffff)).to.equal(0xffff);
    expect(csumFrom32to16(0x0001ffff)).to.equal(0x0001);
    expect(csumFrom32to16(0)).to.equal(0);
    expect(csumAdd(0xffffffff, 1)).to.equal(1);
    expect(csumAdd(0x80000000, 0x80000000)).to.equal(1);
  });

  it("matches RFC 1071's example sum (00 01 f2 03 f4 f5 f6 f7 → 0xddf2 folded, byte-swapped LE)", () => {
    const b = unhex("0001f203f4f5f6f7");
    expect(csumFrom32to16(csumPartial(new DataView(b.buffer), 0, 8, 0))).to.equal(0xf2dd);
  });
});
