// The verifier's abstract interpretation over every path of one XDP program (do_check): ALU and
// pointer arithmetic, memory, calls and exits, branch exploration with state pruning, the
// complexity limit and the combined stack check. Follows kernel/bpf/verifier.c (bpf_check).

import type { MapSpec, ObjectSpec, ProgramSpec } from "../loader/types.js";
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_END,
  BPF_EXIT, BPF_FETCH, BPF_JA, BPF_JEQ, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_K, BPF_LD, BPF_LDX,
  BPF_LSH, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_NEG, BPF_OR, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_RSH,
  BPF_ST, BPF_STX, BPF_SUB, BPF_TO_LE, BPF_X, BPF_XCHG, BPF_XOR, BPF_MEM,
  opClass, opCode, opMode, opSize, opSrc, sizeBytes,
} from "../isa/opcodes.js";
import { adjustScalarMinMax } from "./adjust-scalar-bounds.js";
import { AnalysisPlan, StaticInfo, analyzeProgram, emptyStaticInfo, prepareAnalysis, slotBit } from "./analyze-liveness.js";
import { checkCfg, checkInsnEncoding, findSubprogs, isLdImm64 } from "./check-cfg.js";
import { checkHelperCall, checkHelperMemArg, clearAllPktPointers, spinLockOffset } from "./check-helper-call.js";
import { BPF_MAX_VAR_OFF, checkMemAccess, checkMemRegionAccess, isPointerValue } from "./check-mem-access.js";
import { ProgramFacts, emptyFacts, forgetImprecise, joinBranch, joinMem, joinRegs } from "./facts.js";
import { alignComment, formatFrameState, formatInsn, regTypeStr } from "./format-log.js";
import {
  Reg, RegType, S64_MAX, S64_MIN, boundsSane, boundsSync, cloneReg, coerceRegToSizeSx, isNullScalar, isPktPointerAny,
  isPointer, mark32Known, mark32Unbounded, markKnown, newReg, pointerReg, unknownScalar, zext32To64,
} from "./reg-state.js";
import { isBranchTaken, markPtrOrNullRegs, regSetMinMax, tryMatchPktPointers } from "./refine-branch.js";
import { stateDifference, statesEqual } from "./states-equal.js";
import { Taint, propagatePruneTaint } from "./propagate-prune-taint.js";
import { GlobalFuncInfo, globalEntryRegs, globalFuncInfo } from "./check-global-func.js";
import { tnumIsConst, tnumStr } from "./tnum.js";
import {
  Caps, Checkpoint, Env, Frame, VState, VerifyAbort, cloneState, curFrame, curRegs, fail, forEachReg, newFrame,
} from "./verifier-env.js";

export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
const MAX_CALL_FRAMES = 8;

export interface VerifyOptions {
  /** 0: no log; 1: the path that led to the verdict (kernel log_level 1); 2: every state. */
  logLevel?: 0 | 1 | 2;
  /**
   * Stricter rules of a loader without CAP_PERFMON / CAP_SYS_ADMIN (kernel: allow_ptr_leaks,
   * bypass_spec_v1, allow_uninit_stack off). CAP_BPF is kept, so bounded loops are allowed.
   */
  unprivileged?: boolean;
  /** Also drop CAP_BPF: back-edges, bpf-to-bpf calls and CAP_BPF helpers are refused. */
  noCapBpf?: boolean;
}

export interface VerifyError {
  /** First line of the kernel's message (its wording). */
  message: string;
  /** Every line the kernel prints for this error. */
  lines: string[];
  /** Instruction index (libbpf layout), -1 when the error is not tied to one. */
  insn: number;
  sourceLine?: { file: string; line: number; text: string };
}

export interface VerifyResult {
  ok: boolean;
  error?: VerifyError;
  /** Kernel-style verifier log at the requested level ("" at level 0). */
  log: string;
  processedInsns: number;
  /** Per-subprogram stack depth in bytes (as the kernel's "stack depth a+b"). */
  stackDepths: number[];
  /** Per-instruction facts for the JIT (only meaningful when ok). */
  facts: ProgramFacts;
}

interface Pending {
  state: VState;
  insn: number;
  prev: number;
  logLen: number;
  lastLine: string;
}

interface Walk {
  env: Env;
  /** Per-instruction inputs of the static analysis (decoded once). */
  plan: AnalysisPlan | null;
  info: StaticInfo;
  facts: ProgramFacts;
  pending: Pending[];
  explored: Map<number, Checkpoint[]>;
  prunePoints: Uint8Array;
  forceCheckpoint: Uint8Array;
  processed: number;
  totalStates: number;
  jmpsProcessed: number;
  prevJmpsProcessed: number;
  prevInsnProcessed: number;
  ptrTypes: Int8Array;
  /** Scratched registers / stack slots of the current instruction (for the level-1 comment). */
  scratchRegs: Set<number>;
  scratchSlots: Set<number>;
  /** Conditional jumps found decided (their operands are precision sinks). */
  decided: Set<number>;
  /** Jumps added to `decided` since `info` was computed. */
  newlyDecided: number[];
  infoDirty: boolean;
  /** Static info with every conditional jump a sink (for the facts after pruning). */
  infoAll: StaticInfo;
  /** Map-in-map: outer map slot -> slot of its inner map template in env.maps. */
  innerMaps: Map<number, number>;
  /** Where pruned paths may differ from the explored ones (for the facts). */
  taints: Taint[];
  taintAll: boolean;
  /** Verifying a global function: its exit must return a scalar. */
  globalExit: boolean;
  /** Global functions (verified on their own) by subprogram index. */
  globals: Map<number, GlobalFuncInfo>;
  calledGlobals: Set<number>;
  printAll: boolean;
  prevLinfo: string;
  /** BPF_K operands as registers, per instruction (see immReg). */
  immRegs: (Reg | undefined)[];
}

/** Lines kept in the log; like the kernel's rotating log buffer, older lines are dropped first. */
const MAX_LOG_LINES = 200_000;

function log(env: Env, line: string): void {
  if (env.logLevel === 0) return;
  env.log.push(line);
  if (env.log.length > MAX_LOG_LINES && env.logLevel >= 2) env.log.splice(0, MAX_LOG_LINES / 2);
}

