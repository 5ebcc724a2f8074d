// Tests of the bpf_conformance `.data` parser: sections, comments, raw programs, results and errors
// (format of bpf_conformance src/bpf_test_parser.cc).

import { expect } from "chai";
import { conformanceDataInsns, parseConformanceData } from "../../src/isa/parse-conformance-data.js";
import { AsmError } from "../../src/errors.js";

describe("parseConformanceData", () => {
  const sample = [
    "# Copyright line the suite ignores",
    "-- asm",
    "mov r0, 1   # trailing comment",
    "ldxb r0, [r1+2]",
    "exit",
    "-- mem",
    "00 01",
    "0x02 ff # comment",
    "-- result",
    "0x8000000000000000",
    "-- no register offset",
    "call instruction",
  ].join("\n");

  it("splits the sections", () => {
    const d = parseConformanceData(sample);
    expect(d.asm).to.contain("ldxb r0, [r1+2]");
    expect(d.asmLine).to.equal(3);
    expect(Array.from(d.mem)).to.deep.equal([0, 1, 2, 255]);
    expect(d.result).to.equal(0x8000000000000000n);
    expect(d.error).to.equal(null);
    expect(d.raw).to.equal(null);
    expect(d.other["no register offset"]).to.equal("call instruction\n");
  });

  it("assembles the asm section", () => {
    const insns = conformanceDataInsns(parseConformanceData(sample));
    expect(insns.map((x) => x.op)).to.deep.equal([0xb7, 0x71, 0x95]);
    expect(insns[1].off).to.equal(2);
  });

  it("reports assembler errors at the file's line", () => {
    const d = parseConformanceData("# x\n-- asm\nexit\nbad r0\n-- result\n0x0", "t.data");
    expect(() => conformanceDataInsns(d, { source: "t.data" })).to.throw(AsmError, /^t\.data:4: /);
  });

  it("reads decimal results", () => {
    expect(parseConformanceData("-- asm\nexit\n-- result\n42\n").result).to.equal(42n);
  });

  it("distinguishes an empty error section from none", () => {
    expect(parseConformanceData("-- asm\nexit\n-- error\n").error).to.equal("");
    expect(parseConformanceData("-- asm\nexit\n-- error\nDivision by zero\n").error).to.equal("Division by zero");
    expect(parseConformanceData("-- asm\nexit\n-- result\n0\n").error).to.equal(null);
  });

  it("decodes `-- raw` slots as little-endian 64-bit words", () => {
    const d = parseConformanceData("-- raw\n0x000000fffff421b7 0x0000000000000095\n-- result\n0x0");
    expect(conformanceDataInsns(d)).to.deep.equal([
      { op: 0xb7, dst: 1, src: 2, off: -12, imm: 0xff },
      { op: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
  });

  it("rejects bad memory bytes", () => {
    expect(() => parseConformanceData("-- mem\n0g\n", "m.data")).to.throw(AsmError, /m\.data:2: bad memory byte '0g'/);
  });
});
