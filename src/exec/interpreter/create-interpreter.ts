// The reference interpreter: executes pre-decoded programs over (lo, hi) uint32 register pairs with every
// memory access checked. Semantics: RFC 9669 (ISA v1–v4); kernel/bpf/core.c ___bpf_prog_run for calls/tail calls.
//
// Execution model (the JIT must match it bit for bit, faults included):
//  - registers r0..r10 live in a Uint32Array as (lo, hi) pairs: r_n = R[2n], R[2n+1] — the same layout
//    helpers receive, so helpers are called with the register file itself;
//  - frame d (0 = the program, +1 per local call or callback) has r10 = (REGION_STACK, (d+1)*512); while it
//    runs the stack region's window is [0, (d+1)*512): its own frame and its callers', never a dead callee's;
//  - every executed instruction costs one unit of rt.budget; the instruction that finds it at 0 faults
//    with "instruction budget of N exceeded" (N = rt.opts.insnBudget);
//  - loads from the ctx region (struct xdp_md) are 4-byte loads at offsets 0, 4, 8 (packet pointers data,
//    data_end, data_meta), 12, 16, 20 (ingress_ifindex, rx_queue_index, egress_ifindex); anything else faults;
//  - a local call deeper than MAX_CALL_FRAMES frames faults; callbacks (rt.callback) may use one more frame;
//  - `may_goto` never jumps (its kernel counter of 8M iterations outlasts any instruction budget).

import { BpfFault } from "../../errors.js";
import type { BackendName, Executor } from "../backend.js";
import type { Runtime } from "../../runtime/runtime.js";
import { REGION_CTX, REGION_FUNC, REGION_PACKET, REGION_STACK, type AddressSpace } from "../../runtime/memory.js";
import {
  BPF_ADD, BPF_AND, BPF_CMPXCHG, BPF_FETCH, BPF_LOAD_ACQ, BPF_OR, BPF_STORE_REL, BPF_XCHG, BPF_XOR,
  MAX_BPF_STACK, MAX_CALL_FRAMES,
} from "../../isa/opcodes.js";
import { helperName } from "../../isa/helper-names.js";
// Case labels below are literal internal opcodes (see decode-program.ts OP_*): V8 compiles a switch to a
// jump table only when its labels are number literals, not imported constants.
import { decodeProgram, OP_INVALID, type DecodedProgram } from "./decode-program.js";
import { mul64, sdivmod64, udivmod64 } from "./compute-int64.js";
import { isSharedMemory, sharedAtomicRegs } from "../shared-atomics.js";

const TWO32 = 4294967296;
/** Words saved per call frame: r6..r9 (8 words) and the return pc. */
const FRAME_WORDS = 9;
/** Register file length: r0..r10 pairs, padded. */
const NREGS = 24;
/** bpf_tail_call's helper id. */
const HELPER_TAIL_CALL = 12;
/** Bytes of a load/store by its size field (BPF_W, BPF_H, BPF_B, BPF_DW) >> 3. */
const ACCESS_SIZE = [4, 2, 1, 8];
/** Deepest frame index: local calls use 0..MAX_CALL_FRAMES-1, a callback may use one more. */
const MAX_FRAME_INDEX = MAX_CALL_FRAMES;

/** Create the reference interpreter for a runtime. */
export function createInterpreter(rt: Runtime): Executor {
  return new Interpreter(rt);
}

/**
 * Per-instruction observer (coverage, `xdpsim explain`): called before instruction `pc` of program
 * `prog` executes, with the live register file R (r_n = R[2n] lo, R[2n+1] hi; do not modify it).
 */
export type InstructionHook = (prog: number, pc: number, R: Uint32Array) => void;

/**
 * Install (or remove, with null) an instruction hook on an interpreter; false when `exec` is not the
 * interpreter (the JIT has no hook: trace on the interpreter, whose results are identical by design).
 * Zero cost when off: the loop tests one local against null per instruction.
 */
export function setInstructionHook(exec: Executor, hook: InstructionHook | null): boolean {
  if (!(exec instanceof Interpreter)) return false;
  exec.hook = hook;
  return true;
}

class Interpreter implements Executor {
  readonly backend: BackendName = "interp";
  private readonly rt: Runtime;
  private readonly mem: AddressSpace;
  private readonly decoded: (DecodedProgram | undefined)[] = [];
  /** Saved r6..r9 and return pc per frame index. */
  private readonly frames = new Uint32Array((MAX_FRAME_INDEX + 1) * FRAME_WORDS);
  /** Register files: [0] for run(), one more per nested callback. */
  private readonly files: Uint32Array[] = [];
  private nest = 0;
  /** Program and frame index executing the current helper call (for rt.callback). */
  private curProg: DecodedProgram | null = null;
  private curDepth = 0;
  /**
   * Index of the instruction whose callee (memory check, helper) may throw: faults from callees are
   * tagged with it. Set only before such calls: a try/catch around the loop would make V8 store the loop
   * variables on every instruction.
   */
  private at = 0;
  private readonly callbackFn: (insn: number, r: Uint32Array) => void;
  /** Instruction observer (setInstructionHook), null when off. */
  hook: InstructionHook | null = null;

  constructor(rt: Runtime) {
    this.rt = rt;
    this.mem = rt.mem;
    this.callbackFn = (insn, r) => this.callback(insn, r);
    rt.callback = this.callbackFn;
  }

  /** The decoded form of program `index` (decoded on first use). */
  program(index: number): DecodedProgram {
    let p = this.decoded[index];
    if (p === undefined) {
      const spec = this.rt.obj.programs[index];
      if (spec === undefined) throw new BpfFault(`no program #${index}`);
      p = decodeProgram(spec.insns, index, spec.name);
      this.decoded[index] = p;
    }
    return p;
  }

