// Checked loads, stores and atomics the generated code calls for accesses no fact proves in bounds:
// the same address arithmetic, ctx rules, region checks and BpfFault messages as the interpreter
// (rt.mem.check on failure). RFC 9669 §5.1–§5.3; ctx = struct xdp_md (include/uapi/linux/bpf.h).

import { BpfFault } from "../../errors.js";
import { BPF_ADD, BPF_AND, BPF_CMPXCHG, BPF_FETCH, BPF_LOAD_ACQ, BPF_OR, BPF_STORE_REL, BPF_XCHG, BPF_XOR } from "../../isa/opcodes.js";
import { REGION_CTX, REGION_PACKET, type Region } from "../../runtime/memory.js";
import type { Runtime } from "../../runtime/runtime.js";
import { HI } from "./compute-int64.js";
import { isSharedMemory, sharedAtomic, sharedAtomicHi } from "../shared-atomics.js";

const TWO32 = 4294967296;

export interface MemoryOps {
  /** Zero-extending loads (size 1, 2, 4, 8): base register (hi, lo) + off; ldw/ldd put the high word in HI[0]. */
  ldb(rh: number, rl: number, off: number, pc: number): number;
  ldh(rh: number, rl: number, off: number, pc: number): number;
  ldw(rh: number, rl: number, off: number, pc: number): number;
  ldd(rh: number, rl: number, off: number, pc: number): number;
  /** Sign-extending loads; the result is the sign-extended low word. */
  ldsb(rh: number, rl: number, off: number, pc: number): number;
  ldsh(rh: number, rl: number, off: number, pc: number): number;
  ldsw(rh: number, rl: number, off: number, pc: number): number;
  stb(rh: number, rl: number, off: number, v: number, pc: number): void;
  sth(rh: number, rl: number, off: number, v: number, pc: number): void;
  stw(rh: number, rl: number, off: number, v: number, pc: number): void;
  std(rh: number, rl: number, off: number, vl: number, vh: number, pc: number): void;
  /**
   * BPF_STX | BPF_ATOMIC `op` (size field) with operation `imm`: (bh, bl) is the address register
   * (src for load-acquire, dst otherwise), (sl, sh) the src register, (r0l, r0h) r0. Returns the value
   * the instruction writes back to a register (old value / loaded value; low word, high in HI[0]).
   */
  atomic(op: number, imm: number, bh: number, bl: number, off: number, sl: number, sh: number, r0l: number, r0h: number, pc: number): number;
}

