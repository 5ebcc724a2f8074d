// Tristate numbers against brute force: every concrete result of an operation on members of the
// input tnums must be a member of the output tnum (soundness), on all 4-bit tnum pairs.

import { expect } from "chai";
import {
  Tnum, tnumAdd, tnumAnd, tnumArshift, tnumConst, tnumIn, tnumIntersect, tnumLshift, tnumMul, tnumOr, tnumRange,
  tnumRshift, tnumStr, tnumSub, tnumXor, U64,
} from "../../src/verifier/tnum.js";

function* tnums4(): Generator<Tnum> {
  for (let mask = 0n; mask < 16n; mask++) for (let value = 0n; value < 16n; value++) if ((value & mask) === 0n) yield { value, mask };
}
function members(t: Tnum): bigint[] {
  const out: bigint[] = [];
  for (let v = 0n; v < 16n; v++) if ((v & ~t.mask) === t.value) out.push(v);
  return out;
}
const contains = (t: Tnum, v: bigint): boolean => tnumIn(t, tnumConst(v & U64));

describe("verifier tnum", () => {
  const ops: [string, (a: Tnum, b: Tnum) => Tnum, (x: bigint, y: bigint) => bigint][] = [
    ["add", tnumAdd, (x, y) => x + y], ["sub", tnumSub, (x, y) => x - y], ["and", tnumAnd, (x, y) => x & y],
    ["or", tnumOr, (x, y) => x | y], ["xor", tnumXor, (x, y) => x ^ y], ["mul", tnumMul, (x, y) => x * y],
  ];
  for (const [name, op, concrete] of ops) {
    it(`${name} is sound on every pair of 4-bit tnums`, () => {
      const all = [...tnums4()];
      for (const a of all) for (const b of all) {
        const r = op(a, b);
        for (const x of members(a)) for (const y of members(b)) {
          if (!contains(r, BigInt.asUintN(64, concrete(x, y)))) throw new Error(`${name} ${tnumStr(a)} ${tnumStr(b)} misses ${x},${y}`);
        }
      }
    });
  }

  it("shifts move known bits and keep unknown ones unknown", () => {
    expect(tnumLshift({ value: 0x1n, mask: 0x2n }, 4)).to.deep.equal({ value: 0x10n, mask: 0x20n });
    expect(tnumRshift({ value: 0x10n, mask: 0x20n }, 4)).to.deep.equal({ value: 0x1n, mask: 0x2n });
    expect(tnumArshift(tnumConst(0x80000000n), 4, 32)).to.deep.equal({ value: 0xf8000000n, mask: 0n });
    expect(tnumArshift(tnumConst(U64), 63, 64)).to.deep.equal({ value: U64, mask: 0n });
  });

  it("range and intersect follow tnum.c", () => {
    expect(tnumRange(0n, 255n)).to.deep.equal({ value: 0n, mask: 0xffn });
    expect(tnumRange(16n, 31n)).to.deep.equal({ value: 16n, mask: 0xfn });
    expect(tnumRange(0n, U64)).to.deep.equal({ value: 0n, mask: U64 });
    expect(tnumIntersect({ value: 0n, mask: 0xffn }, { value: 0x10n, mask: 0x0fn })).to.deep.equal({ value: 0x10n, mask: 0x0fn });
    expect(tnumStr({ value: 0n, mask: 0xffn })).to.equal("(0x0; 0xff)");
  });
});