  run(progIndex: number, args: Uint32Array): void {
    const rt = this.rt;
    rt.callback = this.callbackFn;
    const p = this.program(progIndex);
    const R = this.file(0);
    R.fill(0);
    for (let k = 2; k < 12; k++) R[k] = args[k];
    R[20] = MAX_BPF_STACK;
    R[21] = REGION_STACK;
    const stack = rt.stackRegion;
    stack.start = 0;
    stack.end = MAX_BPF_STACK;
    this.nest = 0;
    try {
      this.exec(p, 0, 0, R);
    } catch (e) {
      if (e instanceof BpfFault && e.insn < 0) e.insn = this.at;
      throw e;
    } finally {
      stack.start = 0;
      stack.end = stack.bytes.length;
      this.curProg = null;
      this.curDepth = 0;
    }
    args[0] = R[0];
    args[1] = R[1];
  }

  private file(level: number): Uint32Array {
    let f = this.files[level];
    if (f === undefined) {
      f = new Uint32Array(NREGS);
      this.files[level] = f;
    }
    return f;
  }

  /** rt.callback: run the function at `insn` of the current program as a new frame; r0 → r[0], r[1]. */
  private callback(insn: number, r: Uint32Array): void {
    const p = this.curProg;
    if (p === null) throw new BpfFault("callback outside of a helper call");
    const depth = this.curDepth + 1;
    if (depth > MAX_FRAME_INDEX) throw new BpfFault(`callback exceeds the call depth of ${MAX_CALL_FRAMES} frames`);
    if (insn < 0 || insn >= p.len) throw new BpfFault(`callback target insn #${insn} out of range`);
    const savedDepth = this.curDepth;
    const savedAt = this.at;
    const stack = this.rt.stackRegion;
    const savedEnd = stack.end;
    const R = this.file(++this.nest);
    R.fill(0);
    for (let k = 2; k < 12; k++) R[k] = r[k];
    R[20] = (depth + 1) * MAX_BPF_STACK;
    R[21] = REGION_STACK;
    stack.end = (depth + 1) * MAX_BPF_STACK;
    try {
      this.exec(p, insn, depth, R);
    } catch (e) {
      if (e instanceof BpfFault && e.insn < 0) e.insn = this.at;
      throw e;
    } finally {
      this.nest--;
      stack.end = savedEnd;
      this.curProg = p;
      this.curDepth = savedDepth;
      this.at = savedAt;
    }
    r[0] = R[0];
    r[1] = R[1];
  }

