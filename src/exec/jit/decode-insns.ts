// Decodes a program's slots into the JIT's own flat form: the RFC opcode with its variant folded into bits
// 8–11 (sdiv/smod, movsx width, byte-swap width, call kind, lddw source). Validity and the reason a slot
// cannot execute come from the interpreter's decoder, so both backends reject exactly the same encodings.

import type { Insn } from "../../isa/insn.js";
import { decodeProgram, OP_INVALID as REF_INVALID } from "../interpreter/decode-program.js";

/** Slot that must not execute (bad encoding, second half of lddw …); `invalid[pc]` says why. */
export const OP_INVALID = 0xfff;
/** lddw: 0x18 | (src << 8). */
export const OP_LDDW_IMM = 0x18;
export const OP_LDDW_MAP = 0x118;
export const OP_LDDW_MAP_VALUE = 0x218;
export const OP_LDDW_FUNC = 0x418;
export const OP_LDDW_MAP_IDX = 0x518;
export const OP_LDDW_MAP_IDX_VALUE = 0x618;
/** Calls: 0x85 helper, 0x185 local (BPF_PSEUDO_CALL), 0x285 kfunc; 0x8d callx. */
export const OP_CALL_LOCAL = 0x185;
export const OP_CALL_KFUNC = 0x285;
/** may_goto (BPF_JMP | BPF_JCOND). */
export const OP_MAY_GOTO = 0xe5;

/**
 * A decoded program. Register fields are 2 × register (index into a (lo, hi) file). Variants: sdiv/smod
 * and movsx8 / 16-bit END: op | 0x100; movsx16 / 32-bit END: | 0x200; movsx32 / 64-bit END: | 0x300.
 */
export interface DecodedProgram {
  readonly len: number;
  readonly op: Uint16Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int16Array;
  readonly imm: Int32Array;
  /** lddw: the upper immediate (next slot's imm) as uint32. */
  readonly khi: Uint32Array;
  /** Why an OP_INVALID slot is invalid (the interpreter's words). */
  readonly invalid: (string | undefined)[];
  /** Out-of-range targets → the instruction their fault names (the interpreter's rule). */
  readonly outOfRange: Map<number, number>;
}

/** Decode `insns` (a ProgramSpec's linked image). Never throws: bad slots become OP_INVALID. */
export function decodeInsns(insns: readonly Insn[]): DecodedProgram {
  const ref = decodeProgram(insns);
  const len = insns.length;
  const p: DecodedProgram = {
    len,
    op: new Uint16Array(len),
    dst: new Uint8Array(len),
    src: new Uint8Array(len),
    off: new Int16Array(len),
    imm: new Int32Array(len),
    khi: new Uint32Array(len),
    invalid: new Array(len),
    outOfRange: ref.outOfRange,
  };
  for (let i = 0; i < len; i++) {
    const x = insns[i];
    p.dst[i] = (x.dst & 0x0f) * 2;
    p.src[i] = (x.src & 0x0f) * 2;
    p.off[i] = x.off;
    p.imm[i] = x.imm | 0;
    if (ref.op[i] === REF_INVALID) {
      p.op[i] = OP_INVALID;
      p.invalid[i] = ref.invalid[i];
      continue;
    }
    p.op[i] = variantOpcode(x);
    if (x.op === 0x18) p.khi[i] = insns[i + 1].imm >>> 0;
  }
  return p;
}

function variantOpcode(x: Insn): number {
  const op = x.op;
  const cls = op & 0x07;
  if (cls === 0x04 || cls === 0x07) {
    const code = op & 0xf0;
    if ((code === 0x30 || code === 0x90) && x.off === 1) return op | 0x100;
    if (code === 0xb0 && x.off !== 0) return op | (x.off === 8 ? 0x100 : x.off === 16 ? 0x200 : 0x300);
    if (code === 0xd0) return op | (x.imm === 16 ? 0x100 : x.imm === 32 ? 0x200 : 0x300);
    return op;
  }
  if (op === 0x18) return 0x18 | (x.src << 8);
  if (op === 0x85) return x.src === 1 ? OP_CALL_LOCAL : x.src === 2 ? OP_CALL_KFUNC : 0x85;
  return op;
}
