// Pre-decodes a program's instruction slots once into flat typed arrays: one packed word per slot with an
// internal opcode that folds in the `off`/`imm`/`src` variants (sdiv/smod, movsx, swaps, calls, lddw). RFC 9669 §3–§5.

import type { Insn } from "../../isa/insn.js";
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW,
  BPF_END, BPF_EXIT, BPF_FETCH, BPF_H, BPF_IMM, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX,
  BPF_LOAD_ACQ, BPF_LSH, BPF_MAY_GOTO, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OR,
  BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE, BPF_RSH, BPF_ST, BPF_STORE_REL, BPF_STX, BPF_SUB, BPF_TO_BE,
  BPF_W, BPF_X, BPF_XCHG, BPF_XOR, BPF_K,
  opClass, opCode, opMode, opSize, opSrc,
} from "../../isa/opcodes.js";

// ---- internal opcodes ----
// An internal opcode is the RFC opcode, except for instructions whose meaning also depends on `off`, `imm`
// or `src`: those get a code of their own in 0xe0..0xfb (no valid BPF opcode lives there but 0xe5,
// may_goto). Keeping every code below 0x100 keeps the interpreter's switch dense enough for V8 to
// compile it to a jump table (V8 wants literal Smi case labels spread over at most 3x their number).
/** Slot that must not execute (bad encoding, second half of lddw…); `invalid[pc]` says why. */
export const OP_INVALID = 0x00;
export const OP_SDIV64_K = 0xe0;
export const OP_SDIV64_X = 0xe1;
export const OP_SMOD64_K = 0xe2;
export const OP_SMOD64_X = 0xe3;
export const OP_SDIV32_K = 0xe4;
/** may_goto (BPF_JMP | BPF_JCOND, src = BPF_MAY_GOTO) keeps its RFC opcode. */
export const OP_MAY_GOTO = BPF_JMP | BPF_JCOND; // 0xe5
export const OP_SDIV32_X = 0xe6;
export const OP_SMOD32_K = 0xe7;
export const OP_SMOD32_X = 0xe8;
export const OP_MOVSX8_64 = 0xe9;
export const OP_MOVSX16_64 = 0xea;
export const OP_MOVSX32_64 = 0xeb;
export const OP_MOVSX8_32 = 0xec;
export const OP_MOVSX16_32 = 0xed;
export const OP_LE16 = 0xee;
export const OP_LE32 = 0xef;
export const OP_LE64 = 0xf0;
export const OP_BE16 = 0xf1;
export const OP_BE32 = 0xf2;
export const OP_BE64 = 0xf3;
export const OP_BSWAP16 = 0xf4;
export const OP_BSWAP32 = 0xf5;
export const OP_BSWAP64 = 0xf6;
/** lddw of a map (BPF_PSEUDO_MAP_FD / _IDX), a map value (BPF_PSEUDO_MAP_VALUE / _IDX_VALUE), a function. */
export const OP_LDDW_MAP = 0xf7;
export const OP_LDDW_MAP_VALUE = 0xf8;
export const OP_LDDW_FUNC = 0xf9;
/** call with src = BPF_PSEUDO_CALL / BPF_PSEUDO_KFUNC_CALL (helper calls keep 0x85, callx 0x8d). */
export const OP_CALL_LOCAL = 0xfa;
export const OP_CALL_KFUNC = 0xfb;

/**
 * A program prepared for execution. `code` holds two words per slot i: code[2i] packs the internal opcode
 * and operands (bits 0-7 opcode, 8-11 dst, 12-15 src, 16-31 off, signed: `word >> 16`) and code[2i+1] is
 * the immediate, so an interpreter touches one array per instruction.
 */
export interface DecodedProgram {
  readonly index: number;
  readonly name: string;
  readonly len: number;
  /** Internal opcode per slot (see OP_*); the low byte of `word`. */
  readonly op: Uint8Array;
  /** [word, imm] per slot (see above); lddw's upper immediate is the next slot's imm, code[2i+3]. */
  readonly code: Int32Array;
  /** Signed 32-bit immediate per slot. */
  readonly imm: Int32Array;
  /** Why an OP_INVALID slot is invalid. */
  readonly invalid: (string | undefined)[];
  /**
   * Out-of-range control-flow targets → the instruction a fault there names: the first (lowest)
   * jump to that target, or the last slot when control falls off the end. Empty for sane programs.
   */
  readonly outOfRange: Map<number, number>;
}

