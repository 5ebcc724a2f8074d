// Classifies one decoded instruction slot for the JIT's passes: its control flow (fall, jump, branch,
// call, exit, invalid) and slot count (decode-insns.ts: validity as the interpreter sees it). RFC 9669 §3–§5.

import {
  OP_CALL_KFUNC, OP_CALL_LOCAL, OP_INVALID, OP_MAY_GOTO, type DecodedProgram,
} from "./decode-insns.js";

export const enum Flow {
  /** Ordinary instruction: continues with the next one. */
  Next = 0,
  /** Unconditional jump (ja / gotol). */
  Jump = 1,
  /** Conditional jump: taken target or next. */
  Branch = 2,
  /** Helper call, local call or callx: continues with the next one after the callee. */
  Call = 3,
  Exit = 4,
  /** Executing it faults (invalid encoding, kfunc call). */
  Invalid = 5,
}

export interface InsnClass {
  flow: Flow;
  /** Slots taken: 2 for lddw, else 1. */
  size: 1 | 2;
  /** Jump target slot (Jump/Branch), local-call target (Call with `local`), else -1 (may be out of range). */
  target: number;
  /** A local call (BPF_PSEUDO_CALL). */
  local?: boolean;
}

/** Classify slot `pc` of a decoded program. */
export function classifyInsn(p: DecodedProgram, pc: number): InsnClass {
  const op = p.op[pc];
  if (op === OP_INVALID || op === OP_CALL_KFUNC) return { flow: Flow.Invalid, size: 1, target: -1 };
  if ((op & 0xff) === 0x18) return { flow: Flow.Next, size: 2, target: -1 };
  switch (op) {
    case 0x05: return { flow: Flow.Jump, size: 1, target: pc + 1 + p.off[pc] };
    case 0x06: return { flow: Flow.Jump, size: 1, target: pc + 1 + p.imm[pc] };
    case OP_MAY_GOTO: return { flow: Flow.Next, size: 1, target: -1 };
    case 0x85: case 0x8d: return { flow: Flow.Call, size: 1, target: -1 };
    case OP_CALL_LOCAL: return { flow: Flow.Call, size: 1, target: pc + 1 + p.imm[pc], local: true };
    case 0x95: return { flow: Flow.Exit, size: 1, target: -1 };
  }
  const cls = op & 0x07;
  if (cls === 0x05 || cls === 0x06) return { flow: Flow.Branch, size: 1, target: pc + 1 + p.off[pc] };
  return { flow: Flow.Next, size: 1, target: -1 };
}

/** Byte size of a load/store/atomic opcode's size field. */
export function accessBytes(op: number): 1 | 2 | 4 | 8 {
  switch (op & 0x18) {
    case 0x00: return 4;
    case 0x08: return 2;
    case 0x10: return 1;
    default: return 8;
  }
}
