// State equivalence for pruning: is every path from the current state already covered by an
// explored one? (states_equal, func_states_equal, regsafe, stacksafe, refsafe in kernel/bpf/verifier.c)

import { Reg, RegType, rangeWithin, unknownScalar } from "./reg-state.js";
import { tnumIn } from "./tnum.js";
import type { StaticInfo } from "./analyze-liveness.js";
import { BPF_REG_SIZE, Env, Frame, Stack, StackSlot, VState } from "./verifier-env.js";

class IdMap {
  private readonly fwd = new Map<number, number>();
  private readonly back = new Map<number, number>();
  private tmp = 1 << 30;
  check(oldId: number, curId: number): boolean {
    if ((oldId === 0) !== (curId === 0)) return false;
    if (oldId === 0) return true;
    const f = this.fwd.get(oldId);
    if (f !== undefined) return f === curId;
    if (this.back.has(curId)) return false;
    this.fwd.set(oldId, curId);
    this.back.set(curId, oldId);
    return true;
  }
  checkScalar(oldId: number, curId: number): boolean {
    if (!oldId) return true;
    return this.check(oldId, curId || ++this.tmp);
  }
}

function regsExact(o: Reg, c: Reg, ids: IdMap): boolean {
  return o.type === c.type && o.maybeNull === c.maybeNull && o.ringbuf === c.ringbuf && o.rdonly === c.rdonly &&
    o.off === c.off && o.varOff.value === c.varOff.value && o.varOff.mask === c.varOff.mask &&
    o.smin === c.smin && o.smax === c.smax && o.umin === c.umin && o.umax === c.umax &&
    o.s32min === c.s32min && o.s32max === c.s32max && o.u32min === c.u32min && o.u32max === c.u32max &&
    o.range === c.range && o.mapIndex === c.mapIndex && o.memSize === c.memSize && o.frameno === c.frameno &&
    o.subprog === c.subprog && ids.check(o.id, c.id) && ids.check(o.refObjId, c.refObjId);
}

export type EqualMode = "not_exact" | "range_within" | "exact";

/** Registers (bitmask) and spilled slots of the innermost frames that are not identical. */
export function stateDifference(old: VState, cur: VState): { regs: number; slots: bigint; otherFrames: boolean } {
  let regs = 0;
  let slots = 0n;
  let otherFrames = false;
  const top = cur.frames.length - 1;
  for (let f = 0; f <= top; f++) {
    const o = old.frames[f], c = cur.frames[f];
    for (let r = 0; r < 11; r++) {
      if (!regsExact(o.regs[r], c.regs[r], new IdMap())) {
        if (f === top) regs |= 1 << r; else otherFrames = true;
      }
    }
    const n = Math.max(o.stack.length, c.stack.length);
    for (let i = 0; i < n; i++) {
      const os = o.stack[i], cs = c.stack[i];
      const same = os && cs && os.types.every((t, k) => t === cs.types[k]) && regsExact(os.spilled, cs.spilled, new IdMap());
      if (!same) {
        if (f === top) slots |= 1n << BigInt(i); else otherFrames = true;
      }
    }
  }
  return { regs, slots, otherFrames };
}

function regsafe(o: Reg, c: Reg, precise: boolean, ids: IdMap, mode: EqualMode): boolean {
  if (mode === "exact") return regsExact(o, c, ids);
  if (o.type === RegType.NOT_INIT) return mode === "not_exact" || c.type === RegType.NOT_INIT;
  if (mode === "range_within") precise = true;
  if (o.type !== c.type || o.maybeNull !== c.maybeNull || o.ringbuf !== c.ringbuf || o.rdonly !== c.rdonly) return false;
  switch (o.type) {
    case RegType.SCALAR:
      if (!precise) return true;
      if (!ids.checkScalar(o.id, c.id)) return false;
      return rangeWithin(o, c) && tnumIn(o.varOff, c.varOff);
    case RegType.MAP_KEY: case RegType.MAP_VALUE: case RegType.MEM:
      return o.off === c.off && o.mapIndex === c.mapIndex && o.memSize === c.memSize && rangeWithin(o, c) &&
        tnumIn(o.varOff, c.varOff) && ids.check(o.id, c.id) && ids.check(o.refObjId, c.refObjId);
    case RegType.PACKET: case RegType.PACKET_META:
      if ((o.range < 0 || c.range < 0) ? o.range !== c.range : o.range > c.range) return false;
      if (o.off !== c.off) return false;
      if (!ids.check(o.id, c.id)) return false;
      return rangeWithin(o, c) && tnumIn(o.varOff, c.varOff);
    default:
      return regsExact(o, c, ids);
  }
}