function sourceLineOf(prog: ProgramSpec, insn: number): { file: string; line: number; text: string } | undefined {
  let best: ProgramSpec["lineInfo"][number] | undefined;
  for (const li of prog.lineInfo) if (li.insn <= insn && (!best || li.insn >= best.insn)) best = li;
  return best ? { file: best.file, line: best.line, text: best.text } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Registers

function checkRegRead(env: Env, regno: number): Reg {
  if (regno >= 11) fail(env, `R${regno} is invalid`);
  const r = curRegs(env)[regno];
  if (r.type === RegType.NOT_INIT) fail(env, `R${regno} !read_ok`);
  return r;
}

function checkRegWrite(env: Env, regno: number): void {
  if (regno >= 11) fail(env, `R${regno} is invalid`);
  if (regno === 10) fail(env, "frame pointer is read only");
}

/** Marks registers for the level-1 state comment (nothing to do without a log). */
function scratch(w: Walk, a: number, b = -1): void {
  if (w.env.logLevel === 0) return;
  w.scratchRegs.add(a);
  if (b >= 0) w.scratchRegs.add(b);
}

function scratchCallRegs(w: Walk): void {
  if (w.env.logLevel === 0) return;
  for (let r = 0; r <= 5; r++) w.scratchRegs.add(r);
}

function scratchSlot(w: Walk, stackOff: number | undefined): void {
  if (stackOff !== undefined && w.env.logLevel !== 0) w.scratchSlots.add(Math.floor((-stackOff - 1) / 8));
}

/**
 * The known scalar an instruction's immediate stands for (BPF_K operands), made once per
 * instruction; it is only read, never stored in a state.
 */
function immReg(w: Walk, pc: number, imm: number): Reg {
  // One instruction has one immediate operand: the cache is per instruction.
  let r = w.immRegs[pc];
  if (!r) {
    r = unknownScalar();
    markKnown(r, BigInt(imm));
    w.immRegs[pc] = r;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// ALU

const ALU_STR = ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian"];

function adjustPtrMinMax(env: Env, dstno: number, op: number, alu64: boolean, ptr: Reg, offReg: Reg, srcIsPtr: boolean): Reg {
  const opname = ALU_STR[op >> 4];
  if (!alu64) {
    if (op === BPF_SUB && env.caps.allowPtrLeaks) return unknownScalar();
    fail(env, `R${dstno} 32-bit pointer arithmetic prohibited`);
  }
  if (ptr.maybeNull) fail(env, `R${dstno} pointer arithmetic on ${regTypeStr(ptr)} prohibited, null-check it first`);
  const known = tnumIsConst(offReg.varOff);
  const sminVal = offReg.smin, smaxVal = offReg.smax, uminVal = offReg.umin, umaxVal = offReg.umax;
  switch (ptr.type) {
    case RegType.CONST_PTR_TO_MAP:
      if (known && sminVal === 0n && op === BPF_ADD) break;
      fail(env, `R${dstno} pointer arithmetic on ${regTypeStr(ptr)} prohibited`);
      break;
    case RegType.PACKET_END: case RegType.FUNC:
      fail(env, `R${dstno} pointer arithmetic on ${regTypeStr(ptr)} prohibited`);
      break;
    default:
      break;
  }
  const dst = cloneReg(ptr);
  dst.id = ptr.id;
  const sane = (r: Reg): void => {
    const val = BigInt.asIntN(64, r.varOff.value);
    const lim = BigInt(BPF_MAX_VAR_OFF);
    if (tnumIsConst(r.varOff) && (val >= lim || val <= -lim)) fail(env, `math between ${regTypeStr(ptr)} pointer and ${val} is not allowed`);
    if (r.off >= BPF_MAX_VAR_OFF || r.off <= -BPF_MAX_VAR_OFF) fail(env, `${regTypeStr(ptr)} pointer offset ${r.off} is not allowed`);
    if (r.smin === S64_MIN) fail(env, `math between ${regTypeStr(ptr)} pointer and register with unbounded min value is not allowed`);
    if (r.smin >= lim || r.smin <= -lim) fail(env, `value ${r.smin} makes ${regTypeStr(ptr)} pointer be out of bounds`);
  };
  sane(offReg);
  sane(ptr);
  if (!env.caps.bypassSpecV1 && !known && (offReg.smin < 0n) !== (offReg.smax < 0n)) {
    fail(env, `R${srcIsPtr ? dstno : dstno} has unknown scalar with mixed signed bounds, pointer arithmetic with it prohibited for !root`);
  }
  mark32Unbounded(dst);
  const fits32 = (x: bigint): boolean => x === BigInt.asIntN(32, x);
  switch (op) {
    case BPF_ADD:
      if (known && fits32(BigInt(ptr.off) + sminVal)) {
        dst.off = ptr.off + Number(sminVal);
        break;
      }
      {
        const smin = ptr.smin + sminVal, smax = ptr.smax + smaxVal;
        if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) { dst.smin = S64_MIN; dst.smax = S64_MAX; }
        else { dst.smin = smin; dst.smax = smax; }
        const umin = ptr.umin + uminVal, umax = ptr.umax + umaxVal;
        if (umin > (1n << 64n) - 1n || umax > (1n << 64n) - 1n) { dst.umin = 0n; dst.umax = (1n << 64n) - 1n; }
        else { dst.umin = umin; dst.umax = umax; }
        dst.varOff = tnumAddVar(ptr, offReg);
        if (ptr.type === RegType.PACKET || ptr.type === RegType.PACKET_META) {
          dst.id = ++env.idGen;
          dst.range = 0;
        }
      }
      break;
    case BPF_SUB:
      if (srcIsPtr) fail(env, `R${dstno} tried to subtract pointer from scalar`);
      if (ptr.type === RegType.STACK) fail(env, `R${dstno} subtraction from stack pointer prohibited`);
      if (known && fits32(BigInt(ptr.off) - sminVal)) {
        dst.off = ptr.off - Number(sminVal);
        break;
      }
      {
        const smin = ptr.smin - smaxVal, smax = ptr.smax - sminVal;
        if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) { dst.smin = S64_MIN; dst.smax = S64_MAX; }
        else { dst.smin = smin; dst.smax = smax; }
        if (ptr.umin < umaxVal) { dst.umin = 0n; dst.umax = (1n << 64n) - 1n; }
        else { dst.umin = ptr.umin - umaxVal; dst.umax = ptr.umax - uminVal; }
        dst.varOff = tnumSubVar(ptr, offReg);
        if (ptr.type === RegType.PACKET || ptr.type === RegType.PACKET_META) {
          dst.id = ++env.idGen;
          if (sminVal < 0n) dst.range = 0;
        }
      }
      break;
    case BPF_AND: case BPF_OR: case BPF_XOR:
      fail(env, `R${dstno} bitwise operator ${opname} on pointer prohibited`);
      break;
    default:
      fail(env, `R${dstno} pointer arithmetic with ${opname} operator prohibited`);
  }
  sane(dst);
  boundsSync(dst);
  if (!env.caps.bypassSpecV1) {
    if (dst.type === RegType.STACK) {
      const off = dst.off + Number(BigInt.asIntN(64, dst.varOff.value));
      if (!tnumIsConst(dst.varOff)) fail(env, `R${dstno} variable stack access prohibited for !root, var_off=${tnumStr(dst.varOff)} off=${off}`);
      if (off >= 0 || off < -512) fail(env, `R${dstno} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`);
    } else if (dst.type === RegType.MAP_VALUE) {
      try {
        checkMemRegionAccess(env, dstno, dst, dst.off, 1, env.maps[dst.mapIndex].valueSize, false);
      } catch (e) {
        if (e instanceof VerifyAbort) fail(env, `R${dstno} pointer arithmetic of map value goes out of range, prohibited for !root`);
        throw e;
      }
    }
  }
  return dst;
}

import { tnumAdd, tnumSub } from "./tnum.js";
const tnumAddVar = (p: Reg, o: Reg) => tnumAdd(p.varOff, o.varOff);
const tnumSubVar = (p: Reg, o: Reg) => tnumSub(p.varOff, o.varOff);

function checkAlu(env: Env, w: Walk, pc: number): void {
  const x = env.insns[pc];
  const cls = opClass(x.op);
  const op = opCode(x.op);
  const alu64 = cls === BPF_ALU64;
  const regs = curRegs(env);
  if (op === BPF_END || op === BPF_NEG) {
    if (op === BPF_NEG) {
      if (opSrc(x.op) !== BPF_K || x.src !== 0 || x.off !== 0 || x.imm !== 0) fail(env, "BPF_NEG uses reserved fields");
    } else if (x.src !== 0 || x.off !== 0 || (x.imm !== 16 && x.imm !== 32 && x.imm !== 64) || (alu64 && opSrc(x.op) !== BPF_TO_LE)) {
      fail(env, "BPF_END uses reserved fields");
    }
    const r = checkRegRead(env, x.dst);
    scratch(w, x.dst);
    if (isPointerValue(env, r)) fail(env, `R${x.dst} pointer arithmetic prohibited`);
    checkRegWrite(env, x.dst);
    if (op === BPF_NEG && r.type === RegType.SCALAR) {
      const d = cloneReg(r);
      adjustScalarMinMax(BPF_NEG, !alu64, d, d);
      d.id = 0;
      regs[x.dst] = d;
      return;
    }
    // Byte swaps: exact for constants, otherwise unknown within the result width.
    const res = unknownScalar();
    if (op === BPF_END && r.type === RegType.SCALAR && tnumIsConst(r.varOff)) {
      markKnown(res, bswapConst(r.varOff.value, x.imm, opSrc(x.op) !== BPF_TO_LE || alu64));
    } else if (op === BPF_END && x.imm < 64) {
      const m = (1n << BigInt(x.imm)) - 1n;
      res.umax = m; res.smin = 0n; res.smax = m; res.varOff = { value: 0n, mask: m };
      boundsSync(res);
    }
    regs[x.dst] = res;
    return;
  }
  if (op === BPF_MOV) {
    if (opSrc(x.op) === BPF_X) {
      if (alu64 ? x.imm !== 0 || (x.off !== 0 && x.off !== 8 && x.off !== 16 && x.off !== 32)
        : x.imm !== 0 || (x.off !== 0 && x.off !== 8 && x.off !== 16)) fail(env, "BPF_MOV uses reserved fields");
      const src = checkRegRead(env, x.src);
      scratch(w, x.src, x.dst);
      checkRegWrite(env, x.dst);
      if (alu64) {
        if (x.off === 0) {
          if (src.type === RegType.SCALAR && !src.id && !tnumIsConst(src.varOff)) src.id = ++env.idGen;
          regs[x.dst] = cloneReg(src);
        } else if (isPointerValue(env, src)) {
          fail(env, `R${x.src} sign-extension part of pointer`);
        } else if (src.type === RegType.SCALAR) {
          const d = cloneReg(src);
          d.id = 0;
          coerceRegToSizeSx(d, x.off >> 3);
          regs[x.dst] = d;
        } else {
          regs[x.dst] = unknownScalar();
        }
      } else {
        if (isPointerValue(env, src)) fail(env, `R${x.src} partial copy of pointer`);
        let d: Reg;
        if (src.type === RegType.SCALAR) {
          d = cloneReg(src);
          d.id = 0;
          if (x.off !== 0) {
            const bits = x.off;
            const lo = BigInt.asIntN(bits, d.varOff.value);
            if (tnumIsConst(d.varOff)) markKnown(d, BigInt.asUintN(32, lo));
            else { const u = unknownScalar(); u.umax = 0xffffffffn; d = u; }
          }
        } else {
          d = unknownScalar();
        }
        zext32To64(d);
        boundsSync(d);
        regs[x.dst] = d;
      }
    } else {
      if (x.src !== 0 || x.off !== 0) fail(env, "BPF_MOV uses reserved fields");
      checkRegWrite(env, x.dst);
      scratch(w, x.dst);
      regs[x.dst] = cloneReg(immReg(w, pc, alu64 ? x.imm : x.imm >>> 0));
    }
    return;
  }
  if (op > BPF_END) fail(env, `invalid BPF_ALU opcode ${op.toString(16)}`);
  if (opSrc(x.op) === BPF_X) {
    if (x.imm !== 0 || (x.off !== 0 && x.off !== 1) || (x.off === 1 && op !== BPF_MOD && op !== BPF_DIV)) fail(env, "BPF_ALU uses reserved fields");
    checkRegRead(env, x.src);
  } else if (x.src !== 0 || (x.off !== 0 && x.off !== 1) || (x.off === 1 && op !== BPF_MOD && op !== BPF_DIV)) {
    fail(env, "BPF_ALU uses reserved fields");
  }
  checkRegRead(env, x.dst);
  scratch(w, x.dst);
  if (opSrc(x.op) === BPF_X) scratch(w, x.src);
  if ((op === BPF_MOD || op === BPF_DIV) && opSrc(x.op) === BPF_K && x.imm === 0) fail(env, "div by zero");
  if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && opSrc(x.op) === BPF_K) {
    const size = alu64 ? 64 : 32;
    if (x.imm < 0 || x.imm >= size) fail(env, `invalid shift ${x.imm}`);
  }
  checkRegWrite(env, x.dst);
  const dst = regs[x.dst];
  let src: Reg;
  if (opSrc(x.op) === BPF_X) {
    src = regs[x.src];
    if (src.type !== RegType.SCALAR) {
      if (dst.type !== RegType.SCALAR) {
        if (op === BPF_SUB && env.caps.allowPtrLeaks) { regs[x.dst] = unknownScalar(); return; }
        fail(env, `R${x.dst} pointer ${ALU_STR[op >> 4]} pointer prohibited`);
      }
      regs[x.dst] = adjustPtrMinMax(env, x.dst, op, alu64, src, dst, true);
      return;
    }
  } else {
    src = immReg(w, pc, x.imm);
  }
  if (dst.type !== RegType.SCALAR) {
    regs[x.dst] = adjustPtrMinMax(env, x.dst, op, alu64, dst, src, false);
    return;
  }
  const d = cloneReg(dst);
  if ((op === BPF_AND || op === BPF_OR) && tnumIsConst(src.varOff)) maybeForkScalars(env, w, pc, d, src, op, alu64);
  adjustScalarMinMax(op, !alu64, d, src);
  d.id = 0;
  regs[x.dst] = d;
}