  /**
   * Run from `pc` in frame `base` until that frame exits. Faults raised here carry their index; faults
   * from callees are tagged by the caller with `this.at`. rt.budget is exact after a normal return and
   * around helper calls, not after a fault.
   */
  private exec(prog: DecodedProgram, pc: number, base: number, R: Uint32Array): void {
    const rt = this.rt;
    const mem = this.mem;
    const regions = mem.regions;
    const helpers = rt.helpers;
    const frames = this.frames;
    const stack = rt.stackRegion;
    let p = prog;
    // Slot i: w = C[2i] packs op (bits 0-7), dst (8-11), src (12-15) and off (16-31, signed), C[2i+1] is
    // imm; below, d = (w >> 7) & 0x1e and s = (w >> 11) & 0x1e index the (lo, hi) pairs of dst and src in R.
    let C = p.code;
    let budget = rt.budget;
    let depth = base;
    const hook = this.hook;
    for (;;) {
      const i = pc;
      if (hook !== null) hook(p.index, i, R);
      if (budget === 0 && (budget = rt.refill(0, i)) === 0) failBudget(rt, i);
      budget--;
      pc = i + 1;
      const w = C[2 * i];
      switch (w & 0xff) {
        // ---------------- ALU64, register source ----------------
        case 0x0f: { // add
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e;
          const lo = R[d] + R[s];
          R[d + 1] = R[d + 1] + R[s + 1] + (lo > 0xffffffff ? 1 : 0);
          R[d] = lo;
          break;
        }
        case 0x1f: { // sub
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e;
          const lo = R[d] - R[s];
          R[d + 1] = R[d + 1] - R[s + 1] - (lo < 0 ? 1 : 0);
          R[d] = lo;
          break;
        }
        case 0x2f: { // mul
          const s = (w >> 11) & 0x1e;
          mul64(R, (w >> 7) & 0x1e, R[s], R[s + 1]);
          break;
        }
        case 0x3f: { // div
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e;
          if ((R[s] | R[s + 1]) === 0) R[d] = R[d + 1] = 0;
          else udivmod64(R, d, R[s], R[s + 1], false);
          break;
        }
        case 0xe1: { // OP_SDIV64_X
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e;
          if ((R[s] | R[s + 1]) === 0) R[d] = R[d + 1] = 0;
          else sdivmod64(R, d, R[s], R[s + 1], false);
          break;
        }
        case 0x9f: { // mod: by zero leaves dst
          const s = (w >> 11) & 0x1e;
          if ((R[s] | R[s + 1]) !== 0) udivmod64(R, (w >> 7) & 0x1e, R[s], R[s + 1], true);
          break;
        }
        case 0xe3: { // OP_SMOD64_X
          const s = (w >> 11) & 0x1e;
          if ((R[s] | R[s + 1]) !== 0) sdivmod64(R, (w >> 7) & 0x1e, R[s], R[s + 1], true);
          break;
        }
        case 0x4f: { const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e; R[d] |= R[s]; R[d + 1] |= R[s + 1]; break; }
        case 0x5f: { const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e; R[d] &= R[s]; R[d + 1] &= R[s + 1]; break; }
        case 0xaf: { const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e; R[d] ^= R[s]; R[d + 1] ^= R[s + 1]; break; }
        case 0x6f: lsh64(R, (w >> 7) & 0x1e, R[(w >> 11) & 0x1e] & 63); break;
        case 0x7f: rsh64(R, (w >> 7) & 0x1e, R[(w >> 11) & 0x1e] & 63); break;
        case 0xcf: arsh64(R, (w >> 7) & 0x1e, R[(w >> 11) & 0x1e] & 63); break;
        case 0xbf: { const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e; R[d] = R[s]; R[d + 1] = R[s + 1]; break; }
        case 0xe9: { // OP_MOVSX8_64
          const d = (w >> 7) & 0x1e, v = (R[(w >> 11) & 0x1e] << 24) >> 24;
          R[d] = v;
          R[d + 1] = v >> 31;
          break;
        }
        case 0xea: { // OP_MOVSX16_64
          const d = (w >> 7) & 0x1e, v = (R[(w >> 11) & 0x1e] << 16) >> 16;
          R[d] = v;
          R[d + 1] = v >> 31;
          break;
        }
        case 0xeb: { // OP_MOVSX32_64
          const d = (w >> 7) & 0x1e, v = R[(w >> 11) & 0x1e] | 0;
          R[d] = v;
          R[d + 1] = v >> 31;
          break;
        }

        // ---------------- ALU64, immediate source (sign-extended to 64 bits) ----------------
        case 0x07: { // add
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1];
          const lo = R[d] + (k >>> 0);
          R[d + 1] = R[d + 1] + (k >> 31) + (lo > 0xffffffff ? 1 : 0);
          R[d] = lo;
          break;
        }
        case 0x17: { // sub
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1];
          const lo = R[d] - (k >>> 0);
          R[d + 1] = R[d + 1] - (k >> 31) - (lo < 0 ? 1 : 0);
          R[d] = lo;
          break;
        }
        case 0x27: { const k = C[2 * i + 1]; mul64(R, (w >> 7) & 0x1e, k >>> 0, (k >> 31) >>> 0); break; }
        case 0x37: { // div
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1];
          if (k === 0) R[d] = R[d + 1] = 0;
          else udivmod64(R, d, k >>> 0, (k >> 31) >>> 0, false);
          break;
        }
        case 0xe0: { // OP_SDIV64_K
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1];
          if (k === 0) R[d] = R[d + 1] = 0;
          else sdivmod64(R, d, k >>> 0, (k >> 31) >>> 0, false);
          break;
        }
        case 0x97: { const k = C[2 * i + 1]; if (k !== 0) udivmod64(R, (w >> 7) & 0x1e, k >>> 0, (k >> 31) >>> 0, true); break; }
        case 0xe2: { const k = C[2 * i + 1]; if (k !== 0) sdivmod64(R, (w >> 7) & 0x1e, k >>> 0, (k >> 31) >>> 0, true); break; } // OP_SMOD64_K
        case 0x47: { const d = (w >> 7) & 0x1e, k = C[2 * i + 1]; R[d] |= k; R[d + 1] |= k >> 31; break; }
        case 0x57: { const d = (w >> 7) & 0x1e, k = C[2 * i + 1]; R[d] &= k; R[d + 1] &= k >> 31; break; }
        case 0xa7: { const d = (w >> 7) & 0x1e, k = C[2 * i + 1]; R[d] ^= k; R[d + 1] ^= k >> 31; break; }
        case 0x67: lsh64(R, (w >> 7) & 0x1e, C[2 * i + 1] & 63); break;
        case 0x77: rsh64(R, (w >> 7) & 0x1e, C[2 * i + 1] & 63); break;
        case 0xc7: arsh64(R, (w >> 7) & 0x1e, C[2 * i + 1] & 63); break;
        case 0xb7: { const d = (w >> 7) & 0x1e, k = C[2 * i + 1]; R[d] = k; R[d + 1] = k >> 31; break; }
        case 0x87: { // neg
          const d = (w >> 7) & 0x1e, lo = R[d];
          R[d] = -lo;
          R[d + 1] = -R[d + 1] - (lo !== 0 ? 1 : 0);
          break;
        }

        // ---------------- ALU (32-bit; the result is zero-extended) ----------------
        case 0x0c: { const d = (w >> 7) & 0x1e; R[d] += R[(w >> 11) & 0x1e]; R[d + 1] = 0; break; }
        case 0x1c: { const d = (w >> 7) & 0x1e; R[d] -= R[(w >> 11) & 0x1e]; R[d + 1] = 0; break; }
        case 0x2c: { const d = (w >> 7) & 0x1e; R[d] = Math.imul(R[d], R[(w >> 11) & 0x1e]); R[d + 1] = 0; break; }
        case 0x3c: { // div32: by zero gives 0
          const d = (w >> 7) & 0x1e, b = R[(w >> 11) & 0x1e];
          R[d] = b === 0 ? 0 : Math.floor(R[d] / b);
          R[d + 1] = 0;
          break;
        }
        case 0xe6: { // OP_SDIV32_X (INT32_MIN / -1 wraps through `| 0`)
          const d = (w >> 7) & 0x1e, b = R[(w >> 11) & 0x1e] | 0;
          R[d] = b === 0 ? 0 : Math.trunc((R[d] | 0) / b) | 0;
          R[d + 1] = 0;
          break;
        }
        case 0x9c: { // mod32: by zero keeps the low half
          const d = (w >> 7) & 0x1e, b = R[(w >> 11) & 0x1e];
          if (b !== 0) R[d] = R[d] % b;
          R[d + 1] = 0;
          break;
        }
        case 0xe8: { // OP_SMOD32_X
          const d = (w >> 7) & 0x1e, b = R[(w >> 11) & 0x1e] | 0;
          if (b !== 0) R[d] = (R[d] | 0) % b;
          R[d + 1] = 0;
          break;
        }
        case 0x4c: { const d = (w >> 7) & 0x1e; R[d] |= R[(w >> 11) & 0x1e]; R[d + 1] = 0; break; }
        case 0x5c: { const d = (w >> 7) & 0x1e; R[d] &= R[(w >> 11) & 0x1e]; R[d + 1] = 0; break; }
        case 0xac: { const d = (w >> 7) & 0x1e; R[d] ^= R[(w >> 11) & 0x1e]; R[d + 1] = 0; break; }
        case 0x6c: { const d = (w >> 7) & 0x1e; R[d] <<= R[(w >> 11) & 0x1e] & 31; R[d + 1] = 0; break; }
        case 0x7c: { const d = (w >> 7) & 0x1e; R[d] >>>= R[(w >> 11) & 0x1e] & 31; R[d + 1] = 0; break; }
        case 0xcc: { const d = (w >> 7) & 0x1e; R[d] = (R[d] | 0) >> (R[(w >> 11) & 0x1e] & 31); R[d + 1] = 0; break; }
        case 0xbc: { const d = (w >> 7) & 0x1e; R[d] = R[(w >> 11) & 0x1e]; R[d + 1] = 0; break; }
        case 0xec: { const d = (w >> 7) & 0x1e; R[d] = (R[(w >> 11) & 0x1e] << 24) >> 24; R[d + 1] = 0; break; } // OP_MOVSX8_32
        case 0xed: { const d = (w >> 7) & 0x1e; R[d] = (R[(w >> 11) & 0x1e] << 16) >> 16; R[d + 1] = 0; break; } // OP_MOVSX16_32
        case 0x04: { const d = (w >> 7) & 0x1e; R[d] += C[2 * i + 1]; R[d + 1] = 0; break; }
        case 0x14: { const d = (w >> 7) & 0x1e; R[d] -= C[2 * i + 1]; R[d + 1] = 0; break; }
        case 0x24: { const d = (w >> 7) & 0x1e; R[d] = Math.imul(R[d], C[2 * i + 1]); R[d + 1] = 0; break; }
        case 0x34: {
          const d = (w >> 7) & 0x1e, b = C[2 * i + 1] >>> 0;
          R[d] = b === 0 ? 0 : Math.floor(R[d] / b);
          R[d + 1] = 0;
          break;
        }
        case 0xe4: { // OP_SDIV32_K
          const d = (w >> 7) & 0x1e, b = C[2 * i + 1];
          R[d] = b === 0 ? 0 : Math.trunc((R[d] | 0) / b) | 0;
          R[d + 1] = 0;
          break;
        }
        case 0x94: {
          const d = (w >> 7) & 0x1e, b = C[2 * i + 1] >>> 0;
          if (b !== 0) R[d] = R[d] % b;
          R[d + 1] = 0;
          break;
        }
        case 0xe7: { // OP_SMOD32_K
          const d = (w >> 7) & 0x1e, b = C[2 * i + 1];
          if (b !== 0) R[d] = (R[d] | 0) % b;
          R[d + 1] = 0;
          break;
        }
        case 0x44: { const d = (w >> 7) & 0x1e; R[d] |= C[2 * i + 1]; R[d + 1] = 0; break; }
        case 0x54: { const d = (w >> 7) & 0x1e; R[d] &= C[2 * i + 1]; R[d + 1] = 0; break; }
        case 0xa4: { const d = (w >> 7) & 0x1e; R[d] ^= C[2 * i + 1]; R[d + 1] = 0; break; }
        case 0x64: { const d = (w >> 7) & 0x1e; R[d] <<= C[2 * i + 1] & 31; R[d + 1] = 0; break; }
        case 0x74: { const d = (w >> 7) & 0x1e; R[d] >>>= C[2 * i + 1] & 31; R[d + 1] = 0; break; }
        case 0xc4: { const d = (w >> 7) & 0x1e; R[d] = (R[d] | 0) >> (C[2 * i + 1] & 31); R[d + 1] = 0; break; }
        case 0xb4: { const d = (w >> 7) & 0x1e; R[d] = C[2 * i + 1]; R[d + 1] = 0; break; }
        case 0x84: { const d = (w >> 7) & 0x1e; R[d] = -R[d]; R[d + 1] = 0; break; }

        // ---------------- byte swaps (BPF_END; the host order is little-endian) ----------------
        case 0xee: { const d = (w >> 7) & 0x1e; R[d] &= 0xffff; R[d + 1] = 0; break; } // OP_LE16
        case 0xef: R[((w >> 7) & 0x1e) + 1] = 0; break; // OP_LE32
        case 0xf0: break; // OP_LE64
        case 0xf1: case 0xf4: { const d = (w >> 7) & 0x1e; R[d] = bswap16(R[d]); R[d + 1] = 0; break; } // OP_BE16, OP_BSWAP16
        case 0xf2: case 0xf5: { const d = (w >> 7) & 0x1e; R[d] = bswap32(R[d]); R[d + 1] = 0; break; } // OP_BE32, OP_BSWAP32
        case 0xf3: case 0xf6: { // OP_BE64, OP_BSWAP64
          const d = (w >> 7) & 0x1e, lo = R[d];
          R[d] = bswap32(R[d + 1]);
          R[d + 1] = bswap32(lo);
          break;
        }

        // ---------------- 64-bit immediates (the upper half is the next slot's imm) ----------------
        case 0x18: { const d = (w >> 7) & 0x1e; R[d] = C[2 * i + 1]; R[d + 1] = C[2 * i + 3]; pc = i + 2; break; }
        case 0xf7: { // OP_LDDW_MAP: the map's handle region
          const map = rt.maps[C[2 * i + 1]];
          if (map === undefined) failLddw(rt, C[2 * i + 1], i);
          const d = (w >> 7) & 0x1e;
          R[d] = 0;
          R[d + 1] = map.handleRegion.id;
          pc = i + 2;
          break;
        }
        case 0xf8: { // OP_LDDW_MAP_VALUE: value region + offset
          const map = rt.maps[C[2 * i + 1]];
          const vr = map === undefined ? null : map.valueRegion;
          if (vr === null) failLddw(rt, C[2 * i + 1], i);
          const d = (w >> 7) & 0x1e;
          R[d] = C[2 * i + 3];
          R[d + 1] = vr.id;
          pc = i + 2;
          break;
        }
        case 0xf9: { // OP_LDDW_FUNC: REGION_FUNC, low word = target instruction index
          const d = (w >> 7) & 0x1e;
          R[d] = i + 1 + C[2 * i + 1];
          R[d + 1] = REGION_FUNC;
          pc = i + 2;
          break;
        }

        // ---------------- loads ----------------
        case 0x61: case 0x69: case 0x71: case 0x79: case 0x81: case 0x89: case 0x91: {
          const s = (w >> 11) & 0x1e;
          let lo = R[s] + (w >> 16);
          let hi = R[s + 1];
          if (lo > 0xffffffff) { lo -= TWO32; hi = (hi + 1) >>> 0; } else if (lo < 0) { lo += TWO32; hi = (hi - 1) >>> 0; }
          const d = (w >> 7) & 0x1e;
          const op = w & 0xff;
          if (hi === REGION_CTX) {
            loadCtx(rt, R, d, lo, op, i);
            break;
          }
          // Fast path of mem.check (same rule); anything outside a window goes to mem.check, which throws.
          const size = ACCESS_SIZE[(w >> 3) & 3];
          let rg = regions[hi];
          if (rg === undefined || lo < rg.start || lo + size > rg.end) {
            this.at = i;
            rg = mem.check(hi, lo, size, false);
          }
          switch (op) {
            case 0x61: R[d] = rg.dv.getUint32(lo, true); R[d + 1] = 0; break;
            case 0x69: R[d] = rg.dv.getUint16(lo, true); R[d + 1] = 0; break;
            case 0x71: R[d] = rg.bytes[lo]; R[d + 1] = 0; break;
            case 0x79: R[d] = rg.dv.getUint32(lo, true); R[d + 1] = rg.dv.getUint32(lo + 4, true); break;
            case 0x81: { const v = rg.dv.getInt32(lo, true); R[d] = v; R[d + 1] = v >> 31; break; }
            case 0x89: { const v = rg.dv.getInt16(lo, true); R[d] = v; R[d + 1] = v >> 31; break; }
            default: { const v = rg.dv.getInt8(lo); R[d] = v; R[d + 1] = v >> 31; break; }
          }
          break;
        }

        // ---------------- stores: ST the immediate (sign-extended for 8 bytes), STX the source ----------------
        case 0x62: case 0x6a: case 0x72: case 0x7a: case 0x63: case 0x6b: case 0x73: case 0x7b: {
          const t = (w >> 7) & 0x1e;
          let lo = R[t] + (w >> 16);
          let hi = R[t + 1];
          if (lo > 0xffffffff) { lo -= TWO32; hi = (hi + 1) >>> 0; } else if (lo < 0) { lo += TWO32; hi = (hi - 1) >>> 0; }
          let vlo: number, vhi: number;
          if ((w & 0x07) === 0x02) {
            vlo = C[2 * i + 1];
            vhi = vlo >> 31;
          } else {
            const s = (w >> 11) & 0x1e;
            vlo = R[s];
            vhi = R[s + 1];
          }
          const size = ACCESS_SIZE[(w >> 3) & 3];
          let rg = regions[hi];
          if (rg === undefined || lo < rg.start || lo + size > rg.end || !rg.writable) {
            this.at = i;
            rg = mem.check(hi, lo, size, true);
          }
          switch (size) {
            case 4: rg.dv.setUint32(lo, vlo, true); break;
            case 2: rg.dv.setUint16(lo, vlo, true); break;
            case 1: rg.bytes[lo] = vlo; break;
            default: rg.dv.setUint32(lo, vlo, true); rg.dv.setUint32(lo + 4, vhi, true);
          }
          break;
        }

        // ---------------- atomics ----------------
        case 0xc3: case 0xdb: case 0xcb: case 0xd3:
          this.at = i;
          atomic(rt, R, w, C[2 * i + 1]);
          break;

        // ---------------- jumps: 64-bit compares, immediates sign-extended ----------------
        case 0x05: pc += w >> 16; break;
        case 0x06: pc += C[2 * i + 1]; break; // gotol
        case 0xe5: break; // OP_MAY_GOTO
        case 0x15: { const d = (w >> 7) & 0x1e, k = C[2 * i + 1]; if (R[d] === k >>> 0 && R[d + 1] === (k >> 31) >>> 0) pc += w >> 16; break; }
        case 0x1d: { const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e; if (R[d] === R[s] && R[d + 1] === R[s + 1]) pc += w >> 16; break; }
        case 0x55: { const d = (w >> 7) & 0x1e, k = C[2 * i + 1]; if (R[d] !== k >>> 0 || R[d + 1] !== (k >> 31) >>> 0) pc += w >> 16; break; }
        case 0x5d: { const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e; if (R[d] !== R[s] || R[d + 1] !== R[s + 1]) pc += w >> 16; break; }
        case 0x45: { const d = (w >> 7) & 0x1e, k = C[2 * i + 1]; if ((R[d] & k) !== 0 || (R[d + 1] & (k >> 31)) !== 0) pc += w >> 16; break; }
        case 0x4d: { const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e; if ((R[d] & R[s]) !== 0 || (R[d + 1] & R[s + 1]) !== 0) pc += w >> 16; break; }
        case 0x25: { // jgt
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1], ah = R[d + 1], bh = (k >> 31) >>> 0;
          if (ah > bh || (ah === bh && R[d] > k >>> 0)) pc += w >> 16;
          break;
        }
        case 0x2d: {
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e, ah = R[d + 1], bh = R[s + 1];
          if (ah > bh || (ah === bh && R[d] > R[s])) pc += w >> 16;
          break;
        }
        case 0x35: { // jge
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1], ah = R[d + 1], bh = (k >> 31) >>> 0;
          if (ah > bh || (ah === bh && R[d] >= k >>> 0)) pc += w >> 16;
          break;
        }
        case 0x3d: {
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e, ah = R[d + 1], bh = R[s + 1];
          if (ah > bh || (ah === bh && R[d] >= R[s])) pc += w >> 16;
          break;
        }
        case 0xa5: { // jlt
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1], ah = R[d + 1], bh = (k >> 31) >>> 0;
          if (ah < bh || (ah === bh && R[d] < k >>> 0)) pc += w >> 16;
          break;
        }
        case 0xad: {
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e, ah = R[d + 1], bh = R[s + 1];
          if (ah < bh || (ah === bh && R[d] < R[s])) pc += w >> 16;
          break;
        }
        case 0xb5: { // jle
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1], ah = R[d + 1], bh = (k >> 31) >>> 0;
          if (ah < bh || (ah === bh && R[d] <= k >>> 0)) pc += w >> 16;
          break;
        }
        case 0xbd: {
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e, ah = R[d + 1], bh = R[s + 1];
          if (ah < bh || (ah === bh && R[d] <= R[s])) pc += w >> 16;
          break;
        }
        case 0x65: { // jsgt: signed compare of the upper halves, unsigned of the lower
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1], ah = R[d + 1] | 0, bh = k >> 31;
          if (ah > bh || (ah === bh && R[d] > k >>> 0)) pc += w >> 16;
          break;
        }
        case 0x6d: {
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e, ah = R[d + 1] | 0, bh = R[s + 1] | 0;
          if (ah > bh || (ah === bh && R[d] > R[s])) pc += w >> 16;
          break;
        }
        case 0x75: { // jsge
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1], ah = R[d + 1] | 0, bh = k >> 31;
          if (ah > bh || (ah === bh && R[d] >= k >>> 0)) pc += w >> 16;
          break;
        }
        case 0x7d: {
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e, ah = R[d + 1] | 0, bh = R[s + 1] | 0;
          if (ah > bh || (ah === bh && R[d] >= R[s])) pc += w >> 16;
          break;
        }
        case 0xc5: { // jslt
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1], ah = R[d + 1] | 0, bh = k >> 31;
          if (ah < bh || (ah === bh && R[d] < k >>> 0)) pc += w >> 16;
          break;
        }
        case 0xcd: {
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e, ah = R[d + 1] | 0, bh = R[s + 1] | 0;
          if (ah < bh || (ah === bh && R[d] < R[s])) pc += w >> 16;
          break;
        }
        case 0xd5: { // jsle
          const d = (w >> 7) & 0x1e, k = C[2 * i + 1], ah = R[d + 1] | 0, bh = k >> 31;
          if (ah < bh || (ah === bh && R[d] <= k >>> 0)) pc += w >> 16;
          break;
        }
        case 0xdd: {
          const d = (w >> 7) & 0x1e, s = (w >> 11) & 0x1e, ah = R[d + 1] | 0, bh = R[s + 1] | 0;
          if (ah < bh || (ah === bh && R[d] <= R[s])) pc += w >> 16;
          break;
        }

        // ---------------- JMP32: compare the low 32 bits ----------------
        case 0x16: if (R[(w >> 7) & 0x1e] === C[2 * i + 1] >>> 0) pc += w >> 16; break;
        case 0x1e: if (R[(w >> 7) & 0x1e] === R[(w >> 11) & 0x1e]) pc += w >> 16; break;
        case 0x56: if (R[(w >> 7) & 0x1e] !== C[2 * i + 1] >>> 0) pc += w >> 16; break;
        case 0x5e: if (R[(w >> 7) & 0x1e] !== R[(w >> 11) & 0x1e]) pc += w >> 16; break;
        case 0x46: if ((R[(w >> 7) & 0x1e] & C[2 * i + 1]) !== 0) pc += w >> 16; break;
        case 0x4e: if ((R[(w >> 7) & 0x1e] & R[(w >> 11) & 0x1e]) !== 0) pc += w >> 16; break;
        case 0x26: if (R[(w >> 7) & 0x1e] > C[2 * i + 1] >>> 0) pc += w >> 16; break;
        case 0x2e: if (R[(w >> 7) & 0x1e] > R[(w >> 11) & 0x1e]) pc += w >> 16; break;
        case 0x36: if (R[(w >> 7) & 0x1e] >= C[2 * i + 1] >>> 0) pc += w >> 16; break;
        case 0x3e: if (R[(w >> 7) & 0x1e] >= R[(w >> 11) & 0x1e]) pc += w >> 16; break;
        case 0xa6: if (R[(w >> 7) & 0x1e] < C[2 * i + 1] >>> 0) pc += w >> 16; break;
        case 0xae: if (R[(w >> 7) & 0x1e] < R[(w >> 11) & 0x1e]) pc += w >> 16; break;
        case 0xb6: if (R[(w >> 7) & 0x1e] <= C[2 * i + 1] >>> 0) pc += w >> 16; break;
        case 0xbe: if (R[(w >> 7) & 0x1e] <= R[(w >> 11) & 0x1e]) pc += w >> 16; break;
        case 0x66: if ((R[(w >> 7) & 0x1e] | 0) > C[2 * i + 1]) pc += w >> 16; break;
        case 0x6e: if ((R[(w >> 7) & 0x1e] | 0) > (R[(w >> 11) & 0x1e] | 0)) pc += w >> 16; break;
        case 0x76: if ((R[(w >> 7) & 0x1e] | 0) >= C[2 * i + 1]) pc += w >> 16; break;
        case 0x7e: if ((R[(w >> 7) & 0x1e] | 0) >= (R[(w >> 11) & 0x1e] | 0)) pc += w >> 16; break;
        case 0xc6: if ((R[(w >> 7) & 0x1e] | 0) < C[2 * i + 1]) pc += w >> 16; break;
        case 0xce: if ((R[(w >> 7) & 0x1e] | 0) < (R[(w >> 11) & 0x1e] | 0)) pc += w >> 16; break;
        case 0xd6: if ((R[(w >> 7) & 0x1e] | 0) <= C[2 * i + 1]) pc += w >> 16; break;
        case 0xde: if ((R[(w >> 7) & 0x1e] | 0) <= (R[(w >> 11) & 0x1e] | 0)) pc += w >> 16; break;

        // ---------------- calls and exit ----------------
        case 0x85: // helper call (imm = id)
        case 0x8d: { // callx: the id is in the register named by dst
          let id: number;
          if ((w & 0xff) === 0x85) {
            id = C[2 * i + 1];
          } else {
            const r = (w >> 7) & 0x1e;
            id = R[r + 1] === 0 && R[r] <= 0x7fffffff ? R[r] : -1;
          }
          const fn = id >= 0 ? helpers[id] : undefined;
          if (fn === undefined) failHelper(id, i);
          rt.budget = budget;
          this.curProg = p;
          this.curDepth = depth;
          this.at = i;
          fn(rt, R);
          budget = rt.budget;
          if (id === HELPER_TAIL_CALL && rt.tailCallTarget >= 0) {
            // Tail call: the target starts over in this run's base frame; r1 is kept.
            const target = rt.tailCallTarget;
            rt.tailCallTarget = -1;
            p = this.program(target);
            C = p.code;
            depth = base;
            R[20] = (depth + 1) * MAX_BPF_STACK;
            R[21] = REGION_STACK;
            stack.end = (depth + 1) * MAX_BPF_STACK;
            pc = 0;
          }
          break;
        }
        case 0xfa: { // OP_CALL_LOCAL: save r6-r9 and the return address; the callee gets a new frame
          if (depth + 1 >= MAX_CALL_FRAMES) failCallDepth(i);
          const f = depth * FRAME_WORDS;
          for (let k = 0; k < 8; k++) frames[f + k] = R[12 + k];
          frames[f + 8] = pc;
          depth++;
          R[20] = (depth + 1) * MAX_BPF_STACK;
          R[21] = REGION_STACK;
          stack.end = (depth + 1) * MAX_BPF_STACK;
          pc = i + 1 + C[2 * i + 1];
          break;
        }
        case 0x95: { // exit: return to the caller's frame, or end this run
          if (depth === base) {
            rt.budget = budget;
            return;
          }
          depth--;
          const f = depth * FRAME_WORDS;
          for (let k = 0; k < 8; k++) R[12 + k] = frames[f + k];
          pc = frames[f + 8];
          R[20] = (depth + 1) * MAX_BPF_STACK;
          R[21] = REGION_STACK;
          stack.end = (depth + 1) * MAX_BPF_STACK;
          break;
        }
        case 0xfb: // OP_CALL_KFUNC
          failKfunc(C[2 * i + 1], i);

        default:
          failInstruction(p, i);
      }
    }
  }
}