function scalarForSlot(s: StackSlot | undefined): Reg | null {
  if (!s) return null;
  if (s.types[BPF_REG_SIZE - 1] === Stack.SPILL && s.spilled.type === RegType.SCALAR) return s.spilled;
  if (s.types.every((t) => t === Stack.MISC)) return unknownScalar();
  return null;
}

function stacksafe(env: Env, o: Frame, c: Frame, preciseSlots: bigint, liveSlots: bigint, ids: IdMap, mode: EqualMode): boolean {
  const exact = mode !== "not_exact";
  const oldBytes = o.stack.length * BPF_REG_SIZE;
  const curBytes = c.stack.length * BPF_REG_SIZE;
  for (let i = 0; i < oldBytes; i++) {
    const spi = Math.floor(i / BPF_REG_SIZE);
    const k = i % BPF_REG_SIZE;
    const os = o.stack[spi];
    const cs = c.stack[spi];
    const ot = os.types[k];
    if (exact && (i >= curBytes || ot !== cs.types[k])) return false;
    if (!exact && (liveSlots & (1n << BigInt(spi))) === 0n) {
      // Never read again before being overwritten: the explored state did not depend on it.
      i += BPF_REG_SIZE - 1 - k;
      continue;
    }
    if (ot === Stack.INVALID) continue;
    if (!exact && env.caps.allowUninitStack && ot === Stack.MISC) continue;
    if (i >= curBytes) return false;
    const oReg = scalarForSlot(os);
    const cReg = scalarForSlot(cs);
    const precise = (preciseSlots & (1n << BigInt(spi))) !== 0n;
    if (oReg && cReg) {
      if (!regsafe(oReg, cReg, precise, ids, mode)) return false;
      i += BPF_REG_SIZE - 1 - k;
      continue;
    }
    const ct = cs.types[k];
    if (ot === Stack.MISC && ct === Stack.ZERO) continue;
    if (ot !== ct) return false;
    if (k !== BPF_REG_SIZE - 1) continue;
    if (ot === Stack.SPILL && !regsafe(os.spilled, cs.spilled, precise, ids, mode)) return false;
  }
  return true;
}

/**
 * states_equal(old, cur) at instruction `insn`. Registers that are dead (statically) are skipped;
 * scalars are compared by range only where their value may matter.
 */
export function statesEqual(env: Env, old: VState, cur: VState, insn: number, info: StaticInfo, mode: EqualMode): boolean {
  const exact = mode !== "not_exact";
  if (old.frames.length !== cur.frames.length) return false;
  for (let i = 0; i < old.frames.length; i++) {
    if (old.frames[i].callsite !== cur.frames[i].callsite) return false;
  }
  if (old.lockMap !== cur.lockMap) return false;
  const ids = new IdMap();
  if (old.refs.length !== cur.refs.length) return false;
  for (let i = 0; i < old.refs.length; i++) if (!ids.check(old.refs[i].id, cur.refs[i].id)) return false;
  if (!ids.check(old.lockId, cur.lockId)) return false;
  const top = old.frames.length - 1;
  for (let f = top; f >= 0; f--) {
    let at = insn;
    let regMask = 0x7ff;
    if (f < top) {
      const child = cur.frames[f + 1];
      if (child.inCallback) at = child.callsite;
      else { at = child.callsite + 1; regMask = 0x3c0; }
    }
    const live = (info.liveIn[at] ?? 0x7ff) & regMask;
    const prec = info.preciseRegs[at] ?? 0x7ff;
    const of = old.frames[f], cf = cur.frames[f];
    if (of.callbackDepth > cf.callbackDepth || of.inCallback !== cf.inCallback) return false;
    for (let r = 0; r < 10; r++) {
      if (!exact && !(live & (1 << r))) continue;
      if (!regsafe(of.regs[r], cf.regs[r], (prec & (1 << r)) !== 0, ids, mode)) return false;
    }
    const liveSlots = f === top ? (info.liveSlots[at] ?? -1n) : -1n;
    if (!stacksafe(env, of, cf, info.preciseSlots[at] ?? -1n, liveSlots, ids, mode)) return false;
  }
  return true;
}