/**
 * Jumps (and the fall-through off the last slot) whose target lies outside [0, len): the verifier
 * rejects them, unverified runs fault there. Both backends name the same instruction for such a
 * fault: the lowest-numbered jump to that target (the last slot for falling off the end).
 */
export function findOutOfRangeTargets(insns: readonly Insn[]): Map<number, number> {
  const out = new Map<number, number>();
  const len = insns.length;
  const note = (target: number, from: number): void => {
    if ((target < 0 || target >= len) && !out.has(target)) out.set(target, from);
  };
  for (let j = 0; j < len; j++) {
    const x = insns[j];
    const cls = x.op & 0x07;
    if (x.op === 0x18) { j++; continue; }
    if (cls !== 0x05 && cls !== 0x06) continue;
    const code = x.op & 0xf0;
    if (code === 0x80 || code === 0x90) continue; // call, exit
    note(j + 1 + (x.op === 0x06 ? x.imm : x.off), j);
  }
  // Falling off the end: the last slot is not an unconditional transfer.
  if (len > 0) {
    const last = insns[len - 1];
    if (len > 1 && insns[len - 2].op === 0x18) note(len, len - 2);
    else if (last.op !== 0x95 && last.op !== 0x05 && last.op !== 0x06) note(len, len - 1);
  }
  return out;
}

/** Pack a slot's opcode and operands (the even words of `DecodedProgram.code`). */
export function packWord(op: number, dst: number, src: number, off: number): number {
  return (op & 0xff) | ((dst & 0x0f) << 8) | ((src & 0x0f) << 12) | (off << 16);
}

const ATOMIC_IMMS = new Set([
  BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH,
  BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL,
]);

