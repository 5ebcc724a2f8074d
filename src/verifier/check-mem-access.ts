// Load/store checks by base pointer type: xdp_md context fields, packet (range from pkt_end
// compares), stack slots (spills, fills, STACK_MISC/ZERO), map values/keys, ringbuf memory.
// Follows check_mem_access, check_stack_{read,write}_*, check_packet_access in kernel/bpf/verifier.c.

import {
  Reg, RegType, S64_MIN, boundsSync, cloneReg, coerceRegToSize, coerceRegToSizeSx, isPointer, markKnown, newReg,
  setUnknown, unknownScalar,
} from "./reg-state.js";
import { tnumAdd, tnumConst, tnumIsAligned, tnumIsConst, tnumStr } from "./tnum.js";
import { BPF_REG_SIZE, Env, Frame, MAX_BPF_STACK, Stack, StackSlot, curRegs, fail, newSlot } from "./verifier-env.js";
import { regTypeStr } from "./format-log.js";
import { spinLockOffset } from "./check-helper-call.js";

export const BPF_MAX_VAR_OFF = 1 << 29;
export const BPF_MAX_VAR_SIZ = 1 << 29;
const MAX_PACKET_OFF = 0xffff;

/** Accesses the JIT may specialise: filled by the walk, joined across paths. */
export interface AccessNote {
  region: RegType;
  /** Stack accesses: frame-relative constant offset (undefined when variable). */
  stackOff?: number;
}

export interface MemAccessOpts {
  isLdsx?: boolean;
  /** BPF_ST immediate (value_regno < 0). */
  stImm?: bigint;
  strictAlignment?: boolean;
}

export function isPointerValue(env: Env, r: Reg): boolean {
  return !env.caps.allowPtrLeaks && isPointer(r);
}

/** The frame a stack pointer points into. */
export function frameOf(env: Env, r: Reg): Frame {
  return env.cur.frames[r.frameno];
}

function growStack(env: Env, f: Frame, size: number): void {
  const n = Math.ceil(size / BPF_REG_SIZE);
  while (f.stack.length < n) f.stack.push(newSlot());
  const bytes = n * BPF_REG_SIZE;
  const sp = env.subprogs[f.subprog];
  if (sp.stackDepth < bytes) sp.stackDepth = bytes;
}

/** The var_off text of the misaligned-access messages (a constant prints as its value). */
const alignStr = (r: Reg): string => (tnumIsConst(r.varOff) ? BigInt.asIntN(64, r.varOff.value).toString() : tnumStr(r.varOff));

export function checkPtrAlignment(env: Env, regno: number, r: Reg, off: number, size: number, strictIn: boolean): void {
  let strict = strictIn;
  let desc = "";
  switch (r.type) {
    case RegType.PACKET: case RegType.PACKET_META: {
      if (!strict || size === 1) return;
      const ro = tnumAdd(r.varOff, tnumConst(BigInt(2 + r.off + off)));
      if (!tnumIsAligned(ro, size)) fail(env, `misaligned packet access off 2+${alignStr(r)}+${r.off}+${off} size ${size}`);
      return;
    }
    case RegType.MAP_KEY: desc = "key "; break;
    case RegType.MAP_VALUE: desc = "value "; break;
    case RegType.CTX: desc = "context "; break;
    case RegType.STACK: desc = "stack "; strict = true; break;
    default: break;
  }
  if (!strict || size === 1) return;
  const ro = tnumAdd(r.varOff, tnumConst(BigInt(r.off + off)));
  if (!tnumIsAligned(ro, size)) fail(env, `misaligned ${desc}access off ${alignStr(r)}+${r.off}+${off} size ${size}`);
}

