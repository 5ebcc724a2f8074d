// Disassembler printing bpftool's `prog dump xlated` syntax: the exact strings of the kernel's
// print_bpf_insn (kernel/bpf/disasm.c) and bpftool's "% 4d: " lines and print_imm (tools/bpf/bpftool/xlated_dumper.c).

import type { Insn } from "./insn.js";
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_ABS, BPF_CALL, BPF_CMPXCHG, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IMM,
  BPF_IND, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LD_IMM64, BPF_LDX, BPF_LOAD_ACQ, BPF_MAY_GOTO,
  BPF_MEM, BPF_MEMSX, BPF_MOV, BPF_NEG, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_ST, BPF_STORE_REL, BPF_STX, BPF_TO_BE, BPF_X, BPF_XCHG,
  BPF_ADD, BPF_AND, BPF_OR, BPF_XOR, BPF_DIV, BPF_MOD,
  opClass, opCode, opMode, opSize, opSrc,
} from "./opcodes.js";
import { HELPER_NAMES } from "./helper-names.js";

/**
 * The kernel's struct bpf_insn_cbs hooks. `call` is asked only when the kernel itself has no name
 * (not a helper id it knows, or a pseudo/kfunc call); returning undefined keeps the kernel's fallback.
 */
export interface DisasmCallbacks {
  /** Name of a call target: bpftool prints kernel symbols here; pseudo calls print `pc` + this. */
  call?: (insn: Insn, index: number) => string | undefined;
  /** Text of an lddw value (kernel default: `0x%llx` of the full 64-bit immediate). */
  imm?: (insn: Insn, next: Insn | undefined, fullImm: bigint, index: number) => string;
}

// C printf of a NULL "%s" (glibc): the kernel tables have holes.
const NULL_STR = "(null)";

const CLASS_STRING = ["ld", "ldx", "st", "stx", "alu", "jmp", "jmp32", "alu64"];

const ALU_STRING: (string | undefined)[] = [
  "+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian",
];
const ALU_SIGN_STRING: Record<number, string> = { [BPF_DIV >> 4]: "s/=", [BPF_MOD >> 4]: "s%=" };
const MOVSX_STRING: (string | undefined)[] = ["(s8)", "(s16)", undefined, "(s32)"];
const ATOMIC_ALU_STRING: Record<number, string> = {
  [BPF_ADD >> 4]: "add", [BPF_AND >> 4]: "and", [BPF_OR >> 4]: "or", [BPF_XOR >> 4]: "xor",
};
const LDST_STRING = ["u32", "u16", "u8", "u64"];
const LDSX_STRING: (string | undefined)[] = ["s32", "s16", "s8", undefined];
const JMP_STRING: (string | undefined)[] = [
  "jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<=",
];

/** kernel's BPF_ADDR_SPACE_CAST off value of `mov`; BPF_ADDR_PERCPU is the internal per-CPU mov. */
const BPF_ADDR_SPACE_CAST = 1;
const BPF_ADDR_PERCPU = -1;

const s = (v: string | undefined): string => v ?? NULL_STR;
const hex2 = (n: number): string => n.toString(16).padStart(2, "0");
const plus = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);

