// Facts against execution: random straight-line scalar programs with forward branches are verified,
// then run by a small concrete evaluator on random xdp_md field values; every fact about a visited
// instruction (constants, 32/53-bit fits, branch sides never taken) must hold on every run.

import { expect } from "chai";
import type { Insn } from "../../src/isa/insn.js";
import { verifyProgram } from "../../src/verifier/verify-program.js";
import { EXIT, I, LDX_W, MOV64_IMM, MOV64_REG, objectOf } from "./build-object.js";

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

const ALU_OPS = [0x00, 0x10, 0x20, 0x40, 0x50, 0xa0, 0xb0, 0x60, 0x70, 0xc0, 0x30, 0x90];
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];

function randomProgram(next: () => number): Insn[] {
  const p: Insn[] = [LDX_W(2, 1, 12), LDX_W(3, 1, 16), MOV64_IMM(4, 7), MOV64_IMM(5, -3), MOV64_IMM(6, 0x1234), MOV64_IMM(7, 1)];
  const body = 20 + (next() % 20);
  const imm = (): number => [0, 1, 2, 7, 31, 255, -1, 0x7fffffff, 1000, -4096][next() % 10];
  for (let k = 0; k < body; k++) {
    const remaining = body - k;
    const dst = 2 + (next() % 6), src = 2 + (next() % 6);
    if (next() % 4 === 0 && remaining > 2) {
      const op = JMP_OPS[next() % JMP_OPS.length];
      const cls = next() % 3 === 0 ? 0x06 : 0x05;
      const x = next() % 2 === 0;
      p.push(I(op | cls | (x ? 0x08 : 0), dst, x ? src : 0, 1 + (next() % Math.min(4, remaining - 1)), x ? 0 : imm()));
      continue;
    }
    const op = ALU_OPS[next() % ALU_OPS.length];
    const cls = next() % 3 === 0 ? 0x04 : 0x07;
    const shift = op === 0x60 || op === 0x70 || op === 0xc0;
    const div = op === 0x30 || op === 0x90;
    if (shift) p.push(I(op | cls, dst, 0, 0, next() % (cls === 0x07 ? 64 : 32)));
    else if (div) p.push(I(op | cls, dst, 0, 0, 1 + (next() % 9)));
    else if (next() % 2 === 0) p.push(I(op | cls | 0x08, dst, src));
    else p.push(I(op | cls, dst, 0, 0, imm()));
  }
  p.push(MOV64_REG(0, 2), EXIT());
  return p;
}

const M64 = (1n << 64n) - 1n;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);

/** Concrete execution; calls `visit(pc, regs)` before each instruction and `branch(pc, taken)`. */
function run(p: Insn[], ifindex: bigint, queue: bigint, visit: (pc: number, r: bigint[]) => void, branch: (pc: number, t: boolean) => void): void {
  const r: bigint[] = new Array(11).fill(0n);
  let pc = 0;
  for (let steps = 0; steps < 1000; steps++) {
    const x = p[pc];
    visit(pc, r);
    const cls = x.op & 7, op = x.op & 0xf0, isX = (x.op & 8) !== 0;
    if (cls === 0x01) { r[x.dst] = x.off === 12 ? ifindex : queue; pc++; continue; }
    if (x.op === 0x95) return;
    if (cls === 0x04 || cls === 0x07) {
      const w = cls === 0x07 ? 64 : 32;
      const mask = (1n << BigInt(w)) - 1n;
      const a = r[x.dst] & mask;
      const b = (isX ? r[x.src] : BigInt.asUintN(64, BigInt(x.imm))) & mask;
      let v: bigint;
      switch (op) {
        case 0x00: v = a + b; break;
        case 0x10: v = a - b; break;
        case 0x20: v = a * b; break;
        case 0x30: v = b === 0n ? 0n : a / b; break;
        case 0x90: v = b === 0n ? a : a % b; break;
        case 0x40: v = a | b; break;
        case 0x50: v = a & b; break;
        case 0xa0: v = a ^ b; break;
        case 0xb0: v = b; break;
        case 0x60: v = a << (b & BigInt(w - 1)); break;
        case 0x70: v = a >> (b & BigInt(w - 1)); break;
        default: v = BigInt.asIntN(w, a) >> (b & BigInt(w - 1)); break;
      }
      r[x.dst] = BigInt.asUintN(w, v) & M64;
      pc++;
      continue;
    }
    // conditional jump
    const w = cls === 0x06 ? 32 : 64;
    const mask = (1n << BigInt(w)) - 1n;
    const a = r[x.dst] & mask, b = (isX ? r[x.src] : BigInt.asUintN(64, BigInt(x.imm))) & mask;
    const sa = BigInt.asIntN(w, a), sb = BigInt.asIntN(w, b);
    const t = ({ 0x10: a === b, 0x20: a > b, 0x30: a >= b, 0x40: (a & b) !== 0n, 0x50: a !== b, 0x60: sa > sb, 0x70: sa >= sb,
      0xa0: a < b, 0xb0: a <= b, 0xc0: sa < sb, 0xd0: sa <= sb } as Record<number, boolean>)[op];
    branch(pc, t);
    pc = t ? pc + x.off + 1 : pc + 1;
  }
  throw new Error("runaway");
}

describe("verifier facts hold at run time (random scalar programs)", function () {
  this.timeout(60_000);
  it("constants, fits and never-taken branch sides are never contradicted", () => {
    const next = rng(20251125);
    let checks = 0, valueFacts = 0, oneSided = 0;
    for (let t = 0; t < 250; t++) {
      const p = randomProgram(next);
      const res = verifyProgram(objectOf(p), 0);
      expect(res.ok, res.error?.message).to.equal(true);
      for (let k = 0; k < 20; k++) {
        const ifindex = BigInt([0, 1, 2, 0xffffffff, 0x80000000, next()][next() % 6]);
        const queue = BigInt([0, 1, 7, 0xffffffff, next() % 64][next() % 5]);
        run(p, ifindex, queue, (pc, r) => {
          const f = res.facts[pc];
          if (!f.visited) throw new Error(`program ${t}: insn ${pc} executed but not visited by the verifier`);
          f.regs.forEach((rf, i) => {
            if (rf.kind !== "scalar" || i === 1 || i === 10) return;
            checks++;
            if (rf.value !== undefined) {
              valueFacts++;
              if (rf.value !== r[i]) throw new Error(`program ${t} insn ${pc}: R${i} fact ${rf.value} but ran with ${r[i]}`);
            }
            if (rf.fitsU32 && r[i] > 0xffffffffn) throw new Error(`program ${t} insn ${pc}: R${i} not u32`);
            if (rf.fitsS53 && (s64(r[i]) > 1n << 53n || s64(r[i]) < -(1n << 53n))) throw new Error(`program ${t} insn ${pc}: R${i} not s53`);
          });
        }, (pc, taken) => {
          const b = res.facts[pc].branch!;
          if (!b.taken || !b.fallthrough) oneSided++;
          if (taken ? !b.taken : !b.fallthrough) throw new Error(`program ${t} insn ${pc}: branch went the way the facts exclude`);
        });
      }
    }
    expect(checks).to.be.above(10000);
    expect(valueFacts).to.be.above(1000);
    expect(oneSided).to.be.above(10);
  });
});
