// eBPF opcode constants with the kernel's names (include/uapi/linux/bpf.h, bpf_common.h) and
// RFC 9669 §3–§5 (instruction classes, ALU/JMP/load-store encodings, atomics, pseudo sources).

// Instruction classes (low 3 bits).
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// Size field (load/store).
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

// Mode field (load/store).
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

// Source operand (ALU/JMP).
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// ALU operations (high 4 bits).
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

// Byte-swap direction (BPF_END source bit).
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

// Jump operations (high 4 bits).
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

// Atomic operations (imm field of BPF_STX | BPF_ATOMIC).
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
/** Load-acquire / store-release (imm of BPF_STX | BPF_ATOMIC, kernel ≥ 6.15). */
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

/** BPF_JMP | BPF_JCOND with src = BPF_MAY_GOTO: the kernel's `may_goto` (bounded-loop escape). */
export const BPF_JCOND = 0xe0;
export const BPF_MAY_GOTO = 0;

// Pseudo sources of BPF_LD | BPF_IMM | BPF_DW (src field).
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

// Pseudo sources of BPF_JMP | BPF_CALL (src field).
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

// Frequently used whole opcodes.
export const BPF_LD_IMM64 = BPF_LD | BPF_IMM | BPF_DW; // 0x18
export const BPF_CALL_OP = BPF_JMP | BPF_CALL; // 0x85
export const BPF_CALLX_OP = BPF_JMP | BPF_CALL | BPF_X; // 0x8d
export const BPF_EXIT_OP = BPF_JMP | BPF_EXIT; // 0x95

// XDP return codes (enum xdp_action).
export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;
export const XDP_TX = 3;
export const XDP_REDIRECT = 4;
export const XDP_VERDICT_NAMES = ["XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"] as const;

/** Instruction fields (RFC 9669 §3.1). */
export const opClass = (op: number): number => op & 0x07;
export const opSize = (op: number): number => op & 0x18;
export const opMode = (op: number): number => op & 0xe0;
export const opSrc = (op: number): number => op & 0x08;
export const opCode = (op: number): number => op & 0xf0;

/** Bytes accessed by a load/store of the given size field. */
export function sizeBytes(size: number): 1 | 2 | 4 | 8 {
  switch (size) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    default: return 8;
  }
}

export const MAX_BPF_STACK = 512;
export const MAX_CALL_FRAMES = 8;
export const MAX_TAIL_CALL_CNT = 33;