/** One instruction as print_bpf_insn prints it, without the index: `(bf) r6 = r1`. */
export function formatInsn(insns: readonly Insn[], index: number, cbs: DisasmCallbacks = {}): string {
  const insn = insns[index];
  const code = insn.op;
  const op = `(${hex2(code)})`;
  const cls = opClass(code);
  const dst = insn.dst;
  const src = insn.src;
  const off = insn.off;
  const imm = insn.imm | 0;

  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const r = cls === BPF_ALU ? "w" : "r";
    const aluOp = opCode(code) >> 4;
    if (opCode(code) === BPF_END) {
      if (cls === BPF_ALU64) return `${op} r${dst} = bswap${imm} r${dst}`;
      return `${op} r${dst} = ${opSrc(code) === BPF_TO_BE ? "be" : "le"}${imm} r${dst}`;
    }
    if (opCode(code) === BPF_NEG) return `${op} ${r}${dst} = -${r}${dst}`;
    if (code === (BPF_ALU64 | BPF_MOV | BPF_X) && off === BPF_ADDR_SPACE_CAST) {
      return `${op} r${dst} = addr_space_cast(r${src}, ${(imm >>> 16) >>> 0}, ${imm & 0xffff})`;
    }
    if (code === (BPF_ALU64 | BPF_MOV | BPF_X) && off === BPF_ADDR_PERCPU) {
      return `${op} r${dst} = &(void __percpu *)(r${src})`;
    }
    const isSdivSmod = (opCode(code) === BPF_DIV || opCode(code) === BPF_MOD) && off === 1;
    const opStr = isSdivSmod ? ALU_SIGN_STRING[aluOp] : s(ALU_STRING[aluOp]);
    if (opSrc(code) === BPF_X) {
      const isMovsx = opCode(code) === BPF_MOV && (off === 8 || off === 16 || off === 32);
      const sx = isMovsx ? s(MOVSX_STRING[(off >> 3) - 1]) : "";
      return `${op} ${r}${dst} ${opStr} ${sx}${r}${src}`;
    }
    return `${op} ${r}${dst} ${opStr} ${imm}`;
  }

  if (cls === BPF_STX) {
    const size = LDST_STRING[opSize(code) >> 3];
    if (opMode(code) === BPF_MEM) return `${op} *(${size} *)(r${dst} ${plus(off)}) = r${src}`;
    if (opMode(code) === BPF_ATOMIC) {
      const w = opSize(code) === BPF_DW ? "64" : "";
      if (imm === BPF_ADD || imm === BPF_AND || imm === BPF_OR || imm === BPF_XOR) {
        return `${op} lock *(${size} *)(r${dst} ${plus(off)}) ${s(ALU_STRING[imm >> 4])} r${src}`;
      }
      if (imm === (BPF_ADD | BPF_FETCH) || imm === (BPF_AND | BPF_FETCH) ||
          imm === (BPF_OR | BPF_FETCH) || imm === (BPF_XOR | BPF_FETCH)) {
        return `${op} r${src} = atomic${w}_fetch_${ATOMIC_ALU_STRING[imm >> 4]}((${size} *)(r${dst} ${plus(off)}), r${src})`;
      }
      if (imm === BPF_CMPXCHG) return `${op} r0 = atomic${w}_cmpxchg((${size} *)(r${dst} ${plus(off)}), r0, r${src})`;
      if (imm === BPF_XCHG) return `${op} r${src} = atomic${w}_xchg((${size} *)(r${dst} ${plus(off)}), r${src})`;
      if (imm === BPF_LOAD_ACQ) return `${op} r${dst} = load_acquire((${size} *)(r${src} ${plus(off)}))`;
      if (imm === BPF_STORE_REL) return `${op} store_release((${size} *)(r${dst} ${plus(off)}), r${src})`;
    }
    return `BUG_${hex2(code)}`;
  }

  if (cls === BPF_ST) {
    if (opMode(code) === BPF_MEM) {
      return `${op} *(${LDST_STRING[opSize(code) >> 3]} *)(r${dst} ${plus(off)}) = ${imm}`;
    }
    if (opMode(code) === 0xc0) return `${op} nospec`;
    return `BUG_st_${hex2(code)}`;
  }

  if (cls === BPF_LDX) {
    const mode = opMode(code);
    if (mode !== BPF_MEM && mode !== BPF_MEMSX) return `BUG_ldx_${hex2(code)}`;
    const size = mode === BPF_MEM ? LDST_STRING[opSize(code) >> 3] : s(LDSX_STRING[opSize(code) >> 3]);
    return `${op} r${dst} = *(${size} *)(r${src} ${plus(off)})`;
  }

  if (cls === BPF_LD) {
    const size = LDST_STRING[opSize(code) >> 3];
    if (opMode(code) === BPF_ABS) return `${op} r0 = *(${size} *)skb[${imm}]`;
    if (opMode(code) === BPF_IND) return `${op} r0 = *(${size} *)skb[r${src} + ${imm}]`;
    if (opMode(code) === BPF_IMM && opSize(code) === BPF_DW) {
      const next = insns[index + 1];
      const full = (BigInt((next?.imm ?? 0) >>> 0) << 32n) | BigInt(imm >>> 0);
      const text = cbs.imm ? cbs.imm(insn, next, full, index) : `0x${full.toString(16)}`;
      return `${op} r${dst} = ${text}`;
    }
    return `BUG_ld_${hex2(code)}`;
  }

  // BPF_JMP, BPF_JMP32
  const jop = opCode(code);
  const r = cls === BPF_JMP32 ? "w" : "r";
  if (jop === BPF_CALL) {
    if (src === BPF_PSEUDO_CALL) return `${op} call pc${funcName(insn, index, cbs)}`;
    return `${op} call ${funcName(insn, index, cbs)}#${imm}`;
  }
  if (code === (BPF_JMP | BPF_JA)) return `${op} goto pc${plus(off)}`;
  if (code === (BPF_JMP | BPF_JA | BPF_X)) return `${op} gotox r${dst}`;
  if (code === (BPF_JMP | BPF_JCOND) && src === BPF_MAY_GOTO) return `${op} may_goto pc${plus(off)}`;
  if (code === (BPF_JMP32 | BPF_JA)) return `${op} gotol pc${plus(imm)}`;
  if (code === (BPF_JMP | BPF_EXIT)) return `${op} exit`;
  if (opSrc(code) === BPF_X) {
    return `${op} if ${r}${dst} ${s(JMP_STRING[jop >> 4])} ${r}${src} goto pc${plus(off)}`;
  }
  return `${op} if ${r}${dst} ${s(JMP_STRING[jop >> 4])} 0x${(imm >>> 0).toString(16)} goto pc${plus(off)}`;
}