/**
 * maybe_fork_scalars: LLVM's branchless select `(x s>> 63) & K` leaves a scalar in [-1, 0]; the
 * kernel explores the two values separately. The branch state continues after the instruction
 * with the result for 0 (0 & K = 0, 0 | K = K), this state goes on with -1.
 */
function maybeForkScalars(env: Env, w: Walk, pc: number, d: Reg, src: Reg, op: number, alu64: boolean): void {
  let alu32: boolean;
  if (d.smin === -1n && d.smax === 0n) alu32 = false;
  else if (d.s32min === -1n && d.s32max === 0n) alu32 = true;
  else return;
  const x = env.insns[pc];
  const branch = cloneState(env.cur);
  const res = unknownScalar();
  const k = alu64 ? src.varOff.value : src.varOff.value & 0xffffffffn;
  markKnown(res, op === BPF_AND ? 0n : k);
  if (alu32 && alu64) {
    // 64-bit op on a value known only in its low half: keep the kernel's 32-bit view.
    const b = cloneReg(d);
    mark32Known(b, 0n);
    adjustScalarMinMax(op, false, b, src);
    branch.frames[branch.frames.length - 1].regs[x.dst] = b;
  } else {
    branch.frames[branch.frames.length - 1].regs[x.dst] = res;
  }
  pushState(env, w, branch, pc + 1, pc);
  if (alu32) mark32Known(d, -1n);
  else markKnown(d, -1n);
}

