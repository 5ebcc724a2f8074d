// Runs every test/conformance/*.data file (bpf_conformance format) through the conformance-plugin
// protocol under every backend of backends.ts; expectations are r0 (`-- result`) or a fault (`-- error`).

import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { runConformancePlugin } from "../../src/cli/conformance-plugin.js";
import { encodeInsns } from "../../src/isa/insn.js";
import { conformanceDataInsns, parseConformanceData } from "../../src/isa/parse-conformance-data.js";
import type { Insn } from "../../src/isa/insn.js";
import { BACKENDS } from "./backends.js";

// Compiled to dist/test/conformance/: the .data files stay in the source tree.
const DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/conformance");

/** Bytes as the suite passes them: two hex digits and two spaces each. */
function suiteHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => `${b.toString(16).padStart(2, "0")}  `).join("");
}

const files = readdirSync(DATA_DIR).filter((f) => f.endsWith(".data")).sort();

/**
 * Every instruction of RFC 9669 ISA v1–v4 (plus load-acquire/store-release), as "opcode" or, where `off`,
 * `imm` or `src` selects the operation, "opcode/field": sdiv/smod and movsx by off, byte swaps and
 * atomics by imm, calls by src. lddw's pseudo sources need maps and are unit-tested instead.
 */
const h = (n: number): string => n.toString(16).padStart(2, "0");
const ALL_OPCODES = [
  // ALU64 and ALU (K and X forms of every operation)
  ...[0x07, 0x04].flatMap((cls) =>
    [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0].flatMap((op) => [h(cls | op), h(cls | op | 8)])),
  "87", "84",
  ...["37", "3f", "97", "9f", "34", "3c", "94", "9c"].map((op) => `${op}/off1`),
  "bf/off8", "bf/off16", "bf/off32", "bc/off8", "bc/off16",
  ...["d4", "dc", "d7"].flatMap((op) => [16, 32, 64].map((w) => `${op}/imm${w}`)),
  // loads and stores
  "18", "61", "69", "71", "79", "81", "89", "91", "62", "6a", "72", "7a", "63", "6b", "73", "7b",
  ...["c3", "db"].flatMap((op) => [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x110].map((imm) => `${op}/imm${h(imm)}`)),
  ...["cb", "d3"].flatMap((op) => [0x100, 0x110].map((imm) => `${op}/imm${h(imm)}`)),
  // JMP and JMP32
  "05", "06", "85/src0", "85/src1", "8d", "95",
  ...[0x05, 0x06].flatMap((cls) =>
    [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0].flatMap((op) => [h(cls | op), h(cls | op | 8)])),
];

/** The ALL_OPCODES key of an instruction. */
function opKey(x: Insn): string {
  const op = h(x.op);
  if ((x.op & 0x07) === 0x04 || (x.op & 0x07) === 0x07) {
    const code = x.op & 0xf0;
    if ((code === 0x30 || code === 0x90) && x.off !== 0) return `${op}/off${x.off}`;
    if (code === 0xb0 && x.off !== 0) return `${op}/off${x.off}`;
    if (code === 0xd0) return `${op}/imm${x.imm}`;
  }
  if ((x.op & 0xe7) === 0xc3) return `${op}/imm${h(x.imm >>> 0)}`;
  if (x.op === 0x85) return `${op}/src${x.src}`;
  return op;
}

function opcodesOf(insns: Insn[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < insns.length; i++) {
    out.push(opKey(insns[i]));
    if (insns[i].op === 0x18) i++;
  }
  return out;
}

describe("conformance (.data files through the plugin protocol)", () => {
  it("finds the test files", () => {
    expect(files.length).to.be.greaterThan(100);
  });

  it("together execute every instruction of the ISA", () => {
    const used = new Set<string>();
    for (const file of files) {
      const data = parseConformanceData(readFileSync(path.join(DATA_DIR, file), "utf8"), file);
      for (const op of opcodesOf(conformanceDataInsns(data, { source: file }))) used.add(op);
    }
    expect(ALL_OPCODES.filter((op) => !used.has(op)), "opcodes no .data file uses").to.deep.equal([]);
  });

  for (const backend of BACKENDS) {
    describe(`backend ${backend.name}`, () => {
      for (const file of files) {
        it(file, () => {
          const data = parseConformanceData(readFileSync(path.join(DATA_DIR, file), "utf8"), file);
          const insns = conformanceDataInsns(data, { source: file });
          const argv = data.mem.length > 0 ? [suiteHex(data.mem), "--backend", backend.name] : ["--backend", backend.name];
          const res = runConformancePlugin(argv, `${suiteHex(encodeInsns(insns))}\n`, backend.factory);
          if (data.error !== null) {
            expect(res.exitCode, `expected a failure, got r0 = ${res.stdout}`).to.equal(1);
            if (data.error !== "") expect(res.stdout).to.equal(data.error);
          } else {
            expect(res.exitCode, res.stdout).to.equal(0);
            expect(res.stdout).to.equal(data.result!.toString(16));
          }
        });
      }
    });
  }
});
