// Budget elision for loop-free programs (compute-max-path.ts): code without per-segment checks runs only
// when the budget covers the longest path; otherwise the checked module runs, faulting where the
// interpreter does. Tail calls see the exact budget left. RFC 9669 semantics, the interpreter's budget rule.

import { expect } from "chai";
import { assemble } from "../../../src/isa/assemble.js";
import { createJit } from "../../../src/exec/jit/create-jit.js";
import { Runtime } from "../../../src/runtime/runtime.js";
import type { ProgArrayMap } from "../../../src/runtime/maps/bpf-map.js";
import { mapSpec, objectOf, runBoth, type Setup } from "./run-backends.js";

function both(s: Setup): void {
  const { interp, jit } = runBoth(s);
  expect(jit).to.deep.equal(interp);
}

// Longest path: 3 (main before the call) + f (4 on its longer side) + 2 = 9; with g called twice more.
const LOOP_FREE = `
  mov r0, 0
  stw [r10-4], 5
  call local f
  add r0, 1
  exit
  f:
  ldxw r1, [r10+508]
  jeq r1, 5, long
  mov r0, 7
  exit
  long:
  call local g
  call local g
  exit
  g:
  add r0, 3
  stw [r10-8], 9
  exit`;

describe("jit: budget checks dropped for loop-free programs", () => {
  it("compiles loop-free code without checks, guarded by the longest path at each entry", () => {
    const rt = new Runtime(objectOf({ insns: assemble(LOOP_FREE) }));
    const src = createJit(rt).source(0);
    expect(src).not.to.contain("break F");
    expect(src, "no tail calls: nothing counted").not.to.contain("B -=");
    expect(src).to.match(/if \(rt\.budget < \d+\) \{ SLOW\(0, dep, A\); return; \}/);
  });

  it("keeps checks when the program has a loop", () => {
    const rt = new Runtime(objectOf({ insns: assemble("mov r0, 3\nl:\nsub r0, 1\njne r0, 0, l\nexit") }));
    expect(createJit(rt).source(0)).to.contain("break F");
  });

  it("every budget around the longest path faults at the same insn with the same memory (repeated runs)", () => {
    const insns = assemble(LOOP_FREE);
    for (let budget = 0; budget < 20; budget++) both({ insns, budget, repeat: 3 });
  });

  it("a loop-free program with a tail call still counts the budget", () => {
    const rt = new Runtime(objectOf({ insns: assemble("lddw r2, map_by_fd(0)\nmov r3, 0\ncall 12\nmov r0, 1\nexit"), maps: [mapSpec(0, "jt", { type: 3, valueSize: 4 })] }));
    const src = createJit(rt).source(0);
    expect(src).not.to.contain("break F");
    expect(src).to.contain("B -=");
  });

  it("a loop-free program's tail call hands the exact budget left to the target", () => {
    const target = assemble("mov r0, 1\nl:\nadd r0, 1\njlt r0, 6, l\nexit");
    const insns = assemble(`
      mov r6, r1
      mov r1, r6
      lddw r2, map_by_fd(0)
      mov r3, 0
      call 12
      mov r0, 99
      exit`);
    for (let budget = 0; budget < 30; budget++) {
      both({
        programs: [insns, target], budget,
        maps: [mapSpec(0, "jt", { type: 3, valueSize: 4 })],
        prepare: (rt) => (rt.maps[0] as ProgArrayMap).setProgram(0, 1),
      });
    }
  });
});