function bswapConst(v: bigint, bits: number, swap: boolean): bigint {
  const n = bits / 8;
  let x = v & ((1n << BigInt(bits)) - 1n);
  if (!swap) return x;
  let out = 0n;
  for (let i = 0; i < n; i++) { out = (out << 8n) | (x & 0xffn); x >>= 8n; }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Memory instructions

function savePtrType(env: Env, w: Walk, pc: number, t: RegType): void {
  const prev = w.ptrTypes[pc];
  if (prev < 0) { w.ptrTypes[pc] = t; return; }
  if (prev !== t && (prev === RegType.CTX || t === RegType.CTX)) fail(env, "same insn cannot be used with different pointers");
}

function checkLdx(env: Env, w: Walk, pc: number): void {
  const x = env.insns[pc];
  const base = checkRegRead(env, x.src);
  checkRegWrite(env, x.dst);
  scratch(w, x.src, x.dst);
  const size = sizeBytes(opSize(x.op));
  const note = checkMemAccess(env, x.src, x.off, size, false, x.dst, { isLdsx: opMode(x.op) === BPF_MEMSX });
  scratchSlot(w, note.stackOff);
  savePtrType(env, w, pc, base.type);
  joinMem(w.facts[pc], note.region, size, false, stackOffOf(note.stackOff, base));
}

function stackOffOf(off: number | undefined, base: Reg): number | undefined {
  return off === undefined || base.type !== RegType.STACK ? undefined : off;
}

function checkStore(env: Env, w: Walk, pc: number): void {
  const x = env.insns[pc];
  const cls = opClass(x.op);
  const size = sizeBytes(opSize(x.op));
  if (cls === BPF_STX) {
    if (opMode(x.op) === BPF_ATOMIC) { checkAtomic(env, w, pc); return; }
    if (opMode(x.op) !== BPF_MEM || x.imm !== 0) fail(env, "BPF_STX uses reserved fields");
    checkRegRead(env, x.src);
    const base = checkRegRead(env, x.dst);
    scratch(w, x.src, x.dst);
    const note = checkMemAccess(env, x.dst, x.off, size, true, x.src);
    scratchSlot(w, note.stackOff);
    savePtrType(env, w, pc, base.type);
    joinMem(w.facts[pc], note.region, size, true, stackOffOf(note.stackOff, base));
    return;
  }
  if (opMode(x.op) !== BPF_MEM || x.src !== 0) fail(env, "BPF_ST uses reserved fields");
  const base = checkRegRead(env, x.dst);
  scratch(w, x.dst);
  const note = checkMemAccess(env, x.dst, x.off, size, true, -1, { stImm: BigInt(x.imm) });
  scratchSlot(w, note.stackOff);
  savePtrType(env, w, pc, base.type);
  joinMem(w.facts[pc], note.region, size, true, stackOffOf(note.stackOff, base));
}

function checkAtomic(env: Env, w: Walk, pc: number): void {
  const x = env.insns[pc];
  const size = sizeBytes(opSize(x.op));
  const okOps = [BPF_ADD, BPF_AND, BPF_OR, BPF_XOR];
  const imm = x.imm;
  if (!(okOps.includes(imm) || okOps.includes(imm & ~BPF_FETCH) && (imm & BPF_FETCH) || imm === BPF_XCHG || imm === BPF_CMPXCHG)) {
    fail(env, `BPF_ATOMIC uses invalid atomic opcode %02x`.replace("%02x", (imm >>> 0).toString(16).padStart(2, "0")));
  }
  if (size !== 4 && size !== 8) fail(env, "invalid atomic operand size");
  const regs = curRegs(env);
  checkRegRead(env, x.src);
  const base = checkRegRead(env, x.dst);
  scratch(w, x.src, x.dst);
  if (imm === BPF_CMPXCHG) {
    checkRegRead(env, 0);
    scratch(w, 0);
    if (isPointerValue(env, regs[0])) fail(env, "R0 leaks addr into mem");
  }
  if (isPointerValue(env, regs[x.src])) fail(env, `R${x.src} leaks addr into mem`);
  if (base.type === RegType.CTX || base.type === RegType.PACKET || base.type === RegType.PACKET_META) {
    fail(env, `BPF_ATOMIC stores into R${x.dst} ${regTypeStr(base)} is not allowed`);
  }
  let loadReg = -1;
  if (imm & BPF_FETCH) {
    loadReg = imm === BPF_CMPXCHG ? 0 : x.src;
    checkRegWrite(env, loadReg);
  }
  checkMemAccess(env, x.dst, x.off, size, false, -1, { strictAlignment: true });
  if (loadReg >= 0) checkMemAccess(env, x.dst, x.off, size, false, loadReg, { strictAlignment: true });
  const note = checkMemAccess(env, x.dst, x.off, size, true, -1, { strictAlignment: true });
  joinMem(w.facts[pc], note.region, size, true, stackOffOf(note.stackOff, base));
}

function checkLdImm64(env: Env, w: Walk, pc: number): void {
  const x = env.insns[pc];
  const next = env.insns[pc + 1];
  if (x.off !== 0) fail(env, "invalid BPF_LD_IMM insn");
  checkRegWrite(env, x.dst);
  scratch(w, x.dst);
  const regs = curRegs(env);
  if (x.src === 0) {
    const d = unknownScalar();
    markKnown(d, (BigInt(next.imm >>> 0) << 32n) | BigInt(x.imm >>> 0));
    regs[x.dst] = d;
    return;
  }
  if (x.src === BPF_PSEUDO_FUNC) {
    const d = pointerReg(RegType.FUNC);
    d.subprog = pc + x.imm + 1;
    regs[x.dst] = d;
    return;
  }
  const m = env.maps[x.imm];
  if (x.src === 1 || x.src === 5) {
    const d = pointerReg(RegType.CONST_PTR_TO_MAP);
    d.mapIndex = x.imm;
    regs[x.dst] = d;
    return;
  }
  // BPF_PSEUDO_MAP_VALUE: pointer into a (global data) map value.
  if (m.type !== 2) fail(env, "map_value pointer is only supported for array maps".replace("map_value pointer", "direct value access"));
  if (next.imm < 0 || next.imm >= m.valueSize) fail(env, `invalid access to map value pointer, value_size=${m.valueSize} off=${next.imm}`);
  const d = pointerReg(RegType.MAP_VALUE);
  d.mapIndex = x.imm;
  d.off = next.imm;
  regs[x.dst] = d;
}

// ---------------------------------------------------------------------------------------------
// Calls and exits

function checkFuncCall(env: Env, w: Walk, pc: number): number {
  const x = env.insns[pc];
  const target = pc + x.imm + 1;
  const sp = env.subprogs.findIndex((s) => s.start === target);
  if (sp < 0) fail(env, `verifier bug. No program starts at insn ${target}`);
  const glob = w.globals.get(sp);
  if (glob) return callGlobalFunc(env, w, pc, sp, glob);
  if (env.cur.lockMap >= 0) fail(env, "function calls are not allowed while holding a lock");
  const st = env.cur;
  if (st.frames.length >= MAX_CALL_FRAMES) fail(env, `the call stack of ${st.frames.length + 1} frames is too deep`);
  const caller = curFrame(env);
  const callee = newFrame(st.frames.length, pc, sp);
  for (let r = 1; r <= 5; r++) callee.regs[r] = cloneReg(caller.regs[r]);
  for (let r = 0; r <= 5; r++) caller.regs[r] = newReg();
  st.frames.push(callee);
  scratchCallRegs(w);
  if (env.logLevel > 0) {
    log(env, "caller:");
    log(env, formatFrameState(st, st.frames.length - 2, env.logMaps));
    log(env, "callee:");
    log(env, formatFrameState(st, st.frames.length - 1, env.logMaps));
  }
  w.printAll = true;
  return target;
}

/** A call to a global function: check the arguments against its BTF, assume it valid. */
function callGlobalFunc(env: Env, w: Walk, pc: number, sp: number, info: GlobalFuncInfo): number {
  const name = info.name;
  if (env.cur.lockMap >= 0) fail(env, "global function calls are not allowed while holding a lock,", "use static function instead");
  const regs = curRegs(env);
  const bad = (lines: string[]): never => fail(env, ...lines, `Caller passes invalid args into func#${sp} ('${name}')`);
  info.args.forEach((a, i) => {
    const regno = i + 1;
    const r = regs[regno];
    if (a.kind === "scalar") {
      if (r.type !== RegType.SCALAR) bad([`R${regno} is not a scalar`]);
    } else if (a.kind === "ctx") {
      if (r.type !== RegType.CTX) bad([`arg#${i} expects pointer to ctx`]);
    } else if (!isNullScalar(r)) {
      const saved = cloneReg(r);
      r.maybeNull = false;
      try {
        checkHelperMemArg(env, regno, a.size);
      } catch (e) {
        if (e instanceof VerifyAbort) bad(e.lines);
        throw e;
      } finally {
        regs[regno] = saved;
      }
    }
  });
  if (env.logLevel > 0) log(env, `Func#${sp} ('${name}') is global and assumed valid.`);
  w.calledGlobals.add(sp);
  for (let r = 0; r <= 5; r++) regs[r] = newReg();
  regs[0] = unknownScalar();
  scratchCallRegs(w);
  return pc + 1;
}

function pushCallback(env: Env, w: Walk, pc: number, target: number, forEachMap?: number): void {
  const sp = env.subprogs.findIndex((s) => s.start === target);
  if (sp < 0) fail(env, `verifier bug. No program starts at insn ${target}`);
  env.subprogs[sp].isCallback = true;
  const regs = curRegs(env);
  // bpf_loop: at most nr_loops iterations are unrolled; bpf_for_each_map_elem: until states converge.
  const nrMax = forEachMap !== undefined ? 1n << 62n : regs[1].type === RegType.SCALAR ? regs[1].umax : 0n;
  const caller = curFrame(env);
  if (BigInt(caller.callbackDepth) < nrMax) {
    const st = cloneState(env.cur);
    if (st.frames.length >= MAX_CALL_FRAMES) fail(env, `the call stack of ${st.frames.length + 1} frames is too deep`);
    const c = st.frames[st.frames.length - 1];
    const callee = newFrame(st.frames.length, pc, sp);
    if (forEachMap !== undefined) {
      // set_map_elem_callback_state: (map, key, value, ctx)
      const m = pointerReg(RegType.CONST_PTR_TO_MAP);
      m.mapIndex = forEachMap;
      const k = pointerReg(RegType.MAP_KEY);
      k.mapIndex = forEachMap;
      const v = pointerReg(RegType.MAP_VALUE);
      v.mapIndex = forEachMap;
      callee.regs[1] = m;
      callee.regs[2] = k;
      callee.regs[3] = v;
      callee.regs[4] = cloneReg(c.regs[3]);
    } else {
      callee.regs[1] = unknownScalar();
      callee.regs[2] = cloneReg(c.regs[3]);
    }
    callee.inCallback = true;
    st.frames.push(callee);
    st.callbackUnrollDepth++;
    c.callbackDepth++;
    pushState(env, w, st, target, pc);
    caller.callbackDepth = 0;
  } else {
    caller.callbackDepth = 0;
    if (env.logLevel >= 2) log(env, `frame${env.cur.frames.length - 1} bpf_loop iteration limit reached`);
  }
}

/** Leaves the innermost frame; returns the instruction to continue at. */
function prepareFuncExit(env: Env, w: Walk): number {
  const st = env.cur;
  const callee = st.frames[st.frames.length - 1];
  const caller = st.frames[st.frames.length - 2];
  const r0 = callee.regs[0];
  if (r0.type === RegType.STACK) fail(env, "cannot return stack pointer to the caller");
  let next: number;
  if (callee.inCallback) {
    if (r0.type !== RegType.SCALAR) fail(env, "R0 not a scalar value");
    if (!(r0.smin >= 0n && r0.smax <= 1n)) {
      let s = "At callback return the register R0 has";
      let unknown = true;
      if (r0.smin > S64_MIN) { s += ` smin=${r0.smin}`; unknown = false; }
      if (r0.smax < S64_MAX) { s += ` smax=${r0.smax}`; unknown = false; }
      if (unknown) s += " unknown scalar value";
      fail(env, `${s} should have been in [0, 1]`);
    }
    next = callee.callsite;
  } else {
    caller.regs[0] = cloneReg(r0);
    next = callee.callsite + 1;
  }
  if (env.logLevel > 0) {
    log(env, "returning from callee:");
    log(env, formatFrameState(st, st.frames.length - 1, env.logMaps));
    log(env, `to caller at ${next}:`);
    log(env, formatFrameState(st, st.frames.length - 2, env.logMaps));
  }
  st.frames.pop();
  w.printAll = true;
  if (callee.inCallback) widenAtCallsite(env, w, next);
  void w;
  return next;
}

/**
 * widen_imprecise_scalars at a callback's return: against the most recent state at the same call
 * site still being explored (the previous iteration), scalars that changed are made unknown, so
 * repeated callback iterations converge. The kernel widens only scalars that are not precise; this
 * simulator widens every changed scalar (sound: it only loses information).
 */
function widenAtCallsite(env: Env, w: Walk, callsite: number): void {
  const list = w.explored.get(callsite);
  if (!list) return;
  const cur = env.cur;
  if (w.infoDirty) {
    w.info = analyzeProgram(w.plan!, w.decided, w.info, w.newlyDecided);
    w.newlyDecided.length = 0;
    w.infoDirty = false;
  }
  for (let k = list.length - 1; k >= 0; k--) {
    const prev = list[k];
    if (prev.branches <= 0 || prev.state.frames.length !== cur.frames.length) continue;
    if (!prev.state.frames.every((f, i) => f.callsite === cur.frames[i].callsite)) continue;
    const top = cur.frames.length - 1;
    // bpf_loop is bounded by nr_loops; when iterations keep differing in values the walk treats as
    // precise, fall back to widening every changed scalar after a few rounds (see README).
    const widenAll = env.insns[callsite].imm === 181 && cur.frames[top].callbackDepth >= 8;
    cur.frames.forEach((f, fi) => {
      const pf = prev.state.frames[fi];
      // Precision as seen from the call site (top frame) or the frame's own call site (callers).
      const at = fi === top ? callsite : cur.frames[fi + 1].inCallback ? cur.frames[fi + 1].callsite : cur.frames[fi + 1].callsite + 1;
      const precRegs = w.info.preciseRegs[at] ?? 0x7ff;

      const widen = (o: Reg, c: Reg, precise: boolean): void => {
        if ((precise && !widenAll) || o.type !== RegType.SCALAR || c.type !== RegType.SCALAR) return;
        if (o.varOff.value === c.varOff.value && o.varOff.mask === c.varOff.mask && o.smin === c.smin && o.smax === c.smax &&
          o.umin === c.umin && o.umax === c.umax) return;
        Object.assign(c, unknownScalar());
      };
      for (let r = 0; r < 10; r++) widen(pf.regs[r], f.regs[r], (precRegs & (1 << r)) !== 0);
      f.stack.forEach((sl, i) => {
        const ps = pf.stack[i];
        if (ps && ps.types[7] === 1 && sl.types[7] === 1) widen(ps.spilled, sl.spilled, slotBit(w.info.preciseSlots, at, i));
      });
    });
    return;
  }
}

function checkExit(env: Env, w: Walk, pc: number): "done" | number {
  const x = env.insns[pc];
  if (opSrc(x.op) !== BPF_K || x.imm !== 0 || x.src !== 0 || x.dst !== 0 || opClass(x.op) === BPF_JMP32) {
    fail(env, "BPF_EXIT uses reserved fields");
  }
  scratch(w, 0);
  const main = env.cur.frames.length === 1;
  if (main) {
    if (env.cur.lockMap >= 0) fail(env, "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region");
    if (env.cur.refs.length) {
      fail(env, ...env.cur.refs.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn}`),
        "BPF_EXIT instruction in main prog would lead to reference leak");
    }
  }
  if (!main) return prepareFuncExit(env, w);
  const r0 = curRegs(env)[0];
  if (r0.type === RegType.NOT_INIT) fail(env, "R0 !read_ok");
  if (isPointerValue(env, r0)) fail(env, "R0 leaks addr as return value");
  if (w.globalExit && r0.type !== RegType.SCALAR) {
    fail(env, `At subprogram exit the register R0 is not a scalar value (${regTypeStr(r0)})`);
  }
  return "done";
}

// ---------------------------------------------------------------------------------------------
// Conditional jumps

function checkCondJmp(env: Env, w: Walk, pc: number): number {
  const x = env.insns[pc];
  const op = opCode(x.op);
  const is32 = opClass(x.op) === BPF_JMP32;
  if (op === BPF_JA || op > 0xd0) fail(env, `invalid BPF_JMP/JMP32 opcode ${op.toString(16)}`);
  const regs = curRegs(env);
  const dst = checkRegRead(env, x.dst);
  scratch(w, x.dst);
  let src: Reg;
  const srcX = opSrc(x.op) === BPF_X;
  if (srcX) {
    if (x.imm !== 0) fail(env, "BPF_JMP/JMP32 uses reserved fields");
    src = checkRegRead(env, x.src);
    scratch(w, x.src);
    if (!(isPktPointerAny(dst) && isPktPointerAny(src)) && isPointerValue(env, src)) {
      fail(env, `R${x.src} pointer comparison prohibited`);
    }
  } else {
    if (x.src !== 0) fail(env, "BPF_JMP/JMP32 uses reserved fields");
    src = immReg(w, pc, x.imm);
  }
  const pred = isBranchTaken(dst, src, op, is32);
  const target = pc + x.off + 1;
  if (pred >= 0 && (dst.type === RegType.SCALAR || (srcX && src.type === RegType.SCALAR)) && !w.decided.has(pc)) {
    // mark_chain_precision: this jump's operands now matter for pruning.
    w.decided.add(pc);
    w.newlyDecided.push(pc);
    w.infoDirty = true;
  }
  if (pred === 1) { joinBranch(w.facts[pc], true, false); return target; }
  if (pred === 0) { joinBranch(w.facts[pc], false, true); return pc + 1; }

  const other = cloneState(env.cur);
  const oregs = other.frames[other.frames.length - 1].regs;
  let takenLive = true, fallLive = true;
  if (srcX) {
    regSetMinMax(oregs[x.dst], oregs[x.src], dst, src, op, is32);
  } else {
    const fakeT = cloneReg(src), fakeF = cloneReg(src);
    regSetMinMax(oregs[x.dst], fakeT, dst, fakeF, op, is32);
    if (!boundsSane(fakeT)) takenLive = false;
    if (!boundsSane(fakeF)) fallLive = false;
  }
  if (!boundsSane(oregs[x.dst]) || (srcX && !boundsSane(oregs[x.src]))) takenLive = false;
  if (!boundsSane(dst) || (srcX && !boundsSane(src))) fallLive = false;
  // Linked scalars (same id) learn the same bounds.
  const sync = (st: VState, r: Reg): void => {
    if (r.type !== RegType.SCALAR || !r.id) return;
    forEachReg(st, (o) => {
      if (o !== r && o.type === RegType.SCALAR && o.id === r.id) Object.assign(o, cloneReg(r));
    });
  };
  if (srcX) { sync(env.cur, src); sync(other, oregs[x.src]); }
  sync(env.cur, dst);
  sync(other, oregs[x.dst]);

  if (!is32 && srcX && isPointer(src) && isPointer(dst) && src.maybeNull !== dst.maybeNull) {
    const eq = op === BPF_JEQ ? oregs : op === BPF_JNE ? regs : null;
    if (eq) {
      const which = src.maybeNull ? x.src : x.dst;
      eq[which].maybeNull = false;
    }
  }
  if (!is32 && !srcX && x.imm === 0 && (op === BPF_JEQ || op === BPF_JNE) && dst.maybeNull) {
    const id = dst.id, ref = dst.refObjId;
    const keep = dst.type === RegType.MAP_VALUE && typeof spinLockOffset(env, dst.mapIndex) === "number";
    const innerOf = (mi: number): number => w.innerMaps.get(mi) ?? -1;
    markPtrOrNullRegs(env.cur, id, ref, op === BPF_JNE, keep, innerOf);
    markPtrOrNullRegs(other, id, ref, op === BPF_JEQ, keep, innerOf);
  } else if (!(srcX && !is32 && tryMatchPktPointers(op, regs[x.dst], regs[x.src], env.cur, other,
    [regs[x.dst], regs[x.src]], [oregs[x.dst], oregs[x.src]])) && isPointerValue(env, dst)) {
    fail(env, `R${x.dst} pointer comparison prohibited`);
  }
  joinBranch(w.facts[pc], takenLive, fallLive);
  if (takenLive && fallLive) {
    pushState(env, w, other, target, pc);
    return pc + 1;
  }
  if (takenLive) {
    other.parent = env.cur.parent;
    env.cur = other;
    return target;
  }
  if (fallLive) return pc + 1;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Exploration stack and pruning

function pushState(env: Env, w: Walk, st: VState, insn: number, prev: number): void {
  if (w.pending.length >= BPF_COMPLEXITY_LIMIT_JMP_SEQ) fail(env, `The sequence of ${w.pending.length + 1} jumps is too complex.`);
  if (st.parent) st.parent.branches++;
  w.pending.push({ state: st, insn, prev, logLen: env.log.length, lastLine: env.log[env.log.length - 1] ?? "" });
}

function updateBranchCounts(st: VState): void {
  let p = st.parent;
  while (p) {
    p.branches--;
    if (p.branches > 0) break;
    p = p.parent;
  }
}

/** is_state_visited: 'hit' when an explored state covers the current one. */
function isStateVisited(env: Env, w: Walk, insn: number): boolean {
  const cur = env.cur;
  if (w.infoDirty) {
    w.info = analyzeProgram(w.plan!, w.decided, w.info, w.newlyDecided);
    w.newlyDecided.length = 0;
    w.infoDirty = false;
  }
  const force = w.forceCheckpoint[insn] === 1;
  let addNew = force || (w.jmpsProcessed - w.prevJmpsProcessed >= 2 && w.processed - w.prevInsnProcessed >= 8);
  const list = w.explored.get(insn) ?? [];
  let evict: Set<Checkpoint> | null = null;
  const nFrames = cur.frames.length;
  for (const sl of list) {
    const sf = sl.state.frames;
    if (sf.length !== nFrames) continue;
    let sameCalls = true;
    for (let i = 0; i < nFrames; i++) if (sf[i].callsite !== cur.frames[i].callsite) { sameCalls = false; break; }
    if (!sameCalls) continue;
    let skipLoopCheck = false;
    if (sl.branches > 0) {
      // An ancestor on the current path: a loop. Only callback call sites may converge here.
      if (force) {
        if (statesEqual(env, sl.state, cur, insn, w.info, "range_within")) {
          sl.hits++;
          const d = stateDifference(sl.state, cur);
          if (d.otherFrames) w.taintAll = true;
          if (d.regs || d.slots) w.taints.push({ insn, regs: d.regs, slots: d.slots });
          return true;
        }
        skipLoopCheck = true;
      }
      if (!skipLoopCheck && sl.state.callbackUnrollDepth === cur.callbackUnrollDepth &&
        statesEqual(env, sl.state, cur, insn, w.info, "exact")) {
        const li = sourceLineOf(env.prog, insn);
        if (li && env.logLevel > 0) log(env, `; ${li.text.trimStart()} @ ${li.file.split("/").pop()}:${li.line}`);
        fail(env, `infinite loop detected at insn ${insn}`,
          `cur state:${formatFrameState(cur, cur.frames.length - 1, env.logMaps)}`,
          `old state:${formatFrameState(sl.state, sl.state.frames.length - 1, env.logMaps)}`);
      }
      if (!force && w.jmpsProcessed - w.prevJmpsProcessed < 20 && w.processed - w.prevInsnProcessed < 100) addNew = false;
    } else if (statesEqual(env, sl.state, cur, insn, w.info, "not_exact")) {
      sl.hits++;
      const d = stateDifference(sl.state, cur);
      if (d.otherFrames) w.taintAll = true;
      if (d.regs || d.slots) w.taints.push({ insn, regs: d.regs, slots: d.slots });
      return true;
    }
    if (addNew) sl.misses++;
    const n = force && sl.branches > 0 ? 64 : 3;
    if (sl.misses > sl.hits * n + n) (evict ??= new Set()).add(sl);
  }
  let kept = evict ? list.filter((s) => !evict.has(s)) : list;
  if (!addNew) {
    if (evict) w.explored.set(insn, kept);
    return false;
  }
  w.prevJmpsProcessed = w.jmpsProcessed;
  w.prevInsnProcessed = w.processed;
  const cp: Checkpoint = { state: cloneState(cur), branches: 1, parent: cur.parent, insn, hits: 0, misses: 0 };
  cp.state.parent = null;
  cur.parent = cp;
  if (kept === list) kept = list.slice();
  kept.push(cp);
  w.explored.set(insn, kept);
  w.totalStates++;
  return false;
}

function markPrunePoints(env: Env): { prune: Uint8Array; force: Uint8Array } {
  const n = env.insns.length;
  const prune = new Uint8Array(n);
  const force = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = env.insns[i];
    const cls = opClass(x.op);
    if (isLdImm64(x)) {
      if (x.src === BPF_PSEUDO_FUNC && i + x.imm + 1 < n) prune[i + x.imm + 1] = 1;
      i++;
      continue;
    }
    if (cls !== BPF_JMP && cls !== BPF_JMP32) continue;
    const op = opCode(x.op);
    if (op === BPF_EXIT) continue;
    if (op === BPF_CALL) {
      if (x.src === 0 && (x.imm === 181 || x.imm === 164)) { prune[i] = 1; force[i] = 1; }
      if (i + 1 < n) prune[i + 1] = 1;
      if (x.src === BPF_PSEUDO_CALL) {
        prune[i] = 1;
        if (i + x.imm + 1 < n) prune[i + x.imm + 1] = 1;
      }
      continue;
    }
    if (op === BPF_JA) {
      const t = x.op === (BPF_JMP32 | BPF_JA) ? i + x.imm + 1 : i + x.off + 1;
      if (t >= 0 && t < n) prune[t] = 1;
      continue;
    }
    // check_cfg's push_insn marks every branch target as a prune point.
    prune[i] = 1;
    const t = i + x.off + 1;
    if (t >= 0 && t < n) prune[t] = 1;
  }
  return { prune, force };
}

// ---------------------------------------------------------------------------------------------
// The walk

function logInsn(env: Env, w: Walk, pc: number): void {
  if (env.logLevel === 0) return;
  const li = sourceLineOf(env.prog, pc);
  if (li) {
    const key = `${li.file}:${li.line}:${li.text}`;
    if (key !== w.prevLinfo) {
      log(env, `; ${li.text.trimStart()} @ ${li.file.split("/").pop()}:${li.line}`);
      w.prevLinfo = key;
    }
  }
  log(env, `${pc}: ${formatInsn(env.insns, pc, env.maps)}`);
}

function logInsnState(env: Env, w: Walk): void {
  if (env.logLevel === 0) return;
  const st = env.cur;
  const top = st.frames.length - 1;
  const regs = env.logLevel >= 2 || w.printAll ? undefined : w.scratchRegs;
  const slots = env.logLevel >= 2 || w.printAll ? undefined : w.scratchSlots;
  const s = formatFrameState(st, top, env.logMaps, regs, slots);
  if (!w.scratchRegs.size && !w.scratchSlots.size) return;
  const last = env.log.length - 1;
  if (last >= 0 && /^\d+: \(/.test(env.log[last]) && !env.log[last].includes(" ; ")) {
    env.log[last] = env.log[last] + alignComment(env.log[last].length) + ";" + s;
  } else {
    log(env, `${env.insnIdx}:${s}`);
  }
}

const TRUST_ALL = (): boolean => true;

function doCheck(env: Env, w: Walk, start = 0): void {
  const n = env.insns.length;
  let pc = start;
  let prev = 0;
  let popped = false;
  w.printAll = true;
  for (;;) {
    if (++w.processed > BPF_COMPLEXITY_LIMIT_INSNS) {
      fail(env, `BPF program is too large. Processed ${w.processed} insn`);
    }
    env.insnIdx = pc;
    env.prevInsnIdx = prev;
    if (pc < 0 || pc >= n) fail(env, `invalid insn idx ${pc} insn_cnt ${n}`);
    joinRegs(w.facts[pc], curRegs(env), TRUST_ALL);
    let pruned = false;
    if (w.prunePoints[pc]) pruned = isStateVisited(env, w, pc);
    if (env.logLevel >= 2 && popped) {
      log(env, "");
      log(env, `from ${prev} to ${pc}${pruned ? ": safe" : ":"}${pruned ? "" : formatFrameState(env.cur, env.cur.frames.length - 1, env.logMaps)}`);
    } else if (pruned && env.logLevel > 0) {
      log(env, popped ? `from ${prev} to ${pc}: safe` : `${pc}: safe`);
    } else if (popped && env.logLevel === 1) {
      w.printAll = true;
    }
    popped = false;
    let next: number | "done";
    if (pruned) {
      env.pruned = true;
      next = "done";
    } else {
      if (w.printAll && env.logLevel === 1) {
        const st = `${pc}:${formatFrameState(env.cur, env.cur.frames.length - 1, env.logMaps)}`;
        const last = env.log.length - 1;
        // After a pop the kernel's log is rewound to the branch instruction's line (no newline yet).
        if (last >= 0 && /^\d+: \(/.test(env.log[last]) && !env.log[last].includes(" ; ") && pc !== 0) env.log[last] += " " + st;
        else log(env, st);
      }
      w.printAll = false;
      if (env.logLevel !== 0) {
        w.scratchRegs.clear();
        w.scratchSlots.clear();
      }
      logInsn(env, w, pc);
      next = step(env, w, pc);
      if (next !== "done" && next >= 0 && env.logLevel >= 1 && !w.printAll) logInsnState(env, w);
    }
    if (next === "done" || next === -1) {
      updateBranchCounts(env.cur);
      const p = w.pending.pop();
      if (!p) return;
      if (env.logLevel === 1) {
        env.log.length = p.logLen;
        if (p.logLen > 0) env.log[p.logLen - 1] = p.lastLine;
      }
      env.cur = p.state;
      prev = p.prev;
      pc = p.insn;
      popped = true;
      continue;
    }
    prev = pc;
    pc = next;
  }
}

function step(env: Env, w: Walk, pc: number): number | "done" {
  const x = env.insns[pc];
  const cls = opClass(x.op);
  switch (cls) {
    case BPF_ALU: case BPF_ALU64:
      checkAlu(env, w, pc);
      return pc + 1;
    case BPF_LDX:
      checkLdx(env, w, pc);
      return pc + 1;
    case BPF_STX: case BPF_ST:
      checkStore(env, w, pc);
      return pc + 1;
    case BPF_LD:
      if (isLdImm64(x)) { checkLdImm64(env, w, pc); return pc + 2; }
      fail(env, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
      break;
    case BPF_JMP: case BPF_JMP32: {
      w.jmpsProcessed++;
      const op = opCode(x.op);
      if (op === BPF_CALL) {
        if (opSrc(x.op) !== BPF_K || x.off !== 0 || (x.src !== 0 && x.src !== BPF_PSEUDO_CALL && x.src !== 2) || x.dst !== 0 || cls === BPF_JMP32) {
          fail(env, "BPF_CALL uses reserved fields");
        }
        if (x.src === BPF_PSEUDO_CALL) return checkFuncCall(env, w, pc);
        if (x.src === 2) fail(env, "calling kernel function is not supported without CONFIG_DEBUG_INFO_BTF");
        if (env.cur.lockMap >= 0 && x.imm !== 94) fail(env, "function calls are not allowed while holding a lock");
        scratchCallRegs(w);
        // bpf_loop / bpf_for_each_map_elem explore their callback from the registers at the call.
        const regsBefore = x.imm === 181 || x.imm === 164 ? curRegs(env).map(cloneReg) : null;
        const res = checkHelperCall(env, x.imm);
        if (res.callback !== null) {
          // bpf_loop: explore the callback from a copy of the state as it was at the call.
          const after = env.cur.frames[env.cur.frames.length - 1].regs;
          const saved = after.slice();
          const f = curFrame(env);
          f.regs = regsBefore!;
          pushCallback(env, w, pc, res.callback, res.callbackMap);
          f.regs = saved;
        }
        if (res.changesPktData) clearAllPktPointers(env);
        return pc + 1;
      }
      if (op === BPF_EXIT) return checkExit(env, w, pc);
      if (op === BPF_JA) {
        if (cls === BPF_JMP) {
          if (opSrc(x.op) !== BPF_K || x.imm !== 0 || x.src !== 0 || x.dst !== 0) fail(env, "BPF_JA uses reserved fields");
          return pc + x.off + 1;
        }
        if (opSrc(x.op) !== BPF_K || x.off !== 0 || x.src !== 0 || x.dst !== 0) fail(env, "BPF_JA uses reserved fields");
        return pc + x.imm + 1;
      }
      return checkCondJmp(env, w, pc);
    }
  }
  fail(env, `unknown insn class ${cls}`);
}

// ---------------------------------------------------------------------------------------------
// Entry point

/** The name the kernel knows a map by: libbpf prefixes global-data maps with the object's name. */
function kernelMapName(m: MapSpec, file: string): string {
  if (!m.isGlobalData) return m.name.slice(0, 15);
  const obj = (file.split("/").pop() ?? file).replace(/\.o$/, "").replace(/\./g, "_");
  const room = 16 - m.name.length - 1;
  return (obj.slice(0, Math.max(0, room)) + m.name).slice(0, 15);
}

function capsFor(opts: VerifyOptions): Caps {
  const priv = !opts.unprivileged && !opts.noCapBpf;
  return { allowPtrLeaks: priv, allowUninitStack: priv, bypassSpecV1: priv, bpfCapable: !opts.noCapBpf };
}

function checkMaxStackDepth(env: Env): void {
  const insns = env.insns;
  const round = (d: number): number => Math.ceil(d / 16) * 16;
  const subOf = (start: number): number => env.subprogs.findIndex((s) => s.start === start);
  const visit = (idx: number, depth: number, frame: number, callInsn: number): void => {
    const sp = env.subprogs[idx];
    env.insnIdx = callInsn;
    if (idx && sp.hasTailCall && depth >= 256) {
      fail(env, `tail_calls are not allowed when call stack of previous frames is ${depth} bytes. Too large`);
    }
    const d = depth + round(sp.stackDepth);
    if (d > 512) fail(env, `combined stack size of ${frame + 1} calls is ${d}. Too large`);
    for (let i = sp.start; i < sp.end; i++) {
      const x = insns[i];
      const call = x.op === (BPF_JMP | BPF_CALL) && x.src === BPF_PSEUDO_CALL;
      const func = isLdImm64(x) && x.src === BPF_PSEUDO_FUNC;
      if (!call && !func) continue;
      const t = subOf(i + x.imm + 1);
      if (t < 0) continue;
      if (frame + 1 >= MAX_CALL_FRAMES) fail(env, `the call stack of ${frame + 1} frames is too deep !`);
      visit(t, d, frame + 1, i);
    }
  };
  visit(0, 0, 0, 0);
}

/**
 * Verifies program `progIndex` of `obj` as the kernel's verifier would when loading it as XDP.
 * Never throws for a bad program: the rejection is in `result.error`.
 */
export function verifyProgram(obj: ObjectSpec, progIndex: number, opts: VerifyOptions = {}): VerifyResult {
  const prog = obj.programs[progIndex];
  if (!prog) throw new RangeError(`no program #${progIndex} in ${obj.file}`);
  const env: Env = {
    obj, prog, insns: prog.insns, maps: obj.maps, caps: capsFor(opts), subprogs: [], idGen: 0, insnIdx: 0, prevInsnIdx: 0,
    cur: { frames: [], refs: [], lockMap: -1, lockId: 0, parent: null, callbackUnrollDepth: 0 },
    logLevel: opts.logLevel ?? 0, log: [], pruned: false, logMaps: obj.maps.map((m) => ({ ...m, name: kernelMapName(m, obj.file) })),
  };
  const facts = emptyFacts(prog.insns.length);
  const w: Walk = {
    env, plan: null, info: emptyStaticInfo(), facts, pending: [],
    explored: new Map(), prunePoints: new Uint8Array(0), forceCheckpoint: new Uint8Array(0), processed: 0, totalStates: 0,
    jmpsProcessed: 0, prevJmpsProcessed: 0, prevInsnProcessed: 0, ptrTypes: new Int8Array(prog.insns.length).fill(-1),
    scratchRegs: new Set(), scratchSlots: new Set(), globals: new Map(), calledGlobals: new Set(), globalExit: false, taints: [], taintAll: false, innerMaps: new Map(), decided: new Set(), newlyDecided: [], infoDirty: false,
    infoAll: emptyStaticInfo(), printAll: true, prevLinfo: "", immRegs: new Array(prog.insns.length),
  };
  env.maps = obj.maps.slice();
  obj.maps.forEach((m, i) => {
    if ((m.type === 12 || m.type === 13) && m.innerMap) {
      w.innerMaps.set(i, env.maps.length);
      env.maps.push({ ...m.innerMap, index: env.maps.length, name: m.innerMap.name || `${m.name}.inner` });
    }
  });
  env.logMaps = env.maps.map((m) => ({ ...m, name: kernelMapName(m, obj.file) }));
  let error: VerifyError | undefined;
  try {
    if (prog.insns.length === 0) throw new VerifyAbort(["last insn is not an exit or jmp"], -1);
    checkInsnEncoding(prog.insns, obj.maps.length);
    env.subprogs = findSubprogs(prog, env.caps.bpfCapable);
    checkCfg(prog.insns, env.caps.bpfCapable);
    if (env.logLevel >= 2) env.subprogs.forEach((s, i) => log(env, `func#${i} @${s.start}`));
    w.plan = prepareAnalysis(prog.insns, env.subprogs, env.maps);
    w.info = analyzeProgram(w.plan, w.decided);
    w.infoAll = analyzeProgram(w.plan, null, w.info);
    const pp = markPrunePoints(env);
    w.prunePoints = pp.prune;
    w.forceCheckpoint = pp.force;
    env.subprogs.forEach((sp, i) => {
      const g = globalFuncInfo(obj.btf, prog, sp.start);
      if (g) w.globals.set(i, g);
    });
    const f0: Frame = newFrame(0, -1, 0);
    f0.regs[1] = pointerReg(RegType.CTX);
    env.cur.frames.push(f0);
    doCheck(env, w);
    // Global functions the program calls are verified after it, each on its own.
    for (let i = 0; i < env.subprogs.length; i++) {
      if (!w.calledGlobals.has(i)) continue;
      const g = w.globals.get(i)!;
      const sp = env.subprogs[i];
      if (env.logLevel === 1) env.log.length = 0;
      log(env, `Validating ${g.name}() func#${i}...`);
      const f: Frame = newFrame(0, -1, i);
      for (const [regno, r] of globalEntryRegs(g, () => ++env.idGen)) f.regs[regno] = r;
      env.cur = { frames: [f], refs: [], lockMap: -1, lockId: 0, parent: null, callbackUnrollDepth: 0 };
      w.explored = new Map();
      w.printAll = true;
      w.globalExit = true;
      doCheck(env, w, sp.start);
    }
    if (env.logLevel === 1) env.log.length = 0;
    checkMaxStackDepth(env);
  } catch (e) {
    if (!(e instanceof VerifyAbort)) throw e;
    for (const l of e.lines) log(env, l);
    const insn = e.insn;
    error = { message: e.lines[0], lines: e.lines, insn, sourceLine: insn >= 0 ? sourceLineOf(prog, insn) : undefined };
  }
  if (env.pruned && w.taintAll) {
    facts.forEach((f, i) => {
      // Some pruned path differed in a caller's frame: keep no value facts at all (but r10).
      forgetImprecise(f, (r) => r === 10);
      f.regs.forEach((rf, r) => {
        if (r !== 10 && !((w.infoAll.liveIn[i] ?? 0x7ff) & (1 << r))) f.regs[r] = { ...rf, kind: "mixed", maybeNull: true };
      });
    });
  } else if (w.taints.length) {
    const tainted = propagatePruneTaint(prog.insns, env.subprogs, w.taints);
    facts.forEach((f, i) => {
      forgetImprecise(f, (r) => (tainted[i] & (1 << r)) === 0);
      // A dead register's type is not compared when pruning: it may be anything on a pruned path.
      f.regs.forEach((rf, r) => {
        if ((tainted[i] & (1 << r)) && !((w.info.liveIn[i] ?? 0x7ff) & (1 << r))) f.regs[r] = { ...rf, kind: "mixed", maybeNull: true };
      });
    });
  }
  const depths = env.subprogs.map((s) => s.stackDepth);
  if (env.logLevel === 1 && !error) env.log.length = 0;
  if (env.logLevel > 0) {
    const states = [...w.explored.values()].reduce((a, l) => a + l.length, 0);
    if (env.logLevel >= 2) log(env, `stack depth ${depths.join("+")}`);
    log(env, `processed ${w.processed} insns (limit ${BPF_COMPLEXITY_LIMIT_INSNS}) max_states_per_insn ${Math.max(0, ...[...w.explored.values()].map((l) => l.length))} total_states ${w.totalStates} peak_states ${states} mark_read 0`);
  }
  return {
    ok: !error, error, log: env.logLevel > 0 ? env.log.join("\n") + "\n" : "", processedInsns: w.processed,
    stackDepths: depths, facts,
  };
}

