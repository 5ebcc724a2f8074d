// BPF atomic read-modify-write instructions (BPF_ADD/OR/AND/XOR ± BPF_FETCH, BPF_XCHG, BPF_CMPXCHG)
// on memory shared between worker threads (SharedArrayBuffer map storage, --queues N): done with
// JS Atomics so they are atomic across workers, as the kernel's lock-prefixed instructions are.
// RFC 9669 §5.3 (atomic operations); arch/x86/net/bpf_jit_comp.c emit_atomic (lock xadd/cmpxchg).

import { BpfFault } from "../errors.js";

const BPF_FETCH = 0x01;
const BPF_ADD = 0x00;
const BPF_OR = 0x40;
const BPF_AND = 0x50;
const BPF_XOR = 0xa0;
const BPF_XCHG = 0xe0 | BPF_FETCH;
const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

let active = false;

/**
 * Whether generated code must route every atomic through the checked path (set by the parallel
 * runner before any program is compiled in a thread whose maps are shared): the JIT's inline
 * atomics are plain loads and stores.
 */
export function sharedAtomicsActive(): boolean {
  return active;
}

export function setSharedAtomics(on: boolean): void {
  active = on;
}

/** Memory a BPF atomic must update with Atomics (map storage shared with other threads; never outside workers). */
export function isSharedMemory(bytes: Uint8Array): boolean {
  return active && bytes.buffer instanceof SharedArrayBuffer;
}

/** High word of the old value of the last sharedAtomic() (the low word is its return value). */
export let sharedAtomicHi = 0;

let lastBuf: ArrayBufferLike | null = null;
let i32: Int32Array<ArrayBufferLike> = new Int32Array(0);
let i64: BigInt64Array<ArrayBufferLike> = new BigInt64Array(0);
/** Views per shared buffer (programs alternate between maps: no re-creation per atomic). */
const viewCache = new WeakMap<ArrayBufferLike, [Int32Array<ArrayBufferLike>, BigInt64Array<ArrayBufferLike>]>();

function views(bytes: Uint8Array): void {
  const buf = bytes.buffer;
  if (buf === lastBuf) return;
  let v = viewCache.get(buf);
  if (v === undefined) {
    v = [new Int32Array(buf, 0, buf.byteLength >>> 2), new BigInt64Array(buf, 0, buf.byteLength >>> 3)];
    viewCache.set(buf, v);
  }
  lastBuf = buf;
  i32 = v[0];
  i64 = v[1];
}

/**
 * One atomic RMW of `size` (4 or 8) bytes at bytes[off] (bounds already checked) with source
 * (sl, sh) and, for cmpxchg, expected value (r0l, r0h). Returns the old value's low word as int32;
 * its high word (0 for 32-bit forms) is left in sharedAtomicHi. Misaligned addresses fall back to
 * a plain read-modify-write (the kernel's x86 lock prefix would still be atomic there).
 */
