// Static backward data-flow over the linked program: live registers per instruction and registers /
// stack slots whose exact value may matter (an over-approximation of the kernel's precision marks),
// used by state pruning (compute_live_registers and mark_chain_precision in kernel/bpf/verifier.c).

import type { Insn } from "../isa/insn.js";
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_JA, BPF_JMP,
  BPF_JMP32, BPF_LD, BPF_LDX, BPF_MOV, BPF_NEG, BPF_ST, BPF_STX, BPF_X, BPF_ADD, BPF_SUB, BPF_MEM,
  opClass, opCode, opMode, opSize, opSrc, sizeBytes,
} from "../isa/opcodes.js";
import { isLdImm64, isPseudoCall, isPseudoFunc, successors } from "./check-cfg.js";
import { Arg, xdpHelperProto } from "./helper-protos.js";
import type { SubprogInfo } from "./verifier-env.js";

const ALL_SLOTS = (1n << 64n) - 1n;
const R0_5 = 0x3f;

export interface StaticInfo {
  /** Bit i set: register i may be read before written from this instruction on. */
  liveIn: Int32Array;
  /** Bit i set: the exact value of scalar register i at this instruction may matter. */
  preciseRegs: Int32Array;
  /** Bit spi set: the value spilled at fp-8*(spi+1) may matter. */
  preciseSlots: bigint[];
  /** Bit spi set: the slot at fp-8*(spi+1) may be read before it is overwritten. */
  liveSlots: bigint[];
}

function helperArgCount(id: number): number {
  const p = xdpHelperProto(id);
  return p ? p.args.length : 5;
}

/** Registers a helper call needs exactly (size arguments, tail-call index, allocation size). */
function helperPreciseArgs(id: number): number {
  const p = xdpHelperProto(id);
  if (!p) return 0;
  let m = 0;
  p.args.forEach((a, i) => {
    if (a === Arg.CONST_SIZE || a === Arg.CONST_SIZE_OR_ZERO || a === Arg.CONST_ALLOC_SIZE_OR_ZERO) m |= 1 << (i + 1);
  });
  if (id === 12) m |= 1 << 3;
  return m;
}

/** Stack slot fp+off for an 8-aligned r10-relative access, or -1. */
function slotOf(off: number): number {
  if (off >= 0 || off < -512) return -1;
  return Math.floor((-off - 1) / 8);
}

/** Instructions some jump, call return or fall-through from a jump lands on (join points). */
let joinPoints: Uint8Array = new Uint8Array(0);
function computeJoinPoints(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length + 1);
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (isLdImm64(x)) { i++; continue; }
    const cls = opClass(x.op);
    if (cls !== BPF_JMP && cls !== BPF_JMP32) continue;
    const op = opCode(x.op);
    if (op === BPF_CALL || op === BPF_EXIT) { out[i + 1] = 1; continue; }
    for (const t of successors(insns, i)) if (t >= 0 && t < out.length) out[t] = 1;
  }
  return out;
}

/** `rN = r10; rN += K` shortly before a helper call: the frame offset K, or null when unknown. */
function fpOffset(insns: readonly Insn[], call: number, reg: number): number | null {
  let k: number | null = null;
  for (let j = call - 1; j >= 0 && j >= call - 12; j--) {
    if (joinPoints[j + 1]) return null; // another path may reach the call with a different value
    const x = insns[j];
    if (j > 0 && isLdImm64(insns[j - 1])) continue;
    if (x.dst !== reg || opClass(x.op) === BPF_STX || opClass(x.op) === BPF_ST || opClass(x.op) === BPF_JMP) continue;
    if (x.op === (BPF_ALU64 | BPF_ADD) && k === null) { k = x.imm; continue; }
    if (x.op === (BPF_ALU64 | BPF_MOV | BPF_X) && x.src === 10) return k ?? 0;
    return null;
  }
  return null;
}