/** __check_mem_access: the fixed-offset range check with the kernel's per-type message. */
function checkMemRange(env: Env, regno: number, r: Reg, off: number, size: number, memSize: number, zeroOk: boolean): string | null {
  const sizeOk = size > 0 || (size === 0 && zeroOk);
  if (off >= 0 && sizeOk && off + size <= memSize) return null;
  switch (r.type) {
    case RegType.MAP_KEY: return `invalid access to map key, key_size=${memSize} off=${off} size=${size}`;
    case RegType.MAP_VALUE: return `invalid access to map value, value_size=${memSize} off=${off} size=${size}`;
    case RegType.PACKET: case RegType.PACKET_META: case RegType.PACKET_END:
      return `invalid access to packet, off=${off} size=${size}, R${regno}(id=${r.id},off=${off},r=${memSize})`;
    default: return `invalid access to memory, mem_size=${memSize} off=${off} size=${size}`;
  }
}

/** check_mem_region_access: fixed offset plus the variable part's bounds. */
export function checkMemRegionAccess(env: Env, regno: number, r: Reg, off: number, size: number, memSize: number, zeroOk: boolean): void {
  if (r.smin < 0n && (r.smin === S64_MIN || BigInt.asIntN(32, BigInt(off) + r.smin) !== BigInt(off) + r.smin || r.smin + BigInt(off) < 0n)) {
    fail(env, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  let e = checkMemRange(env, regno, r, Number(r.smin) + off, size, memSize, zeroOk);
  if (e) fail(env, e, `R${regno} min value is outside of the allowed memory range`);
  if (r.umax >= BigInt(BPF_MAX_VAR_OFF)) fail(env, `R${regno} unbounded memory access, make sure to bounds check any such access`);
  e = checkMemRange(env, regno, r, Number(r.umax) + off, size, memSize, zeroOk);
  if (e) fail(env, e, `R${regno} max value is outside of the allowed memory range`);
}

export function checkPacketAccess(env: Env, regno: number, r: Reg, off: number, size: number, zeroOk: boolean): void {
  if (r.smin < 0n) fail(env, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  if (r.range < 0) fail(env, `R${regno} offset is outside of the packet`);
  const e = checkMemRange(env, regno, r, off, size, r.range, zeroOk);
  if (e) fail(env, e, `R${regno} offset is outside of the packet`);
}

function checkPtrOffReg(env: Env, regno: number, r: Reg, fixedOffOk: boolean): void {
  if (r.off < 0) fail(env, `negative offset ${regTypeStr(r)} ptr R${regno} off=${r.off} disallowed`);
  if (!fixedOffOk && r.off) fail(env, `dereference of modified ${regTypeStr(r)} ptr R${regno} off=${r.off} disallowed`);
  if (!tnumIsConst(r.varOff) || r.varOff.value) fail(env, `variable ${regTypeStr(r)} access var_off=${tnumStr(r.varOff)} disallowed`);
}
export { checkPtrOffReg };

/** xdp_is_valid_access: returns the loaded register type, or null when the access is invalid. */
function xdpCtxAccess(env: Env, off: number, size: number, write: boolean): RegType | null {
  const devmap = /\/(devmap|cpumap)$/.test(env.prog.section);
  if (off === 20 && !devmap) return null;
  if (write) return null;
  if (off < 0 || off >= 24 || off % size !== 0 || size !== 4) return null;
  if (off === 0) return RegType.PACKET;
  if (off === 4) return RegType.PACKET_END;
  if (off === 8) return RegType.PACKET_META;
  return RegType.SCALAR;
}

function checkStackWithinBounds(env: Env, regno: number, r: Reg, off: number, size: number, write: boolean): number {
  const extra = write ? " write to" : " read from";
  let minOff: number, maxOff: number;
  if (tnumIsConst(r.varOff)) {
    minOff = Number(BigInt.asIntN(64, r.varOff.value)) + off;
    maxOff = minOff + size;
  } else {
    if (r.smax >= BigInt(BPF_MAX_VAR_OFF) || r.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
      fail(env, `invalid unbounded variable-offset${extra} stack R${regno}`);
    }
    minOff = Number(r.smin) + off;
    maxOff = Number(r.smax) + off + size;
  }
  const f = frameOf(env, r);
  const minValid = write || env.caps.allowUninitStack ? -MAX_BPF_STACK : -(f.stack.length * BPF_REG_SIZE);
  let bad = minOff < minValid || minOff > -1;
  if (!bad && maxOff > 0) bad = true;
  if (bad) {
    if (tnumIsConst(r.varOff)) fail(env, `invalid${extra} stack R${regno} off=${off} size=${size}`);
    fail(env, `invalid variable-offset${extra} stack R${regno} var_off=${tnumStr(r.varOff)} off=${off} size=${size}`);
  }
  growStack(env, f, -minOff);
  return minOff;
}

const isSpilled = (s: StackSlot): boolean => s.types[BPF_REG_SIZE - 1] === Stack.SPILL;
const isSpilledScalar = (s: StackSlot): boolean => isSpilled(s) && s.spilled.type === RegType.SCALAR;

/** Bytes a scalar's value needs (get_reg_width). */
function regWidth(r: Reg): number {
  const v = r.umax;
  return v === 0n ? 0 : v.toString(2).length;
}

function slotRef(f: Frame, off: number): { slot: StackSlot; k: number; spi: number } {
  const k = -off - 1;
  const spi = Math.floor(k / BPF_REG_SIZE);
  return { slot: f.stack[spi], k: k % BPF_REG_SIZE, spi };
}

function saveRegisterState(slot: StackSlot, r: Reg, size: number): void {
  slot.spilled = cloneReg(r);
  let i = BPF_REG_SIZE;
  for (; i > BPF_REG_SIZE - size; i--) slot.types[i - 1] = Stack.SPILL;
  for (; i; i--) {
    const t = slot.types[i - 1];
    if (t !== Stack.ZERO && t !== Stack.INVALID) slot.types[i - 1] = Stack.MISC;
    else if (t === Stack.INVALID) slot.types[i - 1] = Stack.INVALID;
  }
}

function scrubSlot(slot: StackSlot): void {
  for (let j = 0; j < BPF_REG_SIZE; j++) if (slot.types[j] !== Stack.INVALID) slot.types[j] = Stack.MISC;
}

function checkStackWriteFixed(env: Env, f: Frame, off: number, size: number, valueRegno: number, stImm: bigint | undefined): void {
  const { slot, k } = slotRef(f, off);
  const cur = env.cur.frames[env.cur.frames.length - 1];
  if (!env.caps.allowPtrLeaks && isSpilled(slot) && !isSpilledScalar(slot) && size !== BPF_REG_SIZE) {
    fail(env, "attempt to corrupt spilled pointer on stack");
  }
  const reg = valueRegno >= 0 ? cur.regs[valueRegno] : null;
  if (reg && off % BPF_REG_SIZE === 0 && reg.type === RegType.SCALAR && env.caps.bpfCapable) {
    const fits = regWidth(reg) <= size * 8;
    if (fits && reg.id === 0 && !tnumIsConst(reg.varOff)) reg.id = ++env.idGen;
    saveRegisterState(slot, reg, size);
    if (!fits) slot.spilled.id = 0;
  } else if (!reg && off % BPF_REG_SIZE === 0 && stImm !== undefined && env.caps.bpfCapable) {
    const tmp = unknownScalar();
    markKnown(tmp, stImm);
    saveRegisterState(slot, tmp, size);
  } else if (reg && reg.type !== RegType.SCALAR && reg.type !== RegType.NOT_INIT) {
    if (size !== BPF_REG_SIZE) fail(env, "invalid size of register spill");
    if (f !== cur && reg.type === RegType.STACK) fail(env, "cannot spill pointers to stack into stack frame of the caller");
    saveRegisterState(slot, reg, size);
  } else {
    let type = Stack.MISC;
    slot.spilled = newReg();
    if (isSpilled(slot) || slot.types.includes(Stack.SPILL)) scrubSlot(slot);
    const zero = (reg && reg.type === RegType.SCALAR && tnumIsConst(reg.varOff) && reg.varOff.value === 0n) || (!reg && stImm === 0n);
    if (zero) type = Stack.ZERO;
    for (let i = 0; i < size; i++) slot.types[(k - i + BPF_REG_SIZE) % BPF_REG_SIZE] = type;
  }
}

function checkStackWriteVar(env: Env, f: Frame, r: Reg, off: number, size: number, valueRegno: number, stImm: bigint | undefined): void {
  const cur = env.cur.frames[env.cur.frames.length - 1];
  const value = valueRegno >= 0 ? cur.regs[valueRegno] : null;
  const writingZero = value ? value.type === RegType.SCALAR && tnumIsConst(value.varOff) && value.varOff.value === 0n : stImm === 0n;
  const minOff = Number(r.smin) + off;
  const maxOff = Number(r.smax) + off + size;
  for (let i = minOff; i < maxOff; i++) {
    const { slot, k } = slotRef(f, i);
    const t = slot.types[k];
    if (!env.caps.allowPtrLeaks && t !== Stack.MISC && t !== Stack.ZERO) {
      fail(env, `spilled ptr in range of var-offset stack write; insn ${env.insnIdx}, ptr off: ${i}`);
    }
    if (writingZero && t === Stack.SPILL && isSpilledScalar(slot) && tnumIsConst(slot.spilled.varOff) && slot.spilled.varOff.value === 0n) continue;
    slot.spilled = newReg();
    let nt = Stack.MISC;
    if (writingZero && t === Stack.ZERO) nt = Stack.ZERO;
    if (t === Stack.INVALID && !env.caps.allowUninitStack) {
      fail(env, `uninit stack in range of var-offset write prohibited for !root; insn ${env.insnIdx}, off: ${i}`);
    }
    if (t === Stack.SPILL) scrubSlot(slot);
    slot.types[k] = nt;
  }
}

function markRegStackRead(env: Env, f: Frame, minOff: number, maxOff: number, dst: number): void {
  let zeros = 0;
  for (let i = minOff; i < maxOff; i++) {
    const { slot, k } = slotRef(f, i);
    if (slot.types[k] === Stack.ZERO) zeros++;
  }
  const regs = curRegs(env);
  if (zeros === maxOff - minOff) {
    regs[dst] = unknownScalar();
    markKnown(regs[dst], 0n);
  } else {
    regs[dst] = unknownScalar();
  }
}

function checkStackReadFixed(env: Env, f: Frame, off: number, size: number, dst: number): void {
  const { slot, k } = slotRef(f, off);
  const regs = curRegs(env);
  if (isSpilled(slot)) {
    let spillSize = 1;
    for (let i = BPF_REG_SIZE - 1; i > 0 && slot.types[i - 1] === Stack.SPILL; i--) spillSize++;
    if (size !== BPF_REG_SIZE || spillSize !== BPF_REG_SIZE) {
      if (slot.spilled.type !== RegType.SCALAR) fail(env, "invalid size of register fill");
      if (dst < 0) return;
      if (size <= spillSize && off % BPF_REG_SIZE === 0) {
        regs[dst] = cloneReg(slot.spilled);
        if (regWidth(slot.spilled) > size * 8) regs[dst].id = 0;
      } else {
        let spillCnt = 0, zeroCnt = 0;
        for (let i = 0; i < size; i++) {
          const t = slot.types[(k - i + BPF_REG_SIZE) % BPF_REG_SIZE];
          if (t === Stack.SPILL) { spillCnt++; continue; }
          if (t === Stack.MISC) continue;
          if (t === Stack.ZERO) { zeroCnt++; continue; }
          if (t === Stack.INVALID && env.caps.allowUninitStack) continue;
          fail(env, `invalid read from stack off ${off}+${i} size ${size}`);
        }
        if ((spillCnt === size && tnumIsConst(slot.spilled.varOff) && slot.spilled.varOff.value === 0n) || zeroCnt === size) {
          regs[dst] = unknownScalar();
          markKnown(regs[dst], 0n);
        } else {
          regs[dst] = unknownScalar();
        }
      }
    } else if (dst >= 0) {
      regs[dst] = cloneReg(slot.spilled);
    } else if (isPointerValue(env, slot.spilled)) {
      fail(env, `leaking pointer from stack off ${off}`);
    }
    return;
  }
  for (let i = 0; i < size; i++) {
    const t = slot.types[(k - i + BPF_REG_SIZE) % BPF_REG_SIZE];
    if (t === Stack.MISC || t === Stack.ZERO) continue;
    if (t === Stack.INVALID && env.caps.allowUninitStack) continue;
    fail(env, `invalid read from stack off ${off}+${i} size ${size}`);
  }
  if (dst >= 0) markRegStackRead(env, f, off, off + size, dst);
}

/**
 * check_stack_range_initialized: a helper reads (or, when `clobber`, writes) [off, off+size) of the
 * stack through register `regno`. Returns false for raw (uninit) mode, which needs no init check.
 */
export function checkStackRangeInitialized(
  env: Env, regno: number, off: number, size: number, zeroOk: boolean, write: boolean, rawMode: boolean,
): void {
  const r = curRegs(env)[regno];
  const f = frameOf(env, r);
  if (size === 0 && !zeroOk) fail(env, "invalid zero-sized read");
  checkStackWithinBounds(env, regno, r, off, size, write);
  const varOff = !tnumIsConst(r.varOff);
  let minOff: number, maxOff: number;
  let raw = rawMode;
  if (varOff) {
    if (!env.caps.bypassSpecV1) {
      fail(env, `R${regno} variable offset stack access prohibited for !root, var_off=${tnumStr(r.varOff)}`);
    }
    raw = false;
    minOff = Number(r.smin) + off;
    maxOff = Number(r.smax) + off;
  } else {
    minOff = Number(BigInt.asIntN(64, r.varOff.value)) + off;
    maxOff = minOff;
  }
  if (raw) {
    // The helper fills the buffer: the bytes become STACK_MISC (spilled registers are scrubbed).
    for (let i = minOff; i < minOff + size; i++) {
      const { slot, k } = slotRef(f, i);
      if (isSpilled(slot)) { slot.spilled = newReg(); for (let j = 0; j < BPF_REG_SIZE; j++) slot.types[j] = Stack.MISC; }
      slot.types[k] = Stack.MISC;
    }
    return;
  }
  for (let i = minOff; i < maxOff + size; i++) {
    const { slot, k } = slotRef(f, i);
    const t = slot.types[k];
    if (t === Stack.MISC) continue;
    if (t === Stack.ZERO || (t === Stack.INVALID && env.caps.allowUninitStack)) {
      if (write) slot.types[k] = Stack.MISC;
      continue;
    }
    if (isSpilled(slot) && (slot.spilled.type === RegType.SCALAR || env.caps.allowPtrLeaks)) {
      if (write) {
        slot.spilled = unknownScalar();
        scrubSlot(slot);
      }
      continue;
    }
    if (tnumIsConst(r.varOff)) fail(env, `invalid read from stack R${regno} off ${minOff}+${i - minOff} size ${size}`);
    fail(env, `invalid read from stack R${regno} var_off ${tnumStr(r.varOff)}+${i - minOff} size ${size}`);
  }
}

/**
 * check_mem_access: `regno` is the base register, `off` the instruction offset; for reads the
 * result lands in valueRegno. Returns what the JIT may know about the access.
 */
export function checkMemAccess(
  env: Env, regno: number, off: number, size: number, write: boolean, valueRegno: number, opts: MemAccessOpts = {},
): AccessNote {
  const regs = curRegs(env);
  const r = regs[regno];
  checkPtrAlignment(env, regno, r, off, size, opts.strictAlignment ?? false);
  off += r.off;
  const note: AccessNote = { region: r.type };
  const setResult = (nr: Reg): void => {
    if (valueRegno >= 0 && !write) regs[valueRegno] = nr;
  };
  if (r.maybeNull && r.type !== RegType.SCALAR) {
    fail(env, `R${regno} invalid mem access '${regTypeStr(r)}'`);
  }
  switch (r.type) {
    case RegType.MAP_KEY: {
      if (write) fail(env, `write to change key R${regno} not allowed`);
      checkMemRegionAccess(env, regno, r, off, size, env.maps[r.mapIndex].keySize, false);
      setResult(unknownScalar());
      break;
    }
    case RegType.MAP_VALUE: {
      const map = env.maps[r.mapIndex];
      if (write && valueRegno >= 0 && isPointerValue(env, regs[valueRegno])) fail(env, `R${valueRegno} leaks addr into map`);
      if (write && map.readOnly) fail(env, `write into map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
      checkMemRegionAccess(env, regno, r, off, size, map.valueSize, false);
      const lockOff = spinLockOffset(env, r.mapIndex);
      if (typeof lockOff === "number" && r.smin + BigInt(off) < BigInt(lockOff + 4) && BigInt(lockOff) < r.umax + BigInt(off + size)) {
        fail(env, "bpf_spin_lock cannot be accessed directly by load/store");
      }
      if (!write && valueRegno >= 0) {
        if (tnumIsConst(r.varOff) && map.readOnly && map.initialValue) {
          const at = off + Number(r.varOff.value);
          let v = 0n;
          for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(map.initialValue[at + i] ?? 0);
          if (opts.isLdsx) v = BigInt.asIntN(size * 8, v);
          const nr = unknownScalar();
          markKnown(nr, v);
          setResult(nr);
        } else {
          setResult(unknownScalar());
        }
      }
      break;
    }
    case RegType.MEM: {
      if (write && r.rdonly) fail(env, `R${regno} cannot write into ${regTypeStr(r)}`);
      if (write && valueRegno >= 0 && isPointerValue(env, regs[valueRegno])) fail(env, `R${valueRegno} leaks addr into mem`);
      checkMemRegionAccess(env, regno, r, off, size, r.memSize, false);
      setResult(unknownScalar());
      break;
    }
    case RegType.CTX: {
      if (write && valueRegno >= 0 && isPointerValue(env, regs[valueRegno])) fail(env, `R${valueRegno} leaks addr into ctx`);
      checkPtrOffReg(env, regno, r, false);
      const t = xdpCtxAccess(env, off, size, write);
      if (t === null) fail(env, `invalid bpf_context access off=${off} size=${size}`);
      if (!write && valueRegno >= 0) {
        if (t === RegType.SCALAR) setResult(unknownScalar());
        else {
          const nr = newReg();
          nr.type = t;
          markKnown(nr, 0n);
          setResult(nr);
        }
      }
      break;
    }
    case RegType.STACK: {
      const minOff = checkStackWithinBounds(env, regno, r, off, size, write);
      const f = frameOf(env, r);
      const constOff = tnumIsConst(r.varOff);
      if (constOff) note.stackOff = minOff;
      if (!write) {
        if (valueRegno < 0 && !constOff) {
          fail(env, `variable offset stack pointer cannot be passed into helper function; var_off=${tnumStr(r.varOff)} off=${off} size=${size}`);
        }
        if (!env.caps.bypassSpecV1 && !constOff) {
          fail(env, `R${regno} variable offset stack access prohibited for !root, var_off=${tnumStr(r.varOff)}`);
        }
        if (constOff) checkStackReadFixed(env, f, minOff, size, valueRegno);
        else {
          checkStackRangeInitialized(env, regno, off, size, false, false, false);
          markRegStackRead(env, f, Number(r.smin) + off, Number(r.smax) + off + size, valueRegno);
        }
      } else if (constOff) {
        checkStackWriteFixed(env, f, minOff, size, valueRegno, opts.stImm);
      } else {
        checkStackWriteVar(env, f, r, off, size, valueRegno, opts.stImm);
      }
      break;
    }
    case RegType.PACKET: case RegType.PACKET_META: {
      if (write && valueRegno >= 0 && isPointerValue(env, regs[valueRegno])) fail(env, `R${valueRegno} leaks addr into packet`);
      checkPacketAccess(env, regno, r, off, size, false);
      setResult(unknownScalar());
      break;
    }
    default:
      fail(env, `R${regno} invalid mem access '${regTypeStr(r)}'`);
  }
  if (!write && valueRegno >= 0 && size < BPF_REG_SIZE && regs[valueRegno].type === RegType.SCALAR) {
    if (opts.isLdsx) coerceRegToSizeSx(regs[valueRegno], size);
    else coerceRegToSize(regs[valueRegno], size);
  }
  void boundsSync; void setUnknown; void MAX_PACKET_OFF;
  return note;
}