// ---- faults, out of line: a `throw` statement inside the loop slows every instruction down in V8 ----

function failBudget(rt: Runtime, i: number): never {
  rt.budget = 0;
  rt.budgetReserve = 0;
  throw new BpfFault(`instruction budget of ${rt.opts.insnBudget} exceeded`, i);
}

function failLddw(rt: Runtime, slot: number, i: number): never {
  const map = rt.maps[slot];
  if (map === undefined) throw new BpfFault(`lddw: no map in slot ${slot}`, i);
  throw new BpfFault(`lddw: map '${map.spec.name}' has no addressable value`, i);
}

function failHelper(id: number, i: number): never {
  throw new BpfFault(id >= 0 ? `helper ${helperName(id)}#${id} is not available` : "callx to a register that holds no helper id", i);
}

function failCallDepth(i: number): never {
  throw new BpfFault(`local call exceeds the call depth of ${MAX_CALL_FRAMES} frames`, i);
}

function failKfunc(imm: number, i: number): never {
  throw new BpfFault(`kernel function calls are not supported (kfunc #${imm})`, i);
}

function failInstruction(p: DecodedProgram, i: number): never {
  if (i < 0 || i >= p.len) throw new BpfFault(`jump out of the program (to insn #${i} of ${p.len})`, p.outOfRange.get(i) ?? i);
  if (p.op[i] === OP_INVALID) throw new BpfFault(p.invalid[i] ?? "invalid instruction", i);
  throw new BpfFault(`invalid instruction opcode 0x${p.op[i].toString(16)}`, i);
}

