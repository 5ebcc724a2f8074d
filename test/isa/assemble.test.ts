// Tests of the bpf_conformance-syntax assembler: encodings against llvm-mc's (recorded fixture), labels,
// pseudo lddw forms and error reporting. Encodings: RFC 9669 §3–§5.

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { assemble } from "../../src/isa/assemble.js";
import { encodeInsns } from "../../src/isa/insn.js";
import { AsmError } from "../../src/errors.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/isa/fixtures");

interface EncodingCase {
  asm: string;
  llvm: string;
  hex: string;
}

const llvm = JSON.parse(readFileSync(path.join(FIXTURES, "llvm-mc-encodings.json"), "utf8")) as { cases: EncodingCase[] };

const hexOf = (text: string): string => Buffer.from(encodeInsns(assemble(text))).toString("hex");

describe("assemble", () => {
  describe("encodes like llvm-mc (fixture llvm-mc-encodings.json)", () => {
    for (const c of llvm.cases) {
      it(`${c.asm}  ≡  ${c.llvm}`, () => {
        expect(hexOf(c.asm)).to.equal(c.hex);
      });
    }
  });

  it("accepts registers with and without %, and `#` comments", () => {
    expect(hexOf("mov %r1, %r2 # comment")).to.equal(hexOf("mov r1, r2"));
    expect(assemble("# only a comment\n\n")).to.deep.equal([]);
  });

  it("resolves forward and backward labels relative to the next slot, counting lddw as two", () => {
    const insns = assemble(["top:", "lddw r1, 1", "jeq r1, 1, done", "ja top", "done: exit"].join("\n"));
    expect(insns.map((x) => x.off)).to.deep.equal([0, 0, 1, -4, 0]);
  });

  it("treats `exit` as a label for the first exit instruction", () => {
    const insns = assemble("jne r1, 0, exit\nmov r0, 1\nexit\nexit");
    expect(insns[0].off).to.equal(1);
  });

  it("encodes local calls with a label or offset in imm (src = 1)", () => {
    const insns = assemble("call local f\nexit\nf:\nexit\ncall local -4");
    expect(insns[0]).to.deep.equal({ op: 0x85, dst: 0, src: 1, off: 0, imm: 1 });
    expect(insns[3]).to.deep.equal({ op: 0x85, dst: 0, src: 1, off: 0, imm: -4 });
  });

  it("encodes `call runtime N` as a kfunc call (src = 2)", () => {
    expect(assemble("call runtime 0x2a")[0]).to.deep.equal({ op: 0x85, dst: 0, src: 2, off: 0, imm: 42 });
  });

  it("truncates 32-bit immediates like the suite's assembler", () => {
    expect(assemble("mov r0, 0xffffffff")[0].imm).to.equal(-1);
    expect(assemble("mov r0, 0x1ffffffff")[0].imm).to.equal(-1);
  });

  it("splits a 64-bit lddw constant over two slots", () => {
    const [a, b] = assemble("lddw r3, 0x8000000000000001");
    expect(a).to.deep.equal({ op: 0x18, dst: 3, src: 0, off: 0, imm: 1 });
    expect(b).to.deep.equal({ op: 0, dst: 0, src: 0, off: 0, imm: -0x80000000 });
  });

  describe("lddw pseudo sources", () => {
    const table: [string, number, number, number][] = [
      // text, src, imm, next imm
      ["lddw r1, map_by_fd(3)", 1, 3, 0],
      ["lddw r1, map_by_idx(2)", 5, 2, 0],
      ["lddw r1, map_val(map_by_fd(4)) + 16", 2, 4, 16],
      ["lddw r1, map_val(map_by_idx(1))", 6, 1, 0],
      ["lddw r1, map_by_fd(counters)", 1, 7, 0],
    ];
    for (const [text, src, imm, next] of table) {
      it(text, () => {
        const [a, b] = assemble(text, { mapSlot: (n) => (n === "counters" ? 7 : undefined) });
        expect([a.op, a.dst, a.src, a.imm, b.imm]).to.deep.equal([0x18, 1, src, imm, next]);
      });
    }
    it("code_addr(label) is relative to the next slot (BPF_PSEUDO_FUNC)", () => {
      const insns = assemble("lddw r2, code_addr(f)\nexit\nf:\nexit");
      expect([insns[0].src, insns[0].imm]).to.deep.equal([4, 2]);
    });
  });

  describe("reports errors with the source line", () => {
    const table: [string, RegExp][] = [
      ["mov r0, 1\nfrob r1", /<asm>:2: unknown mnemonic 'frob'/],
      ["ja nowhere", /<asm>:1: unknown label 'nowhere'/],
      ["a:\na:\nexit", /<asm>:2: duplicate label 'a'/],
      ["add r1", /'add' takes 2 operand\(s\), got 1/],
      ["mov r16, 1", /invalid register 'r16'/],
      ["ldxw r0, r1", /expected a memory operand/],
      ["ldxsdw r0, [r1]", /no sign-extending 64-bit load/],
      ["lock nand [r1], r2", /unknown atomic operation 'nand'/],
      ["call bpf_no_such_helper", /unknown label 'bpf_no_such_helper'/],
      ["lddw r1, map_by_fd(nomap)", /unknown map 'nomap'/],
      ["mov r0, 0x10000000000000000", /does not fit 64 bits/],
      [`ja far\n${"mov r0, 0\n".repeat(40000)}far: exit`, /out of 16-bit range/],
    ];
    for (const [text, re] of table) {
      it(re.source, () => {
        expect(() => assemble(text)).to.throw(AsmError, re);
      });
    }
    it("names the source and offsets line numbers", () => {
      expect(() => assemble("exit\nbogus", { source: "t.data", firstLine: 10 })).to.throw(AsmError, /^t\.data:11: /);
    });
  });
});
