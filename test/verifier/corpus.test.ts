// Kernel-recorded verifier corpus: every program must get the kernel's accept/reject decision and,
// when rejected, the kernel's first error line (ids normalised, see normaliseMessage).
// Recorded on Linux 6.18 by test/verifier/record-corpus.py (root; `.unpriv` names without CAP_PERFMON).

import { expect } from "chai";
import { loadExpected, normaliseLog, normaliseMessage, runCase } from "./corpus-cases.js";

describe("verifier corpus (recorded on a real kernel)", function () {
  this.timeout(120_000);
  const expected = loadExpected();
  const names = Object.keys(expected).sort();

  it("has at least 40 programs, both accepted and rejected ones", () => {
    expect(names.length).to.be.at.least(40);
    expect(names.filter((n) => expected[n].loads).length).to.be.at.least(15);
    expect(names.filter((n) => !expected[n].loads).length).to.be.at.least(15);
  });

  for (const name of names) {
    const e = expected[name];
    it(`${name}: ${e.loads ? "loads" : `rejected: ${e.error}`}`, () => {
      const r = runCase(name, e);
      if (e.loads) {
        expect(r.error?.message, `simulator rejected (insn #${r.error?.insn})`).to.equal(undefined);
        expect(r.ok).to.equal(true);
      } else {
        expect(r.ok, "simulator accepted a program the kernel rejects").to.equal(false);
        expect(normaliseMessage(r.error!.message)).to.equal(normaliseMessage(e.error ?? ""));
        // The instruction the kernel's log stopped at (when it printed one) is where we fail too,
        // except for errors found after the walk, by the loop detector (reported at the loop head) or at
        // the complexity limit (where the walk stands after 1M insns depends on exploration order).
        if (typeof e.insn === "number" && !/infinite loop|combined stack|too large/.test(e.error ?? "")) {
          expect(r.error!.insn).to.equal(e.insn);
        }
      }
    });
  }

  // The number of instructions the walk processes (the kernel's "processed N insns") depends on
  // exploration order and state pruning; it matches the kernel for every program but these, where
  // the simulator's static precision/liveness prunes differently (see src/verifier/README.md).
  const processedDiffers = new Set(["ok_tcp_options.o"]);
  it("processes as many instructions as the kernel (all but the documented exceptions)", () => {
    const off: string[] = [];
    for (const name of names) {
      const e = expected[name];
      // Programs stopped by the 1M limit already compare "Processed 1000001 insn" in their message.
      if (e.processed === null || e.processed > 1_000_000 || processedDiffers.has(name)) continue;
      const r = runCase(name, e);
      if (r.processedInsns !== e.processed) off.push(`${name}: kernel ${e.processed}, simulator ${r.processedInsns}`);
    }
    expect(off).to.deep.equal([]);
  });

  // The level-1 log (the path that led to the error) line by line, for every rejected program whose
  // log was recorded. Normalised: ld_imm64 operands (the kernel prints map addresses), the padding
  // before `;` state comments, pointer/reference ids and the statistics line.
  for (const name of names.filter((n) => expected[n].log)) {
    it(`${name}: level-1 log matches the kernel's`, () => {
      const r = runCase(name, expected[name], 1);
      expect(normaliseLog(r.log.split("\n"))).to.deep.equal(normaliseLog(expected[name].log!));
    });
  }
});