/** Decode `insns` (a ProgramSpec's linked image) into a DecodedProgram. Never throws: bad slots become OP_INVALID. */
export function decodeProgram(insns: readonly Insn[], index = 0, name = ""): DecodedProgram {
  const len = insns.length;
  const p: DecodedProgram = {
    index,
    name,
    len,
    op: new Uint8Array(len),
    code: new Int32Array(2 * len),
    imm: new Int32Array(len),
    invalid: new Array(len),
    outOfRange: findOutOfRangeTargets(insns),
  };
  for (let i = 0; i < len; i++) {
    const x = insns[i];
    const r = internalOpcode(insns, i);
    const op = typeof r === "string" ? OP_INVALID : r;
    if (typeof r === "string") p.invalid[i] = r;
    p.op[i] = op;
    p.code[2 * i] = packWord(op, x.dst, x.src, x.off);
    p.code[2 * i + 1] = p.imm[i] = x.imm | 0;
    if (x.op === (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < len) {
      // The second slot carries the upper immediate; it is not an instruction of its own.
      i++;
      const y = insns[i];
      p.op[i] = OP_INVALID;
      p.code[2 * i] = packWord(OP_INVALID, y.dst, y.src, y.off);
      p.code[2 * i + 1] = p.imm[i] = y.imm | 0;
      p.invalid[i] = "jump into the middle of an lddw instruction";
    }
  }
  return p;
}

/** The internal opcode of slot i, or the reason it cannot execute. */
function internalOpcode(insns: readonly Insn[], i: number): number | string {
  const x = insns[i];
  const op = x.op;
  if (x.dst > 10) return `invalid register r${x.dst}`;
  const cls = opClass(op);
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      if (opSrc(op) === BPF_X && x.src > 10) return `invalid register r${x.src}`;
      const code = opCode(op);
      switch (code) {
        case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_OR: case BPF_AND: case BPF_LSH: case BPF_RSH:
        case BPF_XOR: case BPF_ARSH:
          return op;
        case BPF_DIV:
        case BPF_MOD: {
          if (x.off === 0) return op;
          if (x.off !== 1) return `invalid offset ${x.off} of a division`;
          const k = opSrc(op) === BPF_K;
          if (cls === BPF_ALU64) {
            if (code === BPF_DIV) return k ? OP_SDIV64_K : OP_SDIV64_X;
            return k ? OP_SMOD64_K : OP_SMOD64_X;
          }
          if (code === BPF_DIV) return k ? OP_SDIV32_K : OP_SDIV32_X;
          return k ? OP_SMOD32_K : OP_SMOD32_X;
        }
        case BPF_NEG:
          return opSrc(op) === BPF_K ? op : `invalid opcode 0x${hex(op)}`;
        case BPF_MOV:
          if (x.off === 0) return op;
          if (opSrc(op) === BPF_X && x.off === 8) return cls === BPF_ALU64 ? OP_MOVSX8_64 : OP_MOVSX8_32;
          if (opSrc(op) === BPF_X && x.off === 16) return cls === BPF_ALU64 ? OP_MOVSX16_64 : OP_MOVSX16_32;
          if (opSrc(op) === BPF_X && x.off === 32 && cls === BPF_ALU64) return OP_MOVSX32_64;
          return `invalid offset ${x.off} of a move`;
        case BPF_END: {
          if (cls === BPF_ALU64 && opSrc(op) === BPF_TO_BE) return `invalid opcode 0x${hex(op)}`;
          const w = x.imm === 16 ? 0 : x.imm === 32 ? 1 : x.imm === 64 ? 2 : -1;
          if (w < 0) return `invalid byte swap width ${x.imm}`;
          if (cls === BPF_ALU64) return OP_BSWAP16 + w;
          return (opSrc(op) === BPF_TO_BE ? OP_BE16 : OP_LE16) + w;
        }
        default:
          return `invalid opcode 0x${hex(op)}`;
      }
    }
    case BPF_LDX: {
      if (x.src > 10) return `invalid register r${x.src}`;
      if (opMode(op) === BPF_MEM) return op;
      if (opMode(op) === BPF_MEMSX && opSize(op) !== BPF_DW) return op;
      return `invalid opcode 0x${hex(op)}`;
    }
    case BPF_ST:
      return opMode(op) === BPF_MEM ? op : `invalid opcode 0x${hex(op)}`;
    case BPF_STX: {
      if (x.src > 10) return `invalid register r${x.src}`;
      if (opMode(op) === BPF_MEM) return op;
      if (opMode(op) !== BPF_ATOMIC) return `invalid opcode 0x${hex(op)}`;
      const imm = x.imm;
      if (!ATOMIC_IMMS.has(imm)) return `invalid atomic operation 0x${hex(imm >>> 0)}`;
      const size = opSize(op);
      if ((size === BPF_B || size === BPF_H) && imm !== BPF_LOAD_ACQ && imm !== BPF_STORE_REL) {
        return `invalid atomic operation 0x${hex(imm)} on ${size === BPF_B ? 1 : 2}-byte memory`;
      }
      return op;
    }
    case BPF_LD: {
      if (op !== (BPF_LD | BPF_IMM | BPF_DW)) return `unsupported legacy packet load 0x${hex(op)}`;
      if (i + 1 >= insns.length) return "incomplete lddw instruction";
      switch (x.src) {
        case 0: return op;
        case BPF_PSEUDO_MAP_FD: case BPF_PSEUDO_MAP_IDX: return OP_LDDW_MAP;
        case BPF_PSEUDO_MAP_VALUE: case BPF_PSEUDO_MAP_IDX_VALUE: return OP_LDDW_MAP_VALUE;
        case BPF_PSEUDO_FUNC: return OP_LDDW_FUNC;
        default: return `unsupported lddw source ${x.src}`;
      }
    }
    default: {
      // BPF_JMP, BPF_JMP32
      const code = opCode(op);
      if (opSrc(op) === BPF_X && x.src > 10 && code !== BPF_CALL) return `invalid register r${x.src}`;
      if (cls === BPF_JMP) {
        if (op === (BPF_JMP | BPF_CALL)) {
          if (x.src === 0) return op;
          if (x.src === BPF_PSEUDO_CALL) return OP_CALL_LOCAL;
          if (x.src === BPF_PSEUDO_KFUNC_CALL) return OP_CALL_KFUNC;
          return `invalid call source ${x.src}`;
        }
        if (op === (BPF_JMP | BPF_CALL | BPF_X)) return op;
        if (op === (BPF_JMP | BPF_EXIT)) return op;
        if (op === (BPF_JMP | BPF_JA)) return op;
        if (op === OP_MAY_GOTO) return x.src === BPF_MAY_GOTO ? op : `invalid opcode 0x${hex(op)}`;
      } else if (op === (BPF_JMP32 | BPF_JA)) {
        return op;
      }
      if (code === BPF_JA || code === BPF_CALL || code === BPF_EXIT || code === 0xe0 || code === 0xf0) {
        return `invalid opcode 0x${hex(op)}`;
      }
      return op;
    }
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}
