// Per instruction class: small programs with results computed by hand from RFC 9669 (§4 arithmetic and
// jumps, §5 loads/stores/atomics/lddw); each runs under the interpreter and the JIT, which must both match.

import { expect } from "chai";
import { assemble } from "../../../src/isa/assemble.js";
import { runBoth } from "./run-backends.js";

/** [name, assembly, expected r0 (64-bit, as bigint)] */
type Case = [string, string, bigint];

const M64 = (1n << 64n) - 1n;
const u64 = (v: bigint): bigint => v & M64;

const ALU64: Case[] = [
  ["add carries into the high word", "lddw r0, 0xffffffff\nadd r0, 1", 0x1_0000_0000n],
  ["add imm is sign-extended", "mov r0, 5\nadd r0, -7", u64(-2n)],
  ["add reg wraps at 2^64", "lddw r0, 0xffffffffffffffff\nmov r1, 2\nadd r0, r1", 1n],
  ["sub borrows from the high word", "lddw r0, 0x100000000\nsub r0, 1", 0xffffffffn],
  ["sub reg", "mov r0, 3\nmov r1, 5\nsub r0, r1", u64(-2n)],
  ["mul 64x64 low half", "lddw r0, 0x123456789\nlddw r1, 0x987654321\nmul r0, r1", u64(0x123456789n * 0x987654321n)],
  ["mul by negative imm", "mov r0, 7\nmul r0, -3", u64(-21n)],
  ["div unsigned 64", "lddw r0, 0xfffffffffffffffe\nmov r1, 3\ndiv r0, r1", 0xfffffffffffffffen / 3n],
  ["div by imm -1 is unsigned (quotient 0 or 1)", "mov r0, 5\ndiv r0, -1", 0n],
  ["div by zero register gives 0", "mov r0, 9\nmov r1, 0\ndiv r0, r1", 0n],
  ["mod unsigned 64", "lddw r0, 0xfffffffffffffffe\nmov r1, 10\nmod r0, r1", 0xfffffffffffffffen % 10n],
  ["mod by zero leaves dst", "lddw r0, 0x1234567890\nmov r1, 0\nmod r0, r1", 0x1234567890n],
  ["sdiv truncates toward zero", "mov r0, -7\nsdiv r0, 2", u64(-3n)],
  ["sdiv INT64_MIN by -1 wraps", "lddw r0, 0x8000000000000000\nsdiv r0, -1", 0x8000000000000000n],
  ["sdiv by zero gives 0", "mov r0, -7\nmov r1, 0\nsdiv r0, r1", 0n],
  ["smod sign follows the dividend", "mov r0, -7\nsmod r0, 2", u64(-1n)],
  ["smod INT64_MIN by -1 is 0", "lddw r0, 0x8000000000000000\nsmod r0, -1", 0n],
  ["smod big operands", "lddw r0, 0x8000000000000001\nlddw r1, 0x100000007\nsmod r0, r1",
    u64(BigInt.asIntN(64, 0x8000000000000001n) % 0x100000007n)],
  ["or/and/xor 64", "lddw r0, 0xf0f0f0f00f0f0f0f\nlddw r1, 0xff00ff00ff00ff00\nor r0, r1\nxor r0, 0x0ff\nand r0, -2",
    u64(((0xf0f0f0f00f0f0f0fn | 0xff00ff00ff00ff00n) ^ 0xffn) & u64(-2n))],
  ["lsh across words", "mov r0, 3\nlsh r0, 31", 3n << 31n],
  ["lsh by 32+", "mov r0, 3\nlsh r0, 40", 3n << 40n],
  ["lsh reg amount masked by 63", "mov r0, 1\nmov r1, 65\nlsh r0, r1", 2n],
  ["rsh logical", "lddw r0, 0x8000000000000000\nrsh r0, 63", 1n],
  ["rsh reg by 33", "lddw r0, 0xff00000000\nmov r1, 33\nrsh r0, r1", 0x7fn],
  ["arsh keeps the sign", "lddw r0, 0x8000000000000000\narsh r0, 62", u64(-2n)],
  ["arsh reg by 40", "lddw r0, 0xff00000000000000\nmov r1, 40\narsh r0, r1", u64(-65536n)],
  ["neg 64", "mov r0, 1\nneg r0", M64],
  ["neg of 0x100000000", "lddw r0, 0x100000000\nneg r0", u64(-0x100000000n)],
  ["mov imm sign-extends", "mov r0, -1", M64],
  ["movsx8", "mov r1, 0x180\nmovsx8 r0, r1", u64(-128n)],
  ["movsx16", "mov r1, 0x8001\nmovsx16 r0, r1", u64(-32767n)],
  ["movsx32", "lddw r1, 0x1ffffffff\nmovsx32 r0, r1", M64],
];

