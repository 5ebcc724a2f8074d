// Tests of the bpftool-xlated disassembler: a kernel-recorded `bpftool prog dump xlated` fixture reproduced
// line for line, and a table of every instruction form print_bpf_insn knows (kernel/bpf/disasm.c).

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { bpftoolImm, disassemble, formatInsn, insnIndexPrefix } from "../../src/isa/disassemble.js";
import { assemble } from "../../src/isa/assemble.js";
import { decodeInsns, type Insn } from "../../src/isa/insn.js";
import { BPF_FUNC_MAX_ID, HELPER_NAMES, helperId, helperName } from "../../src/isa/helper-names.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/isa/fixtures");

const one = (text: string): string => formatInsn(assemble(text), 0);
const raw = (op: number, dst: number, src: number, off: number, imm: number): string =>
  formatInsn([{ op, dst, src, off, imm }, { op: 0, dst: 0, src: 0, off: 0, imm: 0 }], 0);

describe("disassemble", () => {
  it("reproduces bpftool's `prog dump xlated` of a kernel-loaded program (fixture)", () => {
    const fx = JSON.parse(readFileSync(path.join(FIXTURES, "disasm-sample.xlated.json"), "utf8")) as {
      xlated: string;
      calls: Record<string, string>;
      bpftool: string[];
    };
    const insns = decodeInsns(Buffer.from(fx.xlated, "hex"));
    // bpftool names call targets from /proc/kallsyms: the recorded names stand in for it.
    const lines = disassemble(insns, {
      imm: bpftoolImm(),
      call: (insn: Insn, i: number) => (insn.src === 1 ? `${insn.off >= 0 ? "+" : ""}${insn.off}#${fx.calls[i]}` : fx.calls[i]),
    });
    const expected = fx.bpftool.filter((l) => /^\s*\d+: /.test(l));
    expect(lines).to.deep.equal(expected);
  });

  it("prefixes lines like bpftool's `% 4d: `", () => {
    expect([0, 9, 10, 999, 1000, 12345].map(insnIndexPrefix)).to.deep.equal([
      "   0: ", "   9: ", "  10: ", " 999: ", " 1000: ", " 12345: ",
    ]);
  });

  describe("prints every instruction form as print_bpf_insn does", () => {
    const table: [string, string][] = [
      ["mov r6, r1", "(bf) r6 = r1"],
      ["mov32 r0, 1", "(b4) w0 = 1"],
      ["mov r0, -1", "(b7) r0 = -1"],
      ["add r1, -8", "(07) r1 += -8"],
      ["sub32 r2, r3", "(1c) w2 -= w3"],
      ["mul r1, 3", "(27) r1 *= 3"],
      ["div32 r1, r2", "(3c) w1 /= w2"],
      ["sdiv r1, r2", "(3f) r1 s/= r2"],
      ["sdiv32 r1, -3", "(34) w1 s/= -3"],
      ["mod r1, 7", "(97) r1 %= 7"],
      ["smod32 r1, r2", "(9c) w1 s%= w2"],
      ["or r1, r2", "(4f) r1 |= r2"],
      ["and32 r1, 255", "(54) w1 &= 255"],
      ["xor r1, r1", "(af) r1 ^= r1"],
      ["lsh r1, 32", "(67) r1 <<= 32"],
      ["rsh32 r1, r2", "(7c) w1 >>= w2"],
      ["arsh r1, 3", "(c7) r1 s>>= 3"],
      ["neg r0", "(87) r0 = -r0"],
      ["neg32 r3", "(84) w3 = -w3"],
      ["movsx864 r1, r2", "(bf) r1 = (s8)r2"],
      ["movsx1664 r1, r2", "(bf) r1 = (s16)r2"],
      ["movsx3264 r1, r2", "(bf) r1 = (s32)r2"],
      ["movsx832 r1, r2", "(bc) w1 = (s8)w2"],
      ["be16 r1", "(dc) r1 = be16 r1"],
      ["le32 r1", "(d4) r1 = le32 r1"],
      ["bswap64 r1", "(d7) r1 = bswap64 r1"],
      ["lddw r1, 0x123456789", "(18) r1 = 0x123456789"],
      ["lddw r1, -1", "(18) r1 = 0xffffffffffffffff"],
      ["ldxw r2, [r6+4]", "(61) r2 = *(u32 *)(r6 +4)"],
      ["ldxdw r2, [r10-8]", "(79) r2 = *(u64 *)(r10 -8)"],
      ["ldxb r2, [r1]", "(71) r2 = *(u8 *)(r1 +0)"],
      ["ldxsb r2, [r1+1]", "(91) r2 = *(s8 *)(r1 +1)"],
      ["ldxsh r2, [r1+2]", "(89) r2 = *(s16 *)(r1 +2)"],
      ["ldxsw r2, [r1+4]", "(81) r2 = *(s32 *)(r1 +4)"],
      ["stb [r10-1], -1", "(72) *(u8 *)(r10 -1) = -1"],
      ["stdw [r10-16], 5", "(7a) *(u64 *)(r10 -16) = 5"],
      ["stxh [r1+2], r3", "(6b) *(u16 *)(r1 +2) = r3"],
      ["lock add [r1+0], r2", "(db) lock *(u64 *)(r1 +0) += r2"],
      ["lock xor32 [r1-4], r2", "(c3) lock *(u32 *)(r1 -4) ^= r2"],
      ["lock fetch add [r1+0], r2", "(db) r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)"],
      ["lock fetch and32 [r1+8], r3", "(c3) r3 = atomic_fetch_and((u32 *)(r1 +8), r3)"],
      ["lock xchg [r1+0], r2", "(db) r2 = atomic64_xchg((u64 *)(r1 +0), r2)"],
      ["lock cmpxchg32 [r1+0], r2", "(c3) r0 = atomic_cmpxchg((u32 *)(r1 +0), r0, r2)"],
      ["load_acquiredw r2, [r1+8]", "(db) r2 = load_acquire((u64 *)(r1 +8))"],
      ["store_releaseb [r1+0], r2", "(d3) store_release((u8 *)(r1 +0), r2)"],
      ["ja +3", "(05) goto pc+3"],
      ["ja -1", "(05) goto pc-1"],
      ["gotol +70000", "(06) gotol pc+70000"],
      ["may_goto +2", "(e5) may_goto pc+2"],
      ["jeq r1, 0, +3", "(15) if r1 == 0x0 goto pc+3"],
      ["jne r1, -1, -2", "(55) if r1 != 0xffffffff goto pc-2"],
      ["jsgt r1, r2, +1", "(6d) if r1 s> r2 goto pc+1"],
      ["jlt32 r1, 5, +1", "(a6) if w1 < 0x5 goto pc+1"],
      ["jset32 r1, r2, +0", "(4e) if w1 & w2 goto pc+0"],
      ["jsle r1, 0x10, +1", "(d5) if r1 s<= 0x10 goto pc+1"],
      ["call 1", "(85) call bpf_map_lookup_elem#1"],
      ["call 12", "(85) call bpf_tail_call#12"],
      ["call 100000", "(85) call unknown#100000"],
      ["call local +5", "(85) call pc+5"],
      ["call local -3", "(85) call pc-3"],
      ["call runtime 42", "(85) call kernel-function#42"],
      ["callx r2", "(8d) call bpf_unspec#0"],
      ["exit", "(95) exit"],
    ];
    for (const [asm, text] of table) {
      it(`${asm}  →  ${text}`, () => {
        expect(one(asm)).to.equal(text);
      });
    }

    it("prints the kernel's BUG_ lines for undefined encodings", () => {
      expect(raw(0x8f, 0, 0, 0, 0)).to.equal("(8f) r0 = -r0"); // NEG ignores the source bit, as the kernel does
      expect(raw(0x99, 1, 2, 0, 0)).to.equal("(99) r1 = *((null) *)(r2 +0)");
      expect(raw(0x21, 0, 0, 0, 0)).to.equal("BUG_ldx_21");
      expect(raw(0x22, 0, 0, 0, 0)).to.equal("BUG_st_22");
      expect(raw(0xc2, 0, 0, 0, 0)).to.equal("(c2) nospec");
      expect(raw(0x43, 1, 2, 0, 0)).to.equal("BUG_43");
      expect(raw(0xdb, 1, 2, 0, 0x77)).to.equal("BUG_db");
      expect(raw(0x10, 0, 0, 0, 0)).to.equal("BUG_ld_10");
      expect(raw(0x20, 0, 0, 0, 12)).to.equal("(20) r0 = *(u32 *)skb[12]");
      expect(raw(0x50, 0, 3, 0, 4)).to.equal("(50) r0 = *(u8 *)skb[r3 + 4]");
      expect(raw(0xe4, 1, 0, 0, 0)).to.equal("(e4) w1 (null) 0");
    });
  });

  describe("lddw operands (bpftool print_imm)", () => {
    const table: [Insn, Insn, string][] = [
      [{ op: 0x18, dst: 1, src: 1, off: 0, imm: 5 }, { op: 0, dst: 0, src: 0, off: 0, imm: 0 }, "(18) r1 = map[id:5]"],
      [{ op: 0x18, dst: 2, src: 2, off: 0, imm: 5 }, { op: 0, dst: 0, src: 0, off: 0, imm: 8 }, "(18) r2 = map[id:5][0]+8"],
      [{ op: 0x18, dst: 3, src: 4, off: 0, imm: 3 }, { op: 0, dst: 0, src: 0, off: 0, imm: 0 }, "(18) r3 = subprog[+3]"],
      [{ op: 0x18, dst: 3, src: 0, off: 0, imm: -1 }, { op: 0, dst: 0, src: 0, off: 0, imm: 0 }, "(18) r3 = 0xffffffff"],
    ];
    for (const [a, b, text] of table) {
      it(text, () => {
        expect(formatInsn([a, b], 0, { imm: bpftoolImm() })).to.equal(text);
      });
    }
    it("maps slots to map ids through the callback", () => {
      const insns = assemble("lddw r1, map_by_fd(0)");
      expect(formatInsn(insns, 0, { imm: bpftoolImm((slot) => slot + 40) })).to.equal("(18) r1 = map[id:40]");
    });
    it("prints the raw 64-bit value without a callback", () => {
      expect(formatInsn(assemble("lddw r1, map_by_fd(7)"), 0)).to.equal("(18) r1 = 0x7");
    });
  });

  it("skips the second slot of lddw", () => {
    expect(disassemble(assemble("lddw r0, 1\nexit"))).to.deep.equal(["   0: (18) r0 = 0x1", "   2: (95) exit"]);
  });
});

