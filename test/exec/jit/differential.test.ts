// Differential fuzzing (fast-check): random programs — straight-line ALU, branchy code with loops and
// memory accesses under small instruction budgets, packet parsers — must give the interpreter's exact
// r0 / fault / stack / memory / packet under the JIT. RFC 9669 §4–§5.

import { expect } from "chai";
import fc from "fast-check";
import type { Insn } from "../../../src/isa/insn.js";
import { mapSpec, runBoth, type Setup } from "./run-backends.js";

const insn = (op: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ op, dst, src, off, imm });

const INTERESTING = [0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 255, 0x7fff, -0x8000, 0x7fffffff, -0x80000000, 0xffff, 0x12345678];
const arbImm = fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
const arbReg = fc.integer({ min: 0, max: 9 });

/** A random valid ALU / ALU64 instruction on r0..r9. */
const arbAlu: fc.Arbitrary<Insn> = fc.record({
  wide: fc.boolean(),
  code: fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0),
  x: fc.boolean(),
  dst: arbReg,
  src: arbReg,
  imm: arbImm,
  variant: fc.integer({ min: 0, max: 3 }),
}).map(({ wide, code, x, dst, src, imm, variant }) => {
  const cls = wide ? 0x07 : 0x04;
  if (code === 0x80) return insn(cls | code, dst);
  if (code === 0xd0) {
    const width = [16, 32, 64][variant % 3];
    return wide ? insn(0xd7, dst, 0, 0, width) : insn(0xd4 | (x ? 0x08 : 0), dst, 0, 0, width);
  }
  let off = 0;
  if ((code === 0x30 || code === 0x90) && variant === 1) off = 1;
  if (code === 0xb0 && x && variant > 0) off = [8, 16, wide ? 32 : 8][variant - 1];
  return insn(cls | code | (x ? 0x08 : 0), dst, x ? src : 0, off, x ? 0 : imm);
});

/** lddw of a random 64-bit value into each of r0..r9 (2 slots each). */
const arbInit = fc.array(fc.tuple(arbImm, arbImm), { minLength: 10, maxLength: 10 }).map((vals) =>
  vals.flatMap(([lo, hi], r) => [insn(0x18, r, 0, 0, lo), insn(0, 0, 0, 0, hi)]));

/** Stores r0..r9 to the stack and exits: the whole register state becomes visible memory. */
const epilogue = (): Insn[] => [...Array.from({ length: 10 }, (_, r) => insn(0x7b, 10, r, -8 * (r + 1))), insn(0x95)];

let runs = 0;
/** Both backends agree; every other run compiles with everything outlined (outlineAbove: tiny). */
function agree(s: Setup): void {
  const { interp, jit } = runBoth(++runs % 2 === 0 ? { ...s, jitOptions: { outlineAbove: 60 } } : s);
  expect(jit).to.deep.equal(interp);
}

