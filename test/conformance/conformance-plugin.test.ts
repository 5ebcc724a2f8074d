// Tests of the conformance-plugin protocol (CONTRACT.md): argv shapes the suite uses, r0 printing, exit
// statuses, helper #5 unwind and `--elf` objects, under every backend of backends.ts.

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { parseHexBytes, runConformancePlugin } from "../../src/cli/conformance-plugin.js";
import { assemble } from "../../src/isa/assemble.js";
import { encodeInsns } from "../../src/isa/insn.js";
import { BACKENDS } from "./backends.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/conformance/fixtures");

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => `${b.toString(16).padStart(2, "0")}  `).join("");
const prog = (text: string): string => `${hex(encodeInsns(assemble(text)))}\n`;

for (const { name, factory } of BACKENDS) {
  describe(`conformance plugin (${name})`, () => {
    const run = (argv: string[], text: string) => runConformancePlugin(argv, prog(text), factory);

    it("passes the memory as r1 and its length as r2", () => {
      const res = run(["01  02  03  "], "ldxb r0, [r1+2]\nlsh r0, 8\nor r0, r2\nexit");
      expect(res).to.deep.equal({ stdout: "303", exitCode: 0 });
    });

    it("runs without memory (r1 = r2 = 0) whether the argument is left out or empty", () => {
      for (const argv of [[], [""], ["", "--backend", name]]) {
        expect(run(argv, "mov r0, r1\nor r0, r2\nexit"), JSON.stringify(argv)).to.deep.equal({ stdout: "0", exitCode: 0 });
      }
    });

    it("accepts options as separate words or as one argument", () => {
      for (const argv of [["aa  ", "--backend", name], ["aa  ", `--backend ${name}`], [`--backend=${name}`]]) {
        expect(run(argv, "mov r0, 7\nexit").exitCode, JSON.stringify(argv)).to.equal(0);
      }
    });

    it("prints all 64 bits of r0 in lowercase hex without 0x", () => {
      expect(run([], "lddw r0, 0xFEDCBA9876543210\nexit").stdout).to.equal("fedcba9876543210");
    });

    it("exits 1 with the fault message and instruction index", () => {
      expect(run([], "mov r0, 0\nldxb r0, [r1+0]\nexit")).to.deep.equal({
        stdout: "invalid memory access: address 0x000000000 is not mapped (insn #1)",
        exitCode: 1,
      });
    });

    it("gives helper #5 the suite's unwind semantics", () => {
      expect(run([], "mov r1, 0\ncall 5\nmov r0, 1\nexit").stdout).to.equal("0");
      expect(run([], "mov r1, 9\ncall 5\nexit").stdout).to.equal("9");
    });

    it("rejects malformed input", () => {
      expect(runConformancePlugin([], "b7 00 00\n", factory)).to.deep.include({ exitCode: 1 });
      expect(runConformancePlugin([], "zz\n", factory).stdout).to.match(/bad hex byte 'zz'/);
      expect(runConformancePlugin([], "\n", factory).stdout).to.equal("no program on stdin");
      expect(runConformancePlugin(["--backend", "llvm"], prog("exit"), factory)).to.deep.equal({
        stdout: "--backend must be jit or interp, not 'llvm'",
        exitCode: 2,
      });
      expect(runConformancePlugin(["--frob"], prog("exit"), factory).exitCode).to.equal(2);
    });

    it("runs the first program of an ELF object with --elf", () => {
      const elf = readFileSync(path.join(FIXTURES, "elf-sample.o"));
      const res = runConformancePlugin(["05  06  ", "--elf"], `${hex(elf)}\n`, factory);
      expect(res).to.deep.equal({ stdout: "16", exitCode: 0 });
    });

    it("runs function main of section .text, as the suite lays out its --elf objects", () => {
      const elf = readFileSync(path.join(FIXTURES, "elf-text-main.o"));
      expect(runConformancePlugin(["02  ", "--elf"], `${hex(elf)}\n`, factory)).to.deep.equal({ stdout: "2a", exitCode: 0 });
    });

    it("reports an object that does not load", () => {
      const res = runConformancePlugin(["--elf"], "7f 45 4c 46 00\n", factory);
      expect(res.exitCode).to.equal(1);
      expect(res.stdout).to.match(/^\[elf\] <stdin>: /);
    });
  });
}

describe("parseHexBytes", () => {
  it("reads the suite's format and plain hex runs", () => {
    expect(Array.from(parseHexBytes("b7  00  0a  \n", "x"))).to.deep.equal([0xb7, 0, 0x0a]);
    expect(Array.from(parseHexBytes("b7000aFF", "x"))).to.deep.equal([0xb7, 0, 0x0a, 0xff]);
    expect(() => parseHexBytes("b7 0", "stdin")).to.throw(/stdin: bad hex byte '0'/);
  });
});