const ALU32: Case[] = [
  ["add32 wraps and zero-extends", "lddw r0, 0xffffffffffffffff\nadd32 r0, 2", 1n],
  ["sub32", "mov32 r0, 1\nsub32 r0, 2", 0xffffffffn],
  ["mul32 low bits", "mov32 r0, 0x10001\nmul32 r0, 0x10001", (0x10001n * 0x10001n) & 0xffffffffn],
  ["div32 unsigned", "mov32 r0, -1\ndiv32 r0, 2", 0x7fffffffn],
  ["div32 by zero clears", "lddw r0, 0xffffffffffffffff\nmov32 r1, 0\ndiv32 r0, r1", 0n],
  ["mod32 by zero zero-extends", "lddw r0, 0xffffffff00000007\nmov r1, 0\nmod32 r0, r1", 7n],
  ["sdiv32 INT_MIN by -1", "mov32 r0, 0x80000000\nsdiv32 r0, -1", 0x80000000n],
  ["smod32 negative", "mov32 r0, -7\nsmod32 r0, 3", 0xffffffffn],
  ["lsh32 masked by 31", "mov32 r0, 1\nmov32 r1, 33\nlsh32 r0, r1", 2n],
  ["rsh32 logical", "mov32 r0, -1\nrsh32 r0, 28", 0xfn],
  ["arsh32 sign", "mov32 r0, 0x80000000\narsh32 r0, 31", 0xffffffffn],
  ["neg32", "mov32 r0, 1\nneg32 r0", 0xffffffffn],
  ["movsx32 8-bit", "mov32 r1, 0xff\nmovsx832 r0, r1", 0xffffffffn],
  ["xor32 clears the high word", "lddw r0, 0xffffffffffffffff\nxor32 r0, 0", 0xffffffffn],
];

const SWAPS: Case[] = [
  ["be16", "lddw r0, 0x1122334455667788\nbe16 r0", 0x8877n],
  ["be32", "lddw r0, 0x1122334455667788\nbe32 r0", 0x88776655n],
  ["be64", "lddw r0, 0x1122334455667788\nbe64 r0", 0x8877665544332211n],
  ["le16", "lddw r0, 0x1122334455667788\nle16 r0", 0x7788n],
  ["le32", "lddw r0, 0x1122334455667788\nle32 r0", 0x55667788n],
  ["le64", "lddw r0, 0x1122334455667788\nle64 r0", 0x1122334455667788n],
  ["bswap16", "lddw r0, 0x1122334455667788\nbswap16 r0", 0x8877n],
  ["bswap32", "lddw r0, 0x1122334455667788\nbswap32 r0", 0x88776655n],
  ["bswap64", "lddw r0, 0x1122334455667788\nbswap64 r0", 0x8877665544332211n],
];

/** Each program returns 1 when the jump is taken, 0 when not. */
const jump = (setup: string, j: string): string => `${setup}\nmov r0, 1\n${j}\nmov r0, 0\nl:\nexit`;
const JUMPS: Case[] = [
  ["jgt unsigned: -1 > 1", jump("mov r1, -1", "jgt r1, 1, l"), 1n],
  ["jsgt signed: -1 > 1 is false", jump("mov r1, -1", "jsgt r1, 1, l"), 0n],
  ["jge equal", jump("mov r1, 5", "jge r1, 5, l"), 1n],
  ["jlt high word decides", jump("lddw r1, 0x100000000\nmov r2, -1\nrsh r2, 32", "jlt r1, r2, l"), 0n],
  ["jle", jump("mov r1, 5\nmov r2, 5", "jle r1, r2, l"), 1n],
  ["jslt", jump("mov r1, -5", "jslt r1, -4, l"), 1n],
  ["jsle", jump("mov r1, -4", "jsle r1, -4, l"), 1n],
  ["jsge", jump("mov r1, -4", "jsge r1, -3, l"), 0n],
  ["jeq imm sign-extended", jump("mov r1, -1", "jeq r1, -1, l"), 1n],
  ["jeq 64 compares the high word", jump("lddw r1, 0x1ffffffff", "jeq r1, -1, l"), 0n],
  ["jne", jump("mov r1, 3", "jne r1, 3, l"), 0n],
  ["jset high bits", jump("lddw r1, 0x100000000\nlddw r2, 0x300000000", "jset r1, r2, l"), 1n],
  ["jeq32 ignores the high word", jump("lddw r1, 0x1ffffffff", "jeq32 r1, -1, l"), 1n],
  ["jgt32 unsigned", jump("mov r1, -1", "jgt32 r1, 1, l"), 1n],
  ["jsgt32 signed", jump("lddw r1, 0x7fffffff", "jsgt32 r1, -1, l"), 1n],
  ["jslt32 with high bits set", jump("lddw r1, 0x1fffffffe", "jslt32 r1, 0, l"), 1n],
  ["jset32", jump("lddw r1, 0x100000000", "jset32 r1, -1, l"), 0n],
  ["ja", "mov r0, 1\nja l\nmov r0, 0\nl:\nexit", 1n],
  ["gotol", "mov r0, 1\ngotol l\nmov r0, 0\nl:\nexit", 1n],
  ["loop with back edge", "mov r0, 0\nmov r1, 10\nl:\nadd r0, r1\nsub r1, 1\njne r1, 0, l\nexit", 55n],
];