/** `rN = imm` shortly before a call: the constant, or null. */
function constBefore(insns: readonly Insn[], call: number, reg: number): number | null {
  for (let j = call - 1; j >= 0 && j >= call - 12; j--) {
    if (joinPoints[j + 1]) return null;
    const x = insns[j];
    if (j > 0 && isLdImm64(insns[j - 1])) continue;
    if (x.dst !== reg || opClass(x.op) === BPF_STX || opClass(x.op) === BPF_ST || opClass(x.op) === BPF_JMP) continue;
    return x.op === (BPF_ALU64 | BPF_MOV) || x.op === (BPF_ALU | BPF_MOV) ? x.imm : null;
  }
  return null;
}

/** Map slot loaded into `reg` by an ld_imm64 shortly before a call, or -1. */
function mapBefore(insns: readonly Insn[], call: number, reg: number): number {
  for (let j = call - 1; j >= 0 && j >= call - 12; j--) {
    if (joinPoints[j + 1]) return -1;
    const x = insns[j];
    if (isLdImm64(x) && x.dst === reg) return x.src === 1 ? x.imm : -1;
    if (j > 0 && isLdImm64(insns[j - 1])) continue;
    if (x.dst === reg && opClass(x.op) !== BPF_STX && opClass(x.op) !== BPF_ST && opClass(x.op) !== BPF_JMP) return -1;
  }
  return -1;
}

const keySlot = (insns: readonly Insn[], call: number, reg: number): number => {
  const k = fpOffset(insns, call, reg);
  return k === null ? -1 : slotOf(k);
};

/**
 * Stack slots a helper call may read through its pointer arguments: the exact bytes when the
 * pointer is `r10 + K` and the size is known (map key/value size, constant size argument), every
 * slot above K when only K is known, and every slot otherwise.
 */
function helperReadSlots(insns: readonly Insn[], call: number, mapSizes: readonly { keySize: number; valueSize: number }[]): bigint {
  const p = xdpHelperProto(insns[call].imm);
  if (!p) return ALL_SLOTS;
  let out = 0n;
  const mapIdx = mapBefore(insns, call, 1);
  p.args.forEach((a, i) => {
    const reg = i + 1;
    let size: number | null = null;
    switch (a) {
      case Arg.ANYTHING: case Arg.CONST_SIZE: case Arg.CONST_SIZE_OR_ZERO: case Arg.CONST_MAP_PTR: case Arg.PTR_TO_CTX:
      case Arg.CONST_ALLOC_SIZE_OR_ZERO: case Arg.PTR_TO_FUNC: case Arg.DONTCARE:
        return;
      case Arg.PTR_TO_MAP_KEY: size = mapIdx >= 0 && mapSizes[mapIdx] ? mapSizes[mapIdx].keySize : null; break;
      case Arg.PTR_TO_MAP_VALUE: case Arg.PTR_TO_UNINIT_MAP_VALUE:
        size = mapIdx >= 0 && mapSizes[mapIdx] ? mapSizes[mapIdx].valueSize : null; break;
      case Arg.PTR_TO_FIXED_U32_WRITE: size = 4; break;
      case Arg.PTR_TO_FIXED_U64_WRITE: size = 8; break;
      case Arg.PTR_TO_SOCK_COMMON: case Arg.PTR_TO_SOCK_COMMON_RELEASE: case Arg.PTR_TO_RINGBUF_MEM_RELEASE: case Arg.PTR_TO_SPIN_LOCK:
        return;
      default: {
        const next = p.args[i + 1];
        if (next === Arg.CONST_SIZE || next === Arg.CONST_SIZE_OR_ZERO) size = constBefore(insns, call, reg + 1);
      }
    }
    const off = fpOffset(insns, call, reg);
    if (off === null) { out = ALL_SLOTS; return; }
    const end = size === null ? 0 : Math.min(0, off + size);
    for (let a2 = off; a2 < end; a2++) { const sp = slotOf(a2); if (sp >= 0) out |= 1n << BigInt(sp); }
  });
  return out;
}

/**
 * `decided`: conditional jumps whose outcome the walk has found fixed at least once (the only
 * jumps whose operands the kernel marks precise); null treats every conditional jump as one.
 */