export function sharedAtomic(bytes: Uint8Array, off: number, size: number, imm: number,
  sl: number, sh: number, r0l: number, r0h: number): number {
  const abs = bytes.byteOffset + off;
  views(bytes);
  if (size === 4 && (abs & 3) === 0) {
    const i = abs >>> 2;
    let old: number;
    switch (imm & ~BPF_FETCH) {
      case BPF_ADD: old = Atomics.add(i32, i, sl | 0); break;
      case BPF_OR: old = Atomics.or(i32, i, sl | 0); break;
      case BPF_AND: old = Atomics.and(i32, i, sl | 0); break;
      case BPF_XOR: old = Atomics.xor(i32, i, sl | 0); break;
      case BPF_XCHG & ~BPF_FETCH: old = Atomics.exchange(i32, i, sl | 0); break;
      case BPF_CMPXCHG & ~BPF_FETCH: old = Atomics.compareExchange(i32, i, r0l | 0, sl | 0); break;
      default: throw new BpfFault(`invalid atomic operation 0x${(imm >>> 0).toString(16)}`);
    }
    sharedAtomicHi = 0;
    return old;
  }
  if (size === 8 && (abs & 7) === 0) {
    const op = imm & ~BPF_FETCH;
    if (imm === op && (op === BPF_ADD || op === BPF_OR || op === BPF_AND || op === BPF_XOR)) {
      // No old value wanted: two 32-bit atomics give the exact final value (the low word's carry is
      // added to the high word by the same thread) without BigInt; a concurrent plain 64-bit read
      // may see the halves of one update apart, as on a 32-bit CPU.
      const i = abs >>> 2;
      const hi = sh | 0;
      switch (op) {
        case BPF_ADD: {
          const oldLo = Atomics.add(i32, i, sl | 0);
          const carry = (oldLo >>> 0) + (sl >>> 0) > 0xffffffff ? 1 : 0;
          if ((hi | carry) !== 0) Atomics.add(i32, i + 1, (hi + carry) | 0);
          break;
        }
        case BPF_OR: Atomics.or(i32, i, sl | 0); Atomics.or(i32, i + 1, hi); break;
        case BPF_AND: Atomics.and(i32, i, sl | 0); Atomics.and(i32, i + 1, hi); break;
        default: Atomics.xor(i32, i, sl | 0); Atomics.xor(i32, i + 1, hi); break;
      }
      sharedAtomicHi = 0;
      return 0;
    }
    const i = abs >>> 3;
    const v = BigInt.asIntN(64, (BigInt(sh | 0) << 32n) | BigInt(sl >>> 0));
    let old: bigint;
    switch (imm & ~BPF_FETCH) {
      case BPF_ADD: old = Atomics.add(i64, i, v); break;
      case BPF_OR: old = Atomics.or(i64, i, v); break;
      case BPF_AND: old = Atomics.and(i64, i, v); break;
      case BPF_XOR: old = Atomics.xor(i64, i, v); break;
      case BPF_XCHG & ~BPF_FETCH: old = Atomics.exchange(i64, i, v); break;
      case BPF_CMPXCHG & ~BPF_FETCH: {
        const expect = BigInt.asIntN(64, (BigInt(r0h | 0) << 32n) | BigInt(r0l >>> 0));
        old = Atomics.compareExchange(i64, i, expect, v);
        break;
      }
      default: throw new BpfFault(`invalid atomic operation 0x${(imm >>> 0).toString(16)}`);
    }
    sharedAtomicHi = Number(BigInt.asIntN(32, old >> 32n));
    return Number(BigInt.asIntN(32, old));
  }
  return plainAtomic(bytes, off, size, imm, sl, sh, r0l, r0h);
}

/** Misaligned fallback: the same semantics without cross-thread atomicity. */
function plainAtomic(bytes: Uint8Array, off: number, size: number, imm: number,
  sl: number, sh: number, r0l: number, r0h: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const oldLo = dv.getInt32(off, true);
  const oldHi = size === 8 ? dv.getInt32(off + 4, true) : 0;
  const srcHi = size === 8 ? sh : 0;
  let lo: number;
  let hi: number;
  switch (imm & ~BPF_FETCH) {
    case BPF_ADD: {
      const sum = (oldLo >>> 0) + (sl >>> 0);
      lo = sum | 0;
      hi = (oldHi + srcHi + (sum > 0xffffffff ? 1 : 0)) | 0;
      break;
    }
    case BPF_OR: lo = oldLo | sl; hi = oldHi | srcHi; break;
    case BPF_AND: lo = oldLo & sl; hi = oldHi & srcHi; break;
    case BPF_XOR: lo = oldLo ^ sl; hi = oldHi ^ srcHi; break;
    case BPF_XCHG & ~BPF_FETCH: lo = sl; hi = srcHi; break;
    case BPF_CMPXCHG & ~BPF_FETCH: {
      const eq = size === 8 ? (r0l | 0) === oldLo && (r0h | 0) === oldHi : (r0l | 0) === oldLo;
      lo = eq ? sl : oldLo;
      hi = eq ? srcHi : oldHi;
      break;
    }
    default: throw new BpfFault(`invalid atomic operation 0x${(imm >>> 0).toString(16)}`);
  }
  dv.setInt32(off, lo, true);
  if (size === 8) dv.setInt32(off + 4, hi, true);
  sharedAtomicHi = oldHi;
  return oldLo;
}

/**
 * Interpreter form: registers as uint32 (lo, hi) pairs in R; s = index of the src register's low
 * word. Writes back what the instruction defines (fetch → src, cmpxchg → r0).
 */
export function sharedAtomicRegs(bytes: Uint8Array, off: number, size: number, imm: number, R: Uint32Array, s: number): void {
  const oldLo = sharedAtomic(bytes, off, size, imm, R[s], size === 8 ? R[s + 1] : 0, R[0], R[1]);
  const oldHi = sharedAtomicHi;
  if (imm === BPF_CMPXCHG) {
    R[0] = oldLo;
    R[1] = oldHi;
  } else if ((imm & BPF_FETCH) !== 0) {
    R[s] = oldLo;
    R[s + 1] = oldHi;
  }
}