/** __func_get_name: the kernel's own helper name, else the callback, else its fallback text. */
function funcName(insn: Insn, index: number, cbs: DisasmCallbacks): string {
  const imm = insn.imm | 0;
  if (insn.src === 0 && imm >= 0 && imm < HELPER_NAMES.length) return HELPER_NAMES[imm];
  const res = cbs.call?.(insn, index);
  if (res !== undefined) return res;
  if (insn.src === BPF_PSEUDO_CALL) return plus(imm);
  if (insn.src === BPF_PSEUDO_KFUNC_CALL) return "kernel-function";
  return "unknown";
}

/**
 * bpftool's print_imm: `map[id:N]`, `map[id:N][0]+OFF`, `subprog[+N]`, else `0x…`. `mapId` turns the
 * lddw's imm into the id to print (identity for xlated dumps, where the kernel already put the map id there).
 */
export function bpftoolImm(mapId: (imm: number) => number = (x) => x): NonNullable<DisasmCallbacks["imm"]> {
  return (insn, next, full) => {
    if (insn.src === BPF_PSEUDO_MAP_FD) return `map[id:${mapId(insn.imm) >>> 0}]`;
    if (insn.src === BPF_PSEUDO_MAP_VALUE) return `map[id:${mapId(insn.imm) >>> 0}][0]+${(next?.imm ?? 0) >>> 0}`;
    if (insn.src === BPF_PSEUDO_FUNC) return `subprog[${plus(insn.imm | 0)}]`;
    return `0x${full.toString(16)}`;
  };
}

/** bpftool's line prefix `printf("% 4d: ", i)`. */
export function insnIndexPrefix(i: number): string {
  return `${` ${i}`.padStart(4)}: `;
}

/**
 * A whole program as `bpftool prog dump xlated` lines (`   0: (bf) r6 = r1`), skipping the second slot
 * of each lddw, as dump_xlated_plain does (without source-line / function-signature lines).
 */
export function disassemble(insns: readonly Insn[], cbs: DisasmCallbacks = {}): string[] {
  const out: string[] = [];
  for (let i = 0; i < insns.length; i++) {
    out.push(insnIndexPrefix(i) + formatInsn(insns, i, cbs));
    if (insns[i].op === BPF_LD_IMM64) i++;
  }
  return out;
}
