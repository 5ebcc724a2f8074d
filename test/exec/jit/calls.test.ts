// Calls and control transfers under both backends: local calls (the interpreter's one-register-file model),
// tail calls from sub-programs, bpf_loop callbacks, callx, the budget running out inside them, faults
// (unknown helper, kfunc, jumps out of the image, lddw halves) and irreducible control flow. RFC 9669 §4.3.

import { expect } from "chai";
import { assemble } from "../../../src/isa/assemble.js";
import type { Insn } from "../../../src/isa/insn.js";
import type { ProgArrayMap } from "../../../src/runtime/maps/bpf-map.js";
import { createJit } from "../../../src/exec/jit/create-jit.js";
import { Runtime } from "../../../src/runtime/runtime.js";
import { mapSpec, objectOf, runBoth, type Setup } from "./run-backends.js";

/** Runs under both backends; asserts they agree and returns the JIT's outcome. */
function both(s: Setup): { r0: string | null; fault: string | null } {
  const { interp, jit } = runBoth(s);
  expect(jit).to.deep.equal(interp);
  return jit;
}

const hex64 = (v: bigint): string => v.toString(16).padStart(16, "0");

describe("jit: calls, callbacks, faults and control flow (both backends)", () => {
  it("a local call shares the register file: the callee sees r0/r6, the caller gets back r0-r5 but keeps r6-r9", () => {
    const res = both({ insns: assemble(`
      mov r6, 7
      mov r0, 3
      mov r3, 100
      call local f
      add r0, r6
      add r0, r3
      exit
      f:
      mov r1, r6
      add r1, r0
      mov r6, 1000
      mov r3, 5
      mov r0, r1
      exit`) });
    expect(res.r0).to.equal(hex64(10n + 7n + 5n));
  });

  it("each frame has its own stack at r10 = (depth + 1) * 512 and r10 is reset after a call", () => {
    const res = both({ insns: assemble(`
      stdw [r10-8], 11
      call local f
      ldxdw r0, [r10-8]
      exit
      f:
      stdw [r10-8], 22
      mov r0, r10
      exit`) });
    expect(res.r0).to.equal(hex64(11n));
  });

  it("r10 is reset by a local call even after the program wrote it (no stale stack proof)", () => {
    const res = both({ insns: assemble("add r10, 16\ncall local f\nstw [r10-514], 1\nmov r0, 0\nexit\nf:\nexit") });
    expect(res.fault).to.match(/\(insn #2\)$/);
  });

  it("recursion deeper than 8 frames faults at the call", () => {
    const res = both({ insns: assemble("mov r0, 0\nf:\nadd r0, 1\ncall local f\nexit") });
    expect(res.fault).to.equal("local call exceeds the call depth of 8 frames (insn #2)");
  });

  /** prog 0 calls f, which tail-calls prog 1: the frames unwind, prog 1's r0 ends the run. */
  const tailFromSubprog = (): Setup => ({
    programs: [
      assemble(`
        mov r6, 40
        call local f
        mov r0, 99
        exit
        f:
        mov r6, 41
        lddw r2, map_by_fd(0)
        mov r3, 0
        call 12
        mov r0, 5
        exit`),
      assemble("mov r0, r6\nadd r0, 1\nexit"),
    ],
    maps: [mapSpec(0, "jmp", { type: 3, valueSize: 4 })],
    prepare: (rt) => (rt.maps[0] as ProgArrayMap).setProgram(0, 1),
  });

  it("a tail call from a sub-program discards the frames and keeps the registers (interpreter model)", () => {
    expect(both(tailFromSubprog()).r0).to.equal(hex64(42n));
  });

  it("a failed tail call falls through", () => {
    const s = tailFromSubprog();
    s.prepare = undefined;
    expect(both(s).r0).to.equal(hex64(99n));
  });

  it("tail calls chain at most 33 times", () => {
    const res = both({
      programs: [assemble("add r6, 1\nmov r0, r6\nlddw r2, map_by_fd(0)\nmov r3, 0\ncall 12\nmov r0, r6\nexit")],
      maps: [mapSpec(0, "jmp", { type: 3, valueSize: 4 })],
      prepare: (rt) => (rt.maps[0] as ProgArrayMap).setProgram(0, 0),
    });
    expect(res.r0).to.equal(hex64(34n));
  });

  const loopProgram = (cb: string, nr = 5): Insn[] => assemble(`
    mov r6, 0
    stxdw [r10-8], r6
    mov r1, ${nr}
    lddw r2, code_addr(cb)
    mov r3, r10
    add r3, -8
    mov r4, 0
    call 181
    ldxdw r1, [r10-8]
    lsh r0, 32
    or r0, r1
    exit
    cb:
    ${cb}`);

  it("bpf_loop runs the callback in a new frame with (index, ctx)", () => {
    const res = both({ insns: loopProgram("ldxdw r3, [r2]\nadd r3, r1\nstxdw [r2], r3\nmov r0, 0\nexit") });
    expect(res.r0).to.equal(hex64((5n << 32n) | 10n));
  });

  it("bpf_loop stops when the callback returns non-zero", () => {
    const res = both({ insns: loopProgram("ldxdw r3, [r2]\nadd r3, 1\nstxdw [r2], r3\nmov r0, r1\nsub r0, 2\njne r0, 0, z\nmov r0, 1\nexit\nz:\nmov r0, 0\nexit") });
    expect(res.r0).to.equal(hex64((3n << 32n) | 3n));
  });

  it("a fault inside a callback names the callback's instruction", () => {
    const res = both({ insns: loopProgram("ldxdw r3, [r2+4096]\nmov r0, 0\nexit") });
    expect(res.fault).to.match(/\(insn #13\)$/);
  });

  it("bpf_loop callbacks nest (a callback calling bpf_loop) up to the frame limit", () => {
    const res = both({ insns: assemble(`
      mov r1, 3
      lddw r2, code_addr(cb)
      mov r3, 0
      mov r4, 0
      call 181
      exit
      cb:
      mov r1, 2
      lddw r2, code_addr(cb)
      mov r3, 0
      mov r4, 0
      call 181
      mov r0, 0
      exit`) });
    expect(res.fault).to.equal("callback exceeds the call depth of 8 frames (insn #12)");
  });

  it("the budget runs out at the same instruction inside callbacks and callees, with the same memory", () => {
    const prog = assemble(`
      mov r6, 0
      stxdw [r10-8], r6
      mov r1, 4
      lddw r2, code_addr(cb)
      mov r3, r10
      add r3, -8
      mov r4, 0
      call 181
      call local g
      exit
      cb:
      ldxdw r3, [r2]
      add r3, r1
      stxdw [r2], r3
      call local g
      mov r0, 0
      exit
      g:
      stdw [r10-16], 7
      add r0, 1
      exit`);
    for (let budget = 0; budget < 70; budget++) both({ insns: prog, budget });
  });

  it("a replaced helper that runs a callback shares the budget (same fault point)", () => {
    // Helper 7 replaced by one that calls back into the program twice.
    const prog = assemble(`
      mov r6, 0
      lddw r1, code_addr(cb)
      call 7
      add r0, 1
      exit
      cb:
      add r6, 1
      mov r0, r6
      add r0, 2
      exit`);
    const helpers = {
      7: (rt: Runtime, r: Uint32Array) => {
        const f = new Uint32Array(12);
        rt.callback(r[2], f);
        rt.callback(r[2], f);
        r[0] = f[0];
        r[1] = f[1];
      },
    };
    for (let budget = 0; budget < 16; budget++) both({ insns: prog, budget, helpers });
    expect(both({ insns: prog, helpers }).r0).to.equal(hex64(4n));
  });

  it("callx calls the helper named by a register, including bpf_loop and tail calls", () => {
    const fixed = assemble(`
      mov r6, 0
      stxdw [r10-8], r6
      mov r1, 5
      lddw r2, code_addr(cb)
      mov r3, r10
      add r3, -8
      mov r4, 0
      mov r7, 181
      callx r7
      ldxdw r1, [r10-8]
      lsh r0, 32
      or r0, r1
      exit
      cb:
      ldxdw r3, [r2]
      add r3, r1
      stxdw [r2], r3
      mov r0, 0
      exit`);
    expect(both({ insns: fixed }).r0).to.equal(hex64((5n << 32n) | 10n));
    const tail = tailFromSubprog();
    tail.programs![0] = assemble(`
      mov r6, 40
      call local f
      mov r0, 99
      exit
      f:
      mov r6, 41
      lddw r2, map_by_fd(0)
      mov r3, 0
      mov r5, 12
      callx r5
      mov r0, 5
      exit`);
    expect(both(tail).r0).to.equal(hex64(42n));
    expect(both({ insns: assemble("mov r1, -1\ncallx r1\nexit") }).fault).to.equal("callx to a register that holds no helper id (insn #1)");
  });

  it("unknown helpers, kfuncs, jumps out of the image and jumps into an lddw fault like the interpreter", () => {
    expect(both({ insns: assemble("mov r0, 1\ncall 999\nexit") }).fault).to.match(/^helper .*#999 is not available \(insn #1\)$/);
    expect(both({ insns: [{ op: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { op: 0x85, dst: 0, src: 2, off: 0, imm: 17 }, { op: 0x95, dst: 0, src: 0, off: 0, imm: 0 }] }).fault)
      .to.equal("kernel function calls are not supported (kfunc #17) (insn #1)");
    expect(both({ insns: assemble("mov r0, 1\nja +3\nexit") }).fault).to.equal("jump out of the program (to insn #5 of 3) (insn #1)");
    expect(both({ insns: assemble("mov r0, 1") }).fault).to.equal("jump out of the program (to insn #1 of 1) (insn #0)");
    expect(both({ insns: assemble("mov r0, 1\nja +1\nlddw r1, 0x100000001\nexit") }).fault).to.match(/lddw.*\(insn #3\)$/);
    // An invalid instruction that is never reached is harmless.
    expect(both({ insns: [...assemble("mov r0, 1\nexit"), { op: 0xff, dst: 0, src: 0, off: 0, imm: 0 }] }).r0).to.equal(hex64(1n));
  });

  it("irreducible control flow (a loop with two entries) uses the dispatch loop and agrees", () => {
    const text = (start: number): string => `
      mov r2, ${start}
      mov r0, 0
      mov r1, 10
      jeq r2, 0, b
      a:
      add r0, 1
      sub r1, 1
      jeq r1, 0, out
      b:
      add r0, 2
      sub r1, 1
      jne r1, 0, a
      out:
      exit`;
    expect(both({ insns: assemble(text(0)) }).r0).to.equal(hex64(15n));
    expect(both({ insns: assemble(text(1)) }).r0).to.equal(hex64(15n));
    for (let budget = 0; budget < 40; budget++) both({ insns: assemble(text(1)), budget });
    const rt = new Runtime(objectOf({ insns: assemble(text(0)) }));
    expect(createJit(rt).source(0)).to.contain("irreducible control flow: dispatch loop");
  });
});
