// Scalar range propagation (adjust_scalar_min_max_vals + reg_bounds_sync) checked against concrete
// arithmetic: for random input ranges, every concrete result must lie within the computed bounds.

import { expect } from "chai";
import { BPF_ADD, BPF_AND, BPF_ARSH, BPF_LSH, BPF_MUL, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR } from "../../src/isa/opcodes.js";
import { adjustScalarMinMax } from "../../src/verifier/adjust-scalar-bounds.js";
import { Reg, boundsSync, cloneReg, markKnown, unknownScalar } from "../../src/verifier/reg-state.js";
import { tnumConst, tnumIn, tnumRange } from "../../src/verifier/tnum.js";

/** Deterministic PRNG (xorshift) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

function rangeReg(lo: bigint, hi: bigint): Reg {
  const r = unknownScalar();
  r.umin = lo; r.umax = hi; r.smin = BigInt.asIntN(64, lo) <= BigInt.asIntN(64, hi) ? BigInt.asIntN(64, lo) : r.smin;
  r.smax = BigInt.asIntN(64, lo) <= BigInt.asIntN(64, hi) ? BigInt.asIntN(64, hi) : r.smax;
  r.varOff = tnumRange(lo, hi);
  boundsSync(r);
  return r;
}

function within(r: Reg, v: bigint): boolean {
  const u = BigInt.asUintN(64, v), s = BigInt.asIntN(64, v);
  const u32 = BigInt.asUintN(32, v), s32 = BigInt.asIntN(32, v);
  return u >= r.umin && u <= r.umax && s >= r.smin && s <= r.smax && u32 >= r.u32min && u32 <= r.u32max &&
    s32 >= r.s32min && s32 <= r.s32max && tnumIn(r.varOff, tnumConst(u));
}

function concrete(op: number, alu32: boolean, a: bigint, b: bigint): bigint {
  const w = alu32 ? 32 : 64;
  const x = BigInt.asUintN(w, a), y = BigInt.asUintN(w, b);
  let r: bigint;
  switch (op) {
    case BPF_ADD: r = x + y; break;
    case BPF_SUB: r = x - y; break;
    case BPF_MUL: r = x * y; break;
    case BPF_AND: r = x & y; break;
    case BPF_OR: r = x | y; break;
    case BPF_XOR: r = x ^ y; break;
    case BPF_LSH: r = x << y; break;
    case BPF_RSH: r = x >> y; break;
    default: r = BigInt.asIntN(w, x) >> y; break;
  }
  return BigInt.asUintN(w, r);
}

describe("verifier scalar bounds", () => {
  const ops = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH];
  for (const alu32 of [false, true]) {
    for (const op of ops) {
      it(`op 0x${op.toString(16)} ${alu32 ? "alu32" : "alu64"}: concrete results stay within the computed bounds`, () => {
        const next = rng(op * 7 + (alu32 ? 3 : 1));
        let checked = 0;
        const shift = op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH;
        for (let t = 0; t < 300; t++) {
          const pick = (): bigint => {
            const k = next() % 4;
            if (k === 0) return BigInt(next() % 64);
            if (k === 1) return BigInt(next());
            if (k === 2) return BigInt.asUintN(64, -BigInt(next() % 1000));
            return (BigInt(next()) << 32n) | BigInt(next());
          };
          let lo = pick(), hi = pick();
          if (lo > hi) [lo, hi] = [hi, lo];
          const dst = rangeReg(lo, hi);
          let src: Reg;
          let samplesB: bigint[];
          if (shift) {
            const k = BigInt(next() % (alu32 ? 32 : 64));
            src = unknownScalar(); markKnown(src, k); samplesB = [k];
          } else {
            let l2 = pick(), h2 = pick();
            if (l2 > h2) [l2, h2] = [h2, l2];
            src = rangeReg(l2, h2);
            samplesB = [l2, h2, l2 + (h2 - l2) / 2n];
          }
          const out = cloneReg(dst);
          adjustScalarMinMax(op, alu32, out, src);
          for (const a of [lo, hi, lo + (hi - lo) / 3n]) {
            if (!within(dst, a)) continue;
            for (const b of samplesB) {
              if (!within(src, b)) continue;
              checked++;
              const v = concrete(op, alu32, a, b);
              if (!within(out, v)) throw new Error(`op ${op} ${a} ${b} = ${v} outside [${out.umin}, ${out.umax}] s[${out.smin}, ${out.smax}]`);
            }
          }
        }
        expect(checked, "concrete samples checked").to.be.above(300);
      });
    }
  }

  it("keeps exact constants exact", () => {
    const a = unknownScalar(); markKnown(a, 40n);
    const b = unknownScalar(); markKnown(b, 2n);
    adjustScalarMinMax(BPF_ADD, false, a, b);
    expect(a.varOff).to.deep.equal({ value: 42n, mask: 0n });
    expect([a.umin, a.umax, a.smin, a.smax]).to.deep.equal([42n, 42n, 42n, 42n]);
  });
});