function lsh64(R: Uint32Array, d: number, n: number): void {
  if (n === 0) return;
  const lo = R[d];
  if (n < 32) {
    R[d + 1] = (R[d + 1] << n) | (lo >>> (32 - n));
    R[d] = lo << n;
  } else {
    R[d + 1] = lo << (n - 32);
    R[d] = 0;
  }
}

function rsh64(R: Uint32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = R[d + 1];
  if (n < 32) {
    R[d] = (R[d] >>> n) | (hi << (32 - n));
    R[d + 1] = hi >>> n;
  } else {
    R[d] = hi >>> (n - 32);
    R[d + 1] = 0;
  }
}

function arsh64(R: Uint32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = R[d + 1] | 0;
  if (n < 32) {
    R[d] = (R[d] >>> n) | (hi << (32 - n));
    R[d + 1] = hi >> n;
  } else {
    R[d] = hi >> (n - 32);
    R[d + 1] = hi >> 31;
  }
}

function bswap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** A load from struct xdp_md (the kernel rewrites these to loads of the xdp_buff fields). */
function loadCtx(rt: Runtime, R: Uint32Array, d: number, off: number, op: number, i: number): void {
  if (op !== 0x61) {
    throw new BpfFault(`invalid access to ctx: ${op === 0x81 ? "sign-extending load" : `${op === 0x79 ? 8 : op === 0x69 || op === 0x89 ? 2 : 1}-byte load`} at offset ${off}`, i);
  }
  const x = rt.xdp;
  switch (off) {
    case 0: R[d] = x.data; R[d + 1] = REGION_PACKET; return;
    case 4: R[d] = x.dataEnd; R[d + 1] = REGION_PACKET; return;
    case 8: R[d] = x.meta; R[d + 1] = REGION_PACKET; return;
    case 12: R[d] = x.ingressIfindex; R[d + 1] = 0; return;
    case 16: R[d] = x.rxQueueIndex; R[d + 1] = 0; return;
    case 20: R[d] = x.egressIfindex; R[d + 1] = 0; return;
    default: throw new BpfFault(`invalid access to ctx: 4-byte load at offset ${off}`, i);
  }
}