/** Bind checked memory operations to a runtime's address space and xdp buffer. */
export function createMemoryOps(rt: Runtime): MemoryOps {
  const mem = rt.mem;
  const regions = mem.regions;
  const xdp = rt.xdp;
  let alo = 0; // address low word of the last resolve()

  /** Region of the access (hi, lo) or the interpreter's fault, with `pc` as its insn. */
  function fail(hi: number, lo: number, size: number, write: boolean, pc: number): Region {
    try {
      return mem.check(hi, lo, size, write);
    } catch (e) {
      if (e instanceof BpfFault && e.insn < 0) e.insn = pc;
      throw e;
    }
  }

  function ctxLoad(op: number, off: number, pc: number): number {
    if (op !== 0x61) {
      const what = op === 0x81 ? "sign-extending load" : `${op === 0x79 ? 8 : op === 0x69 || op === 0x89 ? 2 : 1}-byte load`;
      throw new BpfFault(`invalid access to ctx: ${what} at offset ${off}`, pc);
    }
    switch (off) {
      case 0: HI[0] = REGION_PACKET; return xdp.data | 0;
      case 4: HI[0] = REGION_PACKET; return xdp.dataEnd | 0;
      case 8: HI[0] = REGION_PACKET; return xdp.meta | 0;
      case 12: HI[0] = 0; return xdp.ingressIfindex | 0;
      case 16: HI[0] = 0; return xdp.rxQueueIndex | 0;
      case 20: HI[0] = 0; return xdp.egressIfindex | 0;
    }
    throw new BpfFault(`invalid access to ctx: 4-byte load at offset ${off}`, pc);
  }

  /**
   * Resolve (rh, rl) + off for a `size`-byte access: the region, with the byte offset in `alo`.
   * Returns null for a ctx address when `ctxOp` ≥ 0 (the caller does the ctx load).
   */
  function resolve(rh: number, rl: number, off: number, size: number, write: boolean, pc: number): Region {
    let lo = (rl >>> 0) + off;
    let hi = rh >>> 0;
    if (lo > 0xffffffff) { lo -= TWO32; hi = (hi + 1) >>> 0; } else if (lo < 0) { lo += TWO32; hi = (hi - 1) >>> 0; }
    alo = lo;
    const r = regions[hi];
    if (r !== undefined && r.kind !== 0 && lo >= r.start && lo + size <= r.end && (!write || r.writable)) return r;
    return fail(hi, lo, size, write, pc);
  }

  /** Address high word of (rh, rl) + off (for the ctx test of loads). */
  function addrHi(rh: number, rl: number, off: number): number {
    const lo = (rl >>> 0) + off;
    return lo > 0xffffffff ? (rh + 1) >>> 0 : lo < 0 ? (rh - 1) >>> 0 : rh >>> 0;
  }
  function addrLo(rl: number, off: number): number {
    return ((rl >>> 0) + off) >>> 0;
  }

  return {
    ldb(rh, rl, off, pc) {
      if (addrHi(rh, rl, off) === REGION_CTX) return ctxLoad(0x71, addrLo(rl, off), pc);
      const r = resolve(rh, rl, off, 1, false, pc);
      return r.bytes[alo];
    },
    ldh(rh, rl, off, pc) {
      if (addrHi(rh, rl, off) === REGION_CTX) return ctxLoad(0x69, addrLo(rl, off), pc);
      const r = resolve(rh, rl, off, 2, false, pc);
      return r.dv.getUint16(alo, true);
    },
    ldw(rh, rl, off, pc) {
      if (addrHi(rh, rl, off) === REGION_CTX) return ctxLoad(0x61, addrLo(rl, off), pc);
      const r = resolve(rh, rl, off, 4, false, pc);
      HI[0] = 0;
      return r.dv.getInt32(alo, true);
    },
    ldd(rh, rl, off, pc) {
      if (addrHi(rh, rl, off) === REGION_CTX) return ctxLoad(0x79, addrLo(rl, off), pc);
      const r = resolve(rh, rl, off, 8, false, pc);
      HI[0] = r.dv.getInt32(alo + 4, true);
      return r.dv.getInt32(alo, true);
    },
    ldsb(rh, rl, off, pc) {
      if (addrHi(rh, rl, off) === REGION_CTX) return ctxLoad(0x91, addrLo(rl, off), pc);
      const r = resolve(rh, rl, off, 1, false, pc);
      return r.dv.getInt8(alo);
    },
    ldsh(rh, rl, off, pc) {
      if (addrHi(rh, rl, off) === REGION_CTX) return ctxLoad(0x89, addrLo(rl, off), pc);
      const r = resolve(rh, rl, off, 2, false, pc);
      return r.dv.getInt16(alo, true);
    },
    ldsw(rh, rl, off, pc) {
      if (addrHi(rh, rl, off) === REGION_CTX) return ctxLoad(0x81, addrLo(rl, off), pc);
      const r = resolve(rh, rl, off, 4, false, pc);
      return r.dv.getInt32(alo, true);
    },
    stb(rh, rl, off, v, pc) {
      const r = resolve(rh, rl, off, 1, true, pc);
      r.bytes[alo] = v;
    },
    sth(rh, rl, off, v, pc) {
      const r = resolve(rh, rl, off, 2, true, pc);
      r.dv.setInt16(alo, v, true);
    },
    stw(rh, rl, off, v, pc) {
      const r = resolve(rh, rl, off, 4, true, pc);
      r.dv.setInt32(alo, v, true);
    },
    std(rh, rl, off, vl, vh, pc) {
      const r = resolve(rh, rl, off, 8, true, pc);
      r.dv.setInt32(alo, vl, true);
      r.dv.setInt32(alo + 4, vh, true);
    },
    atomic(op, imm, bh, bl, off, sl, sh, r0l, r0h, pc) {
      if (addrHi(bh, bl, off) === REGION_CTX) throw new BpfFault("invalid access to ctx: atomic operation", pc);
      const size = (op & 0x18) === 0x18 ? 8 : (op & 0x18) === 0x00 ? 4 : (op & 0x18) === 0x08 ? 2 : 1;
      if (imm === BPF_LOAD_ACQ) {
        const rg = resolve(bh, bl, off, size, false, pc);
        const lo = alo;
        HI[0] = size === 8 ? rg.dv.getInt32(lo + 4, true) : 0;
        return size === 1 ? rg.bytes[lo] : size === 2 ? rg.dv.getUint16(lo, true) : rg.dv.getInt32(lo, true);
      }
      const rg = resolve(bh, bl, off, size, true, pc);
      const lo = alo;
      const dv = rg.dv;
      if (imm === BPF_STORE_REL) {
        if (size === 1) rg.bytes[lo] = sl;
        else if (size === 2) dv.setInt16(lo, sl, true);
        else dv.setInt32(lo, sl, true);
        if (size === 8) dv.setInt32(lo + 4, sh, true);
        return 0;
      }
      if (isSharedMemory(rg.bytes)) { const old = sharedAtomic(rg.bytes, lo, size, imm, sl, sh, r0l, r0h); HI[0] = sharedAtomicHi; return old; }
      const oldLo = dv.getInt32(lo, true);
      const oldHi = size === 8 ? dv.getInt32(lo + 4, true) : 0;
      const srcHi = size === 8 ? sh : 0;
      let newLo: number;
      let newHi: number;
      switch (imm & ~BPF_FETCH) {
        case BPF_ADD: {
          const sum = (oldLo >>> 0) + (sl >>> 0);
          newLo = sum | 0;
          newHi = (oldHi + srcHi + (sum > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case BPF_OR: newLo = oldLo | sl; newHi = oldHi | srcHi; break;
        case BPF_AND: newLo = oldLo & sl; newHi = oldHi & srcHi; break;
        case BPF_XOR: newLo = oldLo ^ sl; newHi = oldHi ^ srcHi; break;
        case BPF_XCHG & ~BPF_FETCH: newLo = sl; newHi = srcHi; break;
        case BPF_CMPXCHG & ~BPF_FETCH: {
          const eq = size === 8 ? r0l === oldLo && r0h === oldHi : r0l === oldLo;
          if (eq) {
            dv.setInt32(lo, sl, true);
            if (size === 8) dv.setInt32(lo + 4, srcHi, true);
          }
          HI[0] = oldHi;
          return oldLo;
        }
        default:
          throw new BpfFault(`invalid atomic operation 0x${(imm >>> 0).toString(16)}`, pc);
      }
      dv.setInt32(lo, newLo, true);
      if (size === 8) dv.setInt32(lo + 4, newHi, true);
      HI[0] = oldHi;
      return oldLo;
    },
  };
}