export function analyzeProgram(
  insns: readonly Insn[], subprogs: readonly SubprogInfo[], decided: ReadonlySet<number> | null = null,
  mapSizes: readonly { keySize: number; valueSize: number }[] = [],
): StaticInfo {
  const n = insns.length;
  joinPoints = computeJoinPoints(insns);
  const liveIn = new Int32Array(n);
  const precR = new Int32Array(n);
  const precS: bigint[] = new Array(n).fill(0n);
  const liveS: bigint[] = new Array(n).fill(0n);
  const subOf = (i: number): number => {
    for (let k = subprogs.length - 1; k >= 0; k--) if (subprogs[k].start <= i) return k;
    return 0;
  };
  const callbacks = new Set<number>();
  for (let i = 0; i < n; i++) if (isPseudoFunc(insns[i])) callbacks.add(i + insns[i].imm + 1);
  // Call sites per callee start.
  const callSites = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (isPseudoCall(insns[i])) {
      const t = i + insns[i].imm + 1;
      if (!callSites.has(t)) callSites.set(t, []);
      callSites.get(t)!.push(i);
    }
  }
  const exitR0Precise = new Uint8Array(subprogs.length);
  let changed = true;
  let rounds = 0;
  while (changed && rounds++ < 200) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const x = insns[i];
      if (i > 0 && isLdImm64(insns[i - 1])) continue; // second slot
      const cls = opClass(x.op);
      let outL = 0, outR = 0, outS = 0n, outLS = 0n;
      const isExit = x.op === (BPF_JMP | BPF_EXIT);
      if (isExit) {
        const sp = subOf(i);
        outL = 1;
        if (callbacks.has(subprogs[sp].start) || exitR0Precise[sp]) outR = 1;
      } else {
        for (const s of successors(insns, i)) {
          if (s < 0 || s >= n) continue;
          outL |= liveIn[s];
          outR |= precR[s];
          outS |= precS[s];
          outLS |= liveS[s];
        }
      }
      let inL = outL, inR = outR, inS = outS, inLS = outLS;
      const slotBits = (off: number, size: number): bigint => {
        let b = 0n;
        for (let a = off; a < off + size; a++) { const sp = slotOf(a); if (sp >= 0) b |= 1n << BigInt(sp); }
        return b;
      };
      const use = (r: number): void => { inL |= 1 << r; };
      const def = (r: number): void => { inL &= ~(1 << r); };
      const has = (r: number): boolean => (outR & (1 << r)) !== 0;
      if (cls === BPF_ALU || cls === BPF_ALU64) {
        const op = opCode(x.op);
        const srcX = opSrc(x.op) === BPF_X && op !== BPF_NEG && op !== BPF_END;
        if (op === BPF_MOV) {
          def(x.dst);
          if (srcX) use(x.src);
          const p = has(x.dst);
          inR &= ~(1 << x.dst);
          if (p && srcX) inR |= 1 << x.src;
        } else {
          def(x.dst);
          use(x.dst);
          if (srcX) use(x.src);
          if (srcX && (has(x.dst) || (cls === BPF_ALU64 && (op === BPF_ADD || op === BPF_SUB)))) inR |= 1 << x.src;
          if (srcX && cls === BPF_ALU64 && op === BPF_ADD) inR |= 1 << x.dst;
        }
      } else if (cls === BPF_LDX) {
        inLS = x.src === 10 ? inLS | slotBits(x.off, sizeBytes(opSize(x.op))) : ALL_SLOTS;
        const p = has(x.dst);
        def(x.dst);
        use(x.src);
        inR &= ~(1 << x.dst);
        if (p) {
          const s = x.src === 10 ? slotOf(x.off) : -1;
          if (x.src === 10 && s >= 0) inS |= 1n << BigInt(s);
          else if (x.src !== 10) inS = ALL_SLOTS;
        }
      } else if (cls === BPF_STX || cls === BPF_ST) {
        use(x.dst);
        const size = sizeBytes(opSize(x.op));
        if (cls === BPF_STX) use(x.src);
        const atomic = cls === BPF_STX && opMode(x.op) === BPF_ATOMIC;
        if (x.dst === 10) {
          if (atomic) inLS |= slotBits(x.off, size);
          else if (size === 8 && x.off % 8 === 0) { const sp = slotOf(x.off); if (sp >= 0) inLS &= ~(1n << BigInt(sp)); }
        } else if (atomic) {
          inLS = ALL_SLOTS;
        }
        if (atomic) {
          if (x.imm === BPF_CMPXCHG) { use(0); def(0); use(0); inR |= has(0) ? 1 : 0; }
          else if (x.imm & BPF_FETCH) { def(x.src); use(x.src); }
          inR |= 1 << x.src;
          if (x.dst === 10) { const s = slotOf(x.off); if (s >= 0) inS |= 1n << BigInt(s); } else inS = ALL_SLOTS;
        } else if (x.dst === 10) {
          const s = slotOf(x.off);
          if (s >= 0) {
            const bit = 1n << BigInt(s);
            // Any 8-aligned store replaces what a later fill of this slot would see.
            const full = x.off % 8 === 0;
            if (cls === BPF_STX && ((outS & bit) !== 0n || !full)) inR |= 1 << x.src;
            if (full) inS &= ~bit;
          }
        } else if (cls === BPF_STX && (outS !== 0n || size < 8)) {
          inR |= 1 << x.src;
        }
        void BPF_MEM;
      } else if (cls === BPF_LD) {
        if (isLdImm64(x)) { def(x.dst); inR &= ~(1 << x.dst); }
        else { use(6); if (opSrc(x.op) === BPF_X || opMode(x.op) === 0x40) use(x.src); inL &= ~R0_5; inR &= ~R0_5; }
      } else if (cls === BPF_JMP || cls === BPF_JMP32) {
        const op = opCode(x.op);
        if (op === BPF_CALL) {
          inL &= ~R0_5;
          inR &= ~R0_5;
          inLS |= x.src === 0 ? helperReadSlots(insns, i, mapSizes) : ALL_SLOTS;
          if (isPseudoCall(x)) {
            const t = i + x.imm + 1;
            for (let r = 1; r <= 5; r++) use(r);
            if (t >= 0 && t < n) {
              inR |= precR[t] & 0x3e;
              inS |= precS[t];
              const sp = subOf(t);
              if ((outR & 1) && !exitR0Precise[sp]) { exitR0Precise[sp] = 1; changed = true; }
            }
          } else if (x.src === 0) {
            const c = helperArgCount(x.imm);
            for (let r = 1; r <= c; r++) use(r);
            inR |= helperPreciseArgs(x.imm);
            if (x.imm === 181 || x.imm === 164) {
              // The callback runs from here: what it needs of the caller's stack is needed here.
              for (const cb of callbacks) {
                if (cb < 0 || cb >= n) continue;
                inS |= precS[cb];
                inLS |= liveS[cb];
                if (precR[cb] & (1 << 2)) inR |= 1 << 3;
              }
            }
            if (x.imm === 1 || x.imm === 195) {
              const s = keySlot(insns, i, 2);
              inS |= s >= 0 ? 1n << BigInt(s) : ALL_SLOTS;
            }
          } else {
            for (let r = 1; r <= 5; r++) use(r);
          }
        } else if (op === BPF_EXIT) {
          use(0);
        } else if (op !== BPF_JA) {
          use(x.dst);
          const sink = !decided || decided.has(i);
          if (sink) inR |= 1 << x.dst;
          if (opSrc(x.op) === BPF_X) { use(x.src); if (sink) inR |= 1 << x.src; }
        }
      }
      inL &= 0x7ff;
      inR &= 0x7ff;
      if (inL !== liveIn[i] || inR !== precR[i] || inS !== precS[i] || inLS !== liveS[i]) {
        const nl = inL | liveIn[i], nr = inR | precR[i], ns = inS | precS[i], nls = inLS | liveS[i];
        if (nl !== liveIn[i] || nr !== precR[i] || ns !== precS[i] || nls !== liveS[i]) changed = true;
        liveIn[i] = nl;
        precR[i] = nr;
        precS[i] = ns;
        liveS[i] = nls;
      }
    }
  }
  void BPF_DW;
  return { liveIn, preciseRegs: precR, preciseSlots: precS, liveSlots: liveS };
}