const MEMORY: Case[] = [
  ["stack store/load sizes", "lddw r1, 0x8877665544332211\nstxdw [r10-8], r1\nldxb r0, [r10-8]\nldxh r2, [r10-6]\nlsh r2, 8\nor r0, r2\nldxw r2, [r10-4]\nlsh r2, 24\nor r0, r2",
    0x11n | (0x4433n << 8n) | (0x88776655n << 24n)],
  ["ldsx sign-extends", "mov r1, -2\nstxw [r10-4], r1\nldxsb r0, [r10-4]", u64(-2n)],
  ["ldsxh", "mov r1, 0x8000\nstxh [r10-2], r1\nldxsh r0, [r10-2]", u64(-32768n)],
  ["ldsxw", "mov r1, -3\nstxw [r10-4], r1\nldxsw r0, [r10-4]", u64(-3n)],
  ["st imm 64 sign-extends", "stdw [r10-8], -1\nldxdw r0, [r10-8]", M64],
  ["stx truncates", "lddw r1, 0x1122334455667788\nstxb [r10-1], r1\nldxb r0, [r10-1]", 0x88n],
  ["atomic add 64 with fetch", "stdw [r10-8], 40\nmov r1, 2\nlock fetch add [r10-8], r1\nldxdw r0, [r10-8]\nadd r0, r1", 82n],
  ["atomic or/and/xor 32", "stw [r10-4], 0xf0\nmov r1, 0x0f\nlock or32 [r10-4], r1\nmov r1, 0x3c\nlock and32 [r10-4], r1\nmov r1, 1\nlock xor32 [r10-4], r1\nldxw r0, [r10-4]",
    ((0xf0n | 0x0fn) & 0x3cn) ^ 1n],
  ["xchg", "stdw [r10-8], 7\nmov r1, 9\nlock xchg [r10-8], r1\nldxdw r0, [r10-8]\nlsh r0, 8\nor r0, r1", (9n << 8n) | 7n],
  ["cmpxchg succeeds", "stdw [r10-8], 7\nmov r0, 7\nmov r1, 9\nlock cmpxchg [r10-8], r1\nldxdw r2, [r10-8]\nlsh r2, 8\nor r0, r2", (9n << 8n) | 7n],
  ["cmpxchg32 compares the low word only", "stw [r10-4], 7\nlddw r0, 0x100000007\nmov r1, 9\nlock cmpxchg32 [r10-4], r1\nldxw r2, [r10-4]\nlsh r2, 8\nor r0, r2", (9n << 8n) | 7n],
  ["lddw full 64 bits", "lddw r0, 0xfedcba9876543210", 0xfedcba9876543210n],
];

describe("jit: instructions (RFC 9669 results, both backends)", () => {
  for (const [group, cases] of [["ALU64", ALU64], ["ALU32", ALU32], ["byte swaps", SWAPS], ["jumps", JUMPS], ["memory", MEMORY]] as const) {
    describe(group, () => {
      for (const [name, asm, want] of cases) {
        it(name, () => {
          const text = asm.trimEnd().endsWith("exit") ? asm : `${asm}\nexit`;
          const res = runBoth({ insns: assemble(text) });
          const wantHex = want.toString(16).padStart(16, "0");
          expect(res.interp.r0, `interp (${res.interp.fault})`).to.equal(wantHex);
          expect(res.jit.r0, `jit (${res.jit.fault})`).to.equal(wantHex);
          expect(res.jit.stack).to.equal(res.interp.stack);
        });
      }
    });
  }
});