describe("helper names (enum bpf_func_id)", () => {
  it("lists every kernel helper id by the disassembler's names", () => {
    expect(BPF_FUNC_MAX_ID).to.equal(212);
    const known: [number, string][] = [
      [0, "bpf_unspec"], [1, "bpf_map_lookup_elem"], [5, "bpf_ktime_get_ns"], [12, "bpf_tail_call"],
      [44, "bpf_xdp_adjust_head"], [51, "bpf_redirect_map"], [65, "bpf_xdp_adjust_tail"], [69, "bpf_fib_lookup"],
      [130, "bpf_ringbuf_output"], [181, "bpf_loop"], [189, "bpf_xdp_load_bytes"], [209, "bpf_user_ringbuf_drain"],
      [211, "bpf_cgrp_storage_delete"],
    ];
    for (const [id, name] of known) expect(HELPER_NAMES[id], `id ${id}`).to.equal(name);
    expect(new Set(HELPER_NAMES).size).to.equal(HELPER_NAMES.length);
  });
  it("looks names up both ways", () => {
    expect(helperName(212)).to.equal("unknown");
    expect(helperName(-1)).to.equal("unknown");
    expect(helperId("bpf_loop")).to.equal(181);
    expect(helperId("redirect")).to.equal(23);
    expect(helperId("nope")).to.equal(undefined);
  });
});
