// State equivalence for pruning: is every path from the current state already covered by an
// explored one? (states_equal, func_states_equal, regsafe, stacksafe, refsafe in kernel/bpf/verifier.c)

import { Reg, RegType, rangeWithin, unknownScalar } from "./reg-state.js";
import { tnumIn } from "./tnum.js";
import type { StaticInfo } from "./analyze-liveness.js";
import { BPF_REG_SIZE, Env, Frame, Stack, StackSlot, VState } from "./verifier-env.js";

/** check_ids: a consistent old-id <-> cur-id mapping (a few pairs, scanned linearly; reset per use). */
class IdMap {
  private readonly olds: number[] = [];
  private readonly curs: number[] = [];
  private n = 0;
  private tmp = 1 << 30;
  reset(): this {
    this.n = 0;
    this.tmp = 1 << 30;
    return this;
  }
  check(oldId: number, curId: number): boolean {
    if ((oldId === 0) !== (curId === 0)) return false;
    if (oldId === 0) return true;
    const olds = this.olds, curs = this.curs, n = this.n;
    for (let i = 0; i < n; i++) if (olds[i] === oldId) return curs[i] === curId;
    for (let i = 0; i < n; i++) if (curs[i] === curId) return false;
    olds[n] = oldId;
    curs[n] = curId;
    this.n = n + 1;
    return true;
  }
  checkScalar(oldId: number, curId: number): boolean {
    if (!oldId) return true;
    return this.check(oldId, curId || ++this.tmp);
  }
}

/** One id map for every comparison (statesEqual and stateDifference are not re-entrant). */
const sharedIds = new IdMap();

function regsExact(o: Reg, c: Reg, ids: IdMap): boolean {
  return o.type === c.type && o.maybeNull === c.maybeNull && o.ringbuf === c.ringbuf && o.rdonly === c.rdonly &&
    o.off === c.off && o.varOff.value === c.varOff.value && o.varOff.mask === c.varOff.mask &&
    o.smin === c.smin && o.smax === c.smax && o.umin === c.umin && o.umax === c.umax &&
    o.s32min === c.s32min && o.s32max === c.s32max && o.u32min === c.u32min && o.u32max === c.u32max &&
    o.range === c.range && o.mapIndex === c.mapIndex && o.memSize === c.memSize && o.frameno === c.frameno &&
    o.subprog === c.subprog && ids.check(o.id, c.id) && ids.check(o.refObjId, c.refObjId);
}

function sameTypes(a: readonly number[], b: readonly number[]): boolean {
  for (let k = 0; k < BPF_REG_SIZE; k++) if (a[k] !== b[k]) return false;
  return true;
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
      if (!regsExact(o.regs[r], c.regs[r], sharedIds.reset())) {
        if (f === top) regs |= 1 << r; else otherFrames = true;
      }
    }
    const n = Math.max(o.stack.length, c.stack.length);
    for (let i = 0; i < n; i++) {
      const os = o.stack[i], cs = c.stack[i];
      const same = os && cs && sameTypes(os.types, cs.types) && regsExact(os.spilled, cs.spilled, sharedIds.reset());
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

/** The unknown scalar an all-STACK_MISC slot reads as (never modified). */
const MISC_SCALAR: Reg = unknownScalar();

function scalarForSlot(s: StackSlot | undefined): Reg | null {
  if (!s) return null;
  const t = s.types;
  if (t[BPF_REG_SIZE - 1] === Stack.SPILL && s.spilled.type === RegType.SCALAR) return s.spilled;
  if (t[0] === Stack.MISC && t[1] === Stack.MISC && t[2] === Stack.MISC && t[3] === Stack.MISC && t[4] === Stack.MISC &&
    t[5] === Stack.MISC && t[6] === Stack.MISC && t[7] === Stack.MISC) return MISC_SCALAR;
  return null;
}

/** Is slot spi in the two-word set (lo: slots 0..31, hi: 32..63)? */
const inSlots = (lo: number, hi: number, spi: number): boolean => (spi < 32 ? (lo >>> spi) & 1 : (hi >>> (spi - 32)) & 1) !== 0;

/** stacksafe, byte by byte as the kernel walks it; slot sets are two-word masks. */
function stacksafe(
  env: Env, o: Frame, c: Frame, precLo: number, precHi: number, liveLo: number, liveHi: number, ids: IdMap, mode: EqualMode,
): boolean {
  const exact = mode !== "not_exact";
  const allowUninit = env.caps.allowUninitStack;
  const oldSlots = o.stack.length;
  const curSlots = c.stack.length;
  for (let spi = 0; spi < oldSlots; spi++) {
    if (!exact && !inSlots(liveLo, liveHi, spi)) continue; // never read again before being overwritten
    const os = o.stack[spi];
    const cs = spi < curSlots ? c.stack[spi] : undefined;
    const precise = inSlots(precLo, precHi, spi);
    let regsLooked = false;
    let oReg: Reg | null = null, cReg: Reg | null = null;
    for (let k = 0; k < BPF_REG_SIZE; k++) {
      const ot = os.types[k];
      if (exact && (!cs || ot !== cs.types[k])) return false;
      if (ot === Stack.INVALID) continue;
      if (!exact && allowUninit && ot === Stack.MISC) continue;
      if (!cs) return false;
      if (!regsLooked) {
        oReg = scalarForSlot(os);
        cReg = scalarForSlot(cs);
        regsLooked = true;
      }
      if (oReg && cReg) {
        if (!regsafe(oReg, cReg, precise, ids, mode)) return false;
        break;
      }
      const ct = cs.types[k];
      if (ot === Stack.MISC && ct === Stack.ZERO) continue;
      if (ot !== ct) return false;
      if (k !== BPF_REG_SIZE - 1) continue;
      if (ot === Stack.SPILL && !regsafe(os.spilled, cs.spilled, precise, ids, mode)) return false;
    }
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
  const ids = sharedIds.reset();
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
    const inRange = at >= 0 && at < info.liveIn.length;
    const precLo = inRange ? info.preciseSlots[2 * at] : -1, precHi = inRange ? info.preciseSlots[2 * at + 1] : -1;
    const liveLo = inRange && f === top ? info.liveSlots[2 * at] : -1, liveHi = inRange && f === top ? info.liveSlots[2 * at + 1] : -1;
    if (!stacksafe(env, of, cf, precLo, precHi, liveLo, liveHi, ids, mode)) return false;
  }
  return true;
}
