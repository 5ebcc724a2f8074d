// One instruction as the reference bpftool (v7.1.0, libbpf 1.1) prints it: its kernel/bpf/disasm.c
// predates ISA v4, so sign-extending moves/loads, bswap, sdiv/smod, gotol and the per-CPU move print in
// that older syntax (e.g. `BUG_alu64_d7`, `if w0 jmp 0x0 goto pc+0`). Spec: kernel/bpf/disasm.c (v6.2)
// print_bpf_insn, as vendored by bpftool v7.1.

import { formatInsn, type DisasmCallbacks } from "../isa/disassemble.js";
import type { Insn } from "../isa/insn.js";
import { BPF_ALU, BPF_ALU64, BPF_END, BPF_JA, BPF_JMP32, BPF_LDX, BPF_MEM, BPF_NEG, BPF_X, opClass, opCode, opMode, opSrc } from "../isa/opcodes.js";

const ALU_STRING = ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian"];
const hex2 = (v: number) => v.toString(16).padStart(2, "0");

/** print_bpf_insn of bpftool v7.1 (the rest of the instruction set prints as the current kernel does). */
export function formatBpftoolInsn(insns: readonly Insn[], index: number, cbs: DisasmCallbacks): string {
  const x = insns[index];
  const cls = opClass(x.op);
  const op = `(${hex2(x.op)})`;
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const r = cls === BPF_ALU ? "w" : "r";
    if (opCode(x.op) === BPF_END) {
      if (cls === BPF_ALU64) return `BUG_alu64_${hex2(x.op)}`;
    } else if (opCode(x.op) !== BPF_NEG && x.off !== 0) {
      // movsx, sdiv/smod, per-CPU and address-space moves: the old table has no special case for `off`.
      const s = ALU_STRING[opCode(x.op) >> 4];
      return opSrc(x.op) === BPF_X ? `${op} ${r}${x.dst} ${s} ${r}${x.src}` : `${op} ${r}${x.dst} ${s} ${x.imm | 0}`;
    }
  }
  if (cls === BPF_LDX && opMode(x.op) !== BPF_MEM) return `BUG_ldx_${hex2(x.op)}`;
  if (x.op === (BPF_JMP32 | BPF_JA)) return `${op} if w${x.dst} jmp 0x${(x.imm >>> 0).toString(16)} goto pc${x.off >= 0 ? "+" : ""}${x.off}`;
  return formatInsn(insns, index, cbs);
}