/** BPF_STX | BPF_ATOMIC (w: packed slot): add/or/and/xor (± fetch), xchg, cmpxchg, load-acquire, store-release. */
function atomic(rt: Runtime, R: Uint32Array, w: number, imm: number): void {
  const mem = rt.mem;
  const op = w & 0xff;
  const t = (w >> 7) & 0x1e;
  const s = (w >> 11) & 0x1e;
  const off = w >> 16;
  const isLoad = imm === BPF_LOAD_ACQ;
  // load_acquire addresses memory through src; everything else through dst.
  const base = isLoad ? s : t;
  let lo = R[base] + off;
  let hi = R[base + 1];
  if (lo > 0xffffffff) { lo -= TWO32; hi = (hi + 1) >>> 0; } else if (lo < 0) { lo += TWO32; hi = (hi - 1) >>> 0; }
  if (hi === REGION_CTX) throw new BpfFault("invalid access to ctx: atomic operation");
  const size = (op & 0x18) === 0x18 ? 8 : (op & 0x18) === 0x00 ? 4 : (op & 0x18) === 0x08 ? 2 : 1;
  if (isLoad) {
    const rg = mem.check(hi, lo, size, false);
    const dv = rg.dv;
    R[t] = size === 1 ? rg.bytes[lo] : size === 2 ? dv.getUint16(lo, true) : dv.getUint32(lo, true);
    R[t + 1] = size === 8 ? dv.getUint32(lo + 4, true) : 0;
    return;
  }
  const rg = mem.check(hi, lo, size, true);
  const dv = rg.dv;
  if (imm === BPF_STORE_REL) {
    if (size === 1) rg.bytes[lo] = R[s];
    else if (size === 2) dv.setUint16(lo, R[s], true);
    else dv.setUint32(lo, R[s], true);
    if (size === 8) dv.setUint32(lo + 4, R[s + 1], true);
    return;
  }
  if (isSharedMemory(rg.bytes)) return sharedAtomicRegs(rg.bytes, lo, size, imm, R, s);
  const oldLo = dv.getUint32(lo, true);
  const oldHi = size === 8 ? dv.getUint32(lo + 4, true) : 0;
  const srcLo = R[s];
  const srcHi = size === 8 ? R[s + 1] : 0;
  let newLo: number;
  let newHi: number;
  switch (imm & ~BPF_FETCH) {
    case BPF_ADD: {
      const sum = oldLo + srcLo;
      newLo = sum >>> 0;
      newHi = (oldHi + srcHi + (sum > 0xffffffff ? 1 : 0)) >>> 0;
      break;
    }
    case BPF_OR: newLo = (oldLo | srcLo) >>> 0; newHi = (oldHi | srcHi) >>> 0; break;
    case BPF_AND: newLo = (oldLo & srcLo) >>> 0; newHi = (oldHi & srcHi) >>> 0; break;
    case BPF_XOR: newLo = (oldLo ^ srcLo) >>> 0; newHi = (oldHi ^ srcHi) >>> 0; break;
    case BPF_XCHG & ~BPF_FETCH: newLo = srcLo; newHi = srcHi; break;
    case BPF_CMPXCHG & ~BPF_FETCH: {
      // Compare with r0 (its low 32 bits for the 32-bit form); r0 receives the old value, zero-extended.
      const eq = size === 8 ? R[0] === oldLo && R[1] === oldHi : R[0] === oldLo;
      if (eq) {
        dv.setUint32(lo, srcLo, true);
        if (size === 8) dv.setUint32(lo + 4, srcHi, true);
      }
      R[0] = oldLo;
      R[1] = oldHi;
      return;
    }
    default:
      throw new BpfFault(`invalid atomic operation 0x${(imm >>> 0).toString(16)}`);
  }
  dv.setUint32(lo, newLo, true);
  if (size === 8) dv.setUint32(lo + 4, newHi, true);
  if ((imm & BPF_FETCH) !== 0) {
    R[s] = oldLo;
    R[s + 1] = oldHi;
  }
}