describe("jit: differential against the interpreter (fast-check)", function () {
  this.timeout(120000);

  it("straight-line ALU programs", () => {
    fc.assert(fc.property(arbInit, fc.array(arbAlu, { minLength: 1, maxLength: 40 }), (init, body) => {
      agree({ insns: [...init, ...body, ...epilogue()] });
    }), { numRuns: 400 });
  });

  /**
   * Random control flow and memory: each slot is an ALU op, a conditional or unconditional jump to any slot
   * (loops included, sometimes just past the end), a stack access at a random r10 offset (some out of the
   * frame), an access through a random register (mostly unmapped), or an atomic; small budgets.
   */
  const arbSlot = (n: number): fc.Arbitrary<Insn> => fc.oneof(
    { arbitrary: arbAlu, weight: 5 },
    {
      arbitrary: fc.record({
        jmp32: fc.boolean(), code: fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0),
        x: fc.boolean(), dst: arbReg, src: arbReg, imm: arbImm, target: fc.integer({ min: -1, max: n + 1 }),
      }).map((j) => ({ ...insn((j.jmp32 ? 0x06 : 0x05) | j.code | (j.x ? 8 : 0), j.dst, j.x ? j.src : 0, 0, j.x ? 0 : j.imm), target: j.target })),
      weight: 2,
    },
    { arbitrary: fc.integer({ min: 0, max: n }).map((t) => ({ ...insn(0x05), target: t })), weight: 1 },
    // The interpreter lets programs write r10 (the kernel's verifier would not): it must survive parts.
    { arbitrary: fc.integer({ min: -24, max: 24 }).map((k) => insn(0x07, 10, 0, 0, k)), weight: 1 },
    {
      arbitrary: fc.record({ st: fc.constantFrom(0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b),
        reg: arbReg, off: fc.integer({ min: -530, max: 8 }), imm: arbImm })
        .map(({ st, reg, off, imm }) => (st & 7) === 1 ? insn(st, reg, 10, off) : insn(st, 10, reg, off, imm)),
      weight: 3,
    },
    {
      arbitrary: fc.record({ op: fc.constantFrom(0x61, 0x79, 0x63, 0x7b), a: arbReg, b: arbReg, off: fc.integer({ min: -8, max: 8 }) })
        .map(({ op, a, b, off }) => insn(op, a, b, off)),
      weight: 1,
    },
    {
      arbitrary: fc.record({ size: fc.constantFrom(0xc3, 0xdb), imm: fc.constantFrom(0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1),
        src: arbReg, off: fc.constantFrom(-8, -16, -4, -512, -520) })
        .map(({ size, imm, src, off }) => insn(size, 10, src, off, imm)),
      weight: 1,
    },
  );

  it("branches, loops, stack and wild memory accesses under small budgets", () => {
    const arbProg = fc.integer({ min: 4, max: 40 }).chain((n) => fc.tuple(
      fc.constant(n), fc.array(arbSlot(n), { minLength: n, maxLength: n }), fc.integer({ min: 0, max: 400 }), arbInit));
    fc.assert(fc.property(arbProg, ([n, slots, budget, init]) => {
      const base = init.length;
      const body = slots.map((s, i) => {
        const t = (s as Insn & { target?: number }).target;
        const { op, dst, src, off, imm } = s;
        return t === undefined ? insn(op, dst, src, off, imm) : insn(op, dst, src, t - (i + 1), imm);
      });
      void n;
      agree({ insns: [...init, ...body, ...epilogue()], budget: budget + base });
    }), { numRuns: 600 });
  });

  it("local calls (nested, clobbering, stack-writing callees), writes to r10, small budgets", () => {
    // Body slots may be `call local f` / `call local g`; f and g follow the epilogue.
    const f = [insn(0xb7, 1, 0, 0, 11), insn(0x7a, 10, 0, -8, 77), insn(0x79, 0, 10, -8), insn(0x0f, 0, 6), insn(0x95)];
    const g = [insn(0x07, 0, 0, 0, 1), insn(0x85, 0, 1, 0, 0 /* patched: call f */), insn(0xbf, 3, 0), insn(0x95)];
    const arbCallSlot = fc.oneof(
      { arbitrary: arbAlu, weight: 4 },
      { arbitrary: fc.constantFrom("f", "g"), weight: 2 },
      { arbitrary: fc.record({ k: fc.integer({ min: -40, max: 40 }) }).map(({ k }) => insn(0x07, 10, 0, 0, k)), weight: 1 },
      { arbitrary: fc.record({ r: arbReg, off: fc.integer({ min: -520, max: 4 }) }).map(({ r, off }) => insn(0x7b, 10, r, off)), weight: 2 },
    );
    fc.assert(fc.property(arbInit, fc.array(arbCallSlot, { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 300 }), (init, slots, budget) => {
      const body: (Insn | string)[] = [...init, ...slots];
      const epi = epilogue();
      const fAt = body.length + epi.length;
      const gAt = fAt + f.length;
      const prog = body.map((x, i) => (typeof x === "string" ? insn(0x85, 0, 1, 0, (x === "f" ? fAt : gAt) - (i + 1)) : x));
      const gPatched = g.map((x, k) => (k === 1 ? insn(0x85, 0, 1, 0, fAt - (gAt + k + 1)) : x));
      agree({ insns: [...prog, ...epi, ...f, ...gPatched], budget: budget + init.length });
    }), { numRuns: 400 });
  });

  it("map lookups with random keys, accesses through the value pointer at random offsets", () => {
    // key at [r10-4]; r0 = lookup(m, key); if r0 == 0 exit; then loads/stores/atomics at r0 + off.
    const arbUse = fc.record({ op: fc.constantFrom(0x61, 0x79, 0x71, 0x63, 0x7b, 0x72, 0xdb, 0xc3), off: fc.integer({ min: -4, max: 20 }), r: arbReg });
    fc.assert(fc.property(fc.integer({ min: -1, max: 5 }), fc.array(arbUse, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }),
      (key, uses, repeat) => {
        const prog: Insn[] = [
          insn(0x62, 10, 0, -4, key), insn(0xbf, 2, 10), insn(0x07, 2, 0, 0, -4),
          insn(0x18, 1, 1, 0, 0), insn(0, 0, 0, 0, 0), insn(0x85, 0, 0, 0, 1),
          insn(0x55, 0, 0, 2, 0), insn(0xb7, 0, 0, 0, 7), insn(0x95),
          insn(0xbf, 6, 0),
          ...uses.map((u) => {
            if ((u.op & 7) === 1) return insn(u.op, u.r, 6, u.off);
            if (u.op === 0xdb || u.op === 0xc3) return insn(u.op, 6, u.r, u.off & ~3, 0x01);
            if (u.op === 0x72) return insn(u.op, 6, 0, u.off, 0x5a);
            return insn(u.op, 6, u.r, u.off);
          }),
          insn(0xb7, 0, 0, 0, 1), insn(0x95),
        ];
        agree({ insns: prog, maps: [mapSpec(0, "m", { valueSize: 12, maxEntries: 4 })], repeat });
      }), { numRuns: 300 });
  });

  it("packet parsers: ctx loads, bounds checks, proven and unproven packet accesses", () => {
    // r2 = data, r3 = data_end; if (r2 + N > r3) exit(1); then random reads/writes at random offsets
    // (inside N: proven; beyond: checked and possibly faulting) folded into r0.
    const arbAccess = fc.record({ load: fc.boolean(), size: fc.constantFrom(0x00, 0x08, 0x10, 0x18), off: fc.integer({ min: -4, max: 80 }), imm: arbImm });
    // Frames of about `need` bytes, so accesses straddle the proven bound as often as not.
    const arbCase = fc.integer({ min: 14, max: 64 }).chain((need) => fc.tuple(
      fc.constant(need),
      fc.array(fc.oneof(arbAccess, fc.record({ load: fc.boolean(), size: fc.constantFrom(0x00, 0x08, 0x10, 0x18),
        off: fc.integer({ min: need - 9, max: need + 1 }), imm: arbImm })), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: need - 2, max: need + 3 }).chain((len) => fc.uint8Array({ minLength: Math.max(14, len), maxLength: Math.max(14, len) })),
      fc.boolean()));
    fc.assert(fc.property(arbCase, ([need, accesses, frame, meta]) => {
        const prog: Insn[] = [
          insn(0x61, 2, 1, meta ? 8 : 0), // r2 = data (or data_meta)
          insn(0x61, 3, 1, 4), // r3 = data_end
          insn(0xbf, 4, 2), insn(0x07, 4, 0, 0, need), // r4 = r2 + need
          insn(0x2d, 4, 3, 2), // if r4 > r3 goto out
          insn(0xb7, 0, 0, 0, 0),
          insn(0x05, 0, 0, 2),
          insn(0xb7, 0, 0, 0, 1), // out: r0 = 1
          insn(0x95),
        ];
        // Patch: the branch skips to `out` (index 7) — rebuild with the accesses before the first exit.
        const body: Insn[] = [];
        for (const a of accesses) {
          if (a.load) {
            body.push(insn(0x61 | a.size, 5, 2, a.off), insn(0xaf, 0, 5)); // r5 = *(r2 + off); r0 ^= r5
          } else {
            body.push(insn(0x62 | a.size, 2, 0, a.off, a.imm)); // *(r2 + off) = imm
          }
        }
        const head = prog.slice(0, 4);
        const exitOk = [insn(0x95)];
        const out = [insn(0xb7, 0, 0, 0, 1), insn(0x95)];
        const full = [...head, insn(0x2d, 4, 3, 1 + body.length + 1), insn(0xb7, 0, 0, 0, 0), ...body, ...exitOk, ...out];
        agree({ insns: full, packet: frame });
      }), { numRuns: 500 });
  });

  it("range-shaped arithmetic: masked / shifted / zero-extended values near word boundaries", () => {
    // Values whose range the JIT's scalar pass knows (and, rsh, mov32, byte loads), then add/sub/mul/shift
    // and compares with operands at 2^31 / 2^32 edges: the carry/borrow and compare folding must be exact.
    const EDGE = [0, 1, 2, -1, -2, 0x7fffffff, -0x80000000, 0x7ffffffe, 0xffff, 0x10000, 0xff, 0x100];
    const arbEdge = fc.constantFrom(...EDGE);
    const arbShape = fc.record({ kind: fc.integer({ min: 0, max: 4 }), r: arbReg, k: arbEdge, n: fc.integer({ min: 0, max: 63 }) })
      .map(({ kind, r, k, n }) => [
        insn(0x57, r, 0, 0, k), insn(0x77, r, 0, 0, n), insn(0xbc, r, r), insn(0x54, r, 0, 0, k), insn(0x67, r, 0, 0, n & 31),
      ][kind]);
    const arbOp = fc.record({ code: fc.constantFrom(0x00, 0x10, 0x20, 0x60, 0x70, 0xc0, 0x40, 0xa0, 0x50), wide: fc.boolean(), x: fc.boolean(),
      d: arbReg, s: arbReg, k: arbEdge })
      .map(({ code, wide, x, d, s: src, k }) => insn((wide ? 0x07 : 0x04) | code | (x ? 8 : 0), d, x ? src : 0, 0, x ? 0 : k));
    const arbCmp = fc.record({ code: fc.constantFrom(0x10, 0x20, 0x30, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0, 0x40), j32: fc.boolean(),
      x: fc.boolean(), d: arbReg, s: arbReg, k: arbEdge })
      .map(({ code, j32, x, d, s: src, k }) => [insn((j32 ? 0x06 : 0x05) | code | (x ? 8 : 0), d, x ? src : 0, 1, x ? 0 : k), insn(0x07, 0, 0, 0, 1)]);
    const arbEdgeInit = fc.array(fc.tuple(arbEdge, arbEdge), { minLength: 10, maxLength: 10 }).map((vals) =>
      vals.flatMap(([lo, hi], r) => [insn(0x18, r, 0, 0, lo), insn(0, 0, 0, 0, hi)]));
    fc.assert(fc.property(arbEdgeInit, fc.array(fc.oneof(arbShape.map((x) => [x]), arbOp.map((x) => [x]), arbCmp), { minLength: 1, maxLength: 30 }),
      (init, parts) => {
        agree({ insns: [...init, ...parts.flat(), ...epilogue()] });
      }), { numRuns: 1500 });
  });
});
