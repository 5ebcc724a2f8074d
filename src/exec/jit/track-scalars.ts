// Forward pass over every function: per register, whether its high word is a known constant and the
// unsigned range of its low word, so 64-bit operations whose upper half is fixed compile to int32 code.
// RFC 9669 §4 arithmetic; ranges in the spirit of the kernel verifier's umin/umax (kernel/bpf/verifier.c).

import { MAX_BPF_STACK, MAX_CALL_FRAMES } from "../../isa/opcodes.js";
import { REGION_FUNC, REGION_PACKET, REGION_STACK } from "../../runtime/memory.js";
import type { BpfMap } from "../../runtime/maps/bpf-map.js";
import { XDP_FRAME_SZ } from "../../runtime/xdp-buff.js";
import {
  OP_CALL_KFUNC, OP_CALL_LOCAL, OP_INVALID, OP_LDDW_FUNC, OP_LDDW_IMM, OP_LDDW_MAP, OP_LDDW_MAP_IDX,
  OP_LDDW_MAP_IDX_VALUE, OP_LDDW_MAP_VALUE, OP_MAY_GOTO, type DecodedProgram,
} from "./decode-insns.js";
import { TermKind, type Cfg, type CfgFunction } from "./build-cfg.js";
import type { JitFacts, ScalarFact } from "./types.js";

const U32 = 0xffffffff;
const TWO32 = 4294967296;

export const TOP: ScalarFact = { hi: null, loMin: 0, loMax: U32 };

/** A fact; an empty or out-of-word range becomes the full range (keeps the lattice finite: termination). */
const sc = (hi: number | null, loMin: number, loMax: number): ScalarFact =>
  loMin > loMax || loMin < 0 || loMax > U32 ? { hi, loMin: 0, loMax: U32 } : { hi, loMin, loMax };

/** The exact 64-bit value (lo, hi). */
export const constant = (lo: number, hi: number): ScalarFact => ({ hi: hi | 0, loMin: lo >>> 0, loMax: lo >>> 0 });

/** r10 of any frame: (REGION_STACK, (d + 1) * 512) for d = 0 … MAX_CALL_FRAMES. */
const FRAME_POINTER = sc(REGION_STACK, MAX_BPF_STACK, (MAX_CALL_FRAMES + 1) * MAX_BPF_STACK);

/** Carry out of the low-word addition of a and b: 0, 1, or null (depends on the values). */
export function carryOf(a: ScalarFact, b: ScalarFact): 0 | 1 | null {
  if (a.loMax + b.loMax <= U32) return 0;
  if (a.loMin + b.loMin > U32) return 1;
  return null;
}

/** Borrow out of the low-word subtraction a − b: 0, 1, or null. */
export function borrowOf(a: ScalarFact, b: ScalarFact): 0 | 1 | null {
  if (a.loMin - b.loMax >= 0) return 0;
  if (a.loMax - b.loMin < 0) return 1;
  return null;
}

/** Smallest all-ones mask covering v. */
function mask(v: number): number {
  let m = 0;
  while (m < v) m = m * 2 + 1;
  return m;
}

function join(a: ScalarFact, b: ScalarFact): ScalarFact {
  if (a === b) return a;
  return { hi: a.hi === b.hi ? a.hi : null, loMin: Math.min(a.loMin, b.loMin), loMax: Math.max(a.loMax, b.loMax) };
}

function same(a: ScalarFact, b: ScalarFact): boolean {
  return a.hi === b.hi && a.loMin === b.loMin && a.loMax === b.loMax;
}

/** Run the pass; `access` are the access facts (a proven 4-byte load never reads ctx). */
export function trackScalars(cfg: Cfg, maps: readonly BpfMap[], access: JitFacts): (insn: number, reg: number) => ScalarFact | undefined {
  const found = new Map<number, ScalarFact[]>();
  for (const fn of cfg.functions.values()) analyze(cfg, fn, maps, access, found);
  return (insn, reg) => {
    const s = found.get(insn);
    if (s === undefined) return undefined;
    const v = s[reg];
    return v === TOP ? undefined : v;
  };
}

function analyze(cfg: Cfg, fn: CfgFunction, maps: readonly BpfMap[], access: JitFacts, found: Map<number, ScalarFact[]>): void {
  const entry: ScalarFact[] = new Array(11).fill(TOP);
  entry[10] = FRAME_POINTER;
  const thresholds = compareConstants(cfg, fn);
  const inState = new Map<number, ScalarFact[]>([[fn.rpo[0], entry]]);
  const changes = new Map<number, number>();
  // Worklist in reverse postorder: only blocks whose in-state changed are re-run. The lattice is finite
  // (widening to thresholds, then to the full range), so this ends; the cap guards against a bug.
  const dirty = new Uint8Array(cfg.blocks.length);
  dirty[fn.rpo[0]] = 1;
  let pending = 1;
  let steps = 0;
  while (pending > 0) {
    for (const b of fn.rpo) {
      if (!dirty[b]) continue;
      dirty[b] = 0;
      pending--;
      if (++steps > 64 + 16 * fn.rpo.length) {
        // Give up on this function: nothing is known anywhere in it (shared slots included).
        const top: ScalarFact[] = new Array(11).fill(TOP);
        for (const x of fn.rpo) for (const i of cfg.blocks[x].insns) found.set(i, top);
        return;
      }
      const outs = block(cfg, b, inState.get(b)!, maps, access, null);
      cfg.blocks[b].succs.forEach((succ, k) => {
        const next = outs[k];
        if (next === null) return; // edge proven infeasible (for now)
        const old = inState.get(succ);
        let merged: ScalarFact[];
        if (old === undefined) {
          merged = next;
        } else {
          merged = old.map((v, r) => join(v, next[r]));
          if (merged.every((v, r) => same(v, old[r]))) return;
          const n = (changes.get(succ) ?? 0) + 1;
          changes.set(succ, n);
          // Widen ranges that keep growing (loop counters): first to the next compare constant of the
          // function (so `for (i = 0; i < K; i++)` stops at [0, K]), after a few rounds to everything.
          if (n > 2) merged = merged.map((v, r) => (same(v, old[r]) ? v : n > 8 ? { hi: v.hi, loMin: 0, loMax: U32 } : widen(v, old[r], thresholds)));
        }
        inState.set(succ, merged);
        if (!dirty[succ]) {
          dirty[succ] = 1;
          pending++;
        }
      });
    }
  }
  for (const b of fn.rpo) {
    const s = inState.get(b);
    if (s) block(cfg, b, s, maps, access, (insn, regs) => {
      const prev = found.get(insn);
      found.set(insn, prev === undefined ? regs.slice() : prev.map((v, r) => join(v, regs[r])));
    });
  }
}

/** Immediates the function's conditional jumps compare with (±1), sorted: the widening thresholds. */
function compareConstants(cfg: Cfg, fn: CfgFunction): number[] {
  const out = new Set<number>([0, U32]);
  for (const b of fn.rpo) {
    const blk = cfg.blocks[b];
    if (blk.term !== TermKind.Branch || (cfg.prog.op[blk.termInsn] & 0x08) !== 0) continue;
    const k = cfg.prog.imm[blk.termInsn] >>> 0;
    for (const v of [k - 1, k, k + 1]) if (v >= 0 && v <= U32) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/** `next` (which grew from `prev`) with its growing bounds moved out to the nearest thresholds. */
function widen(next: ScalarFact, prev: ScalarFact, thresholds: number[]): ScalarFact {
  let lo = next.loMin, hi = next.loMax;
  if (lo < prev.loMin) lo = thresholds.filter((t) => t <= lo).pop() ?? 0;
  if (hi > prev.loMax) hi = thresholds.find((t) => t >= hi) ?? U32;
  return { hi: next.hi, loMin: lo, loMax: hi };
}

type Record = (insn: number, regs: ScalarFact[]) => void;

/** Out-states per successor edge; null for an edge no value can take. */
function block(cfg: Cfg, b: number, s0: ScalarFact[], maps: readonly BpfMap[], access: JitFacts, record: Record | null): (ScalarFact[] | null)[] {
  const blk = cfg.blocks[b];
  const r = s0.slice();
  for (const i of blk.insns) {
    record?.(i, r);
    if (i === blk.termInsn && blk.term === TermKind.Branch) return branch(cfg.prog, i, r);
    step(cfg.prog, i, r, maps, access);
  }
  return blk.succs.map(() => r);
}

/** Operand of an ALU/JMP instruction: register src or the immediate (sign-extended when `wide`). */
export function operand(p: DecodedProgram, i: number, r: ScalarFact[], wide: boolean): ScalarFact {
  if ((p.op[i] & 0x08) !== 0) return r[p.src[i] >> 1];
  const imm = p.imm[i];
  return wide ? constant(imm, imm < 0 ? -1 : 0) : constant(imm, 0);
}

function step(p: DecodedProgram, i: number, r: ScalarFact[], maps: readonly BpfMap[], access: JitFacts): void {
  const op = p.op[i];
  const d = p.dst[i] >> 1;
  if (op === OP_INVALID || op === OP_CALL_KFUNC || op === OP_MAY_GOTO) return;
  const cls = op & 0x07;
  if (cls === 0x07) { r[d] = alu64(p, i, r); return; }
  if (cls === 0x04) { r[d] = alu32(p, i, r); return; }
  if (cls === 0x01) { r[d] = load(p, i, r, access); return; }
  if (cls === 0x00) { r[d] = lddw(p, i, op, maps); return; }
  if (cls === 0x02) return;
  if (cls === 0x03) {
    if ((op & 0xe0) !== 0xc0) return;
    const imm = p.imm[i];
    const size = op & 0x18;
    const loaded = size === 0x18 ? TOP : size === 0x00 ? sc(0, 0, U32) : size === 0x08 ? sc(0, 0, 0xffff) : sc(0, 0, 0xff);
    if (imm === 0x100) r[d] = loaded;
    else if (imm === 0xf1) r[0] = loaded;
    else if (imm !== 0x110 && (imm & 1) !== 0) r[p.src[i] >> 1] = loaded;
    return;
  }
  // JMP: calls clobber r0..r5 (reloaded from the register file); a local call resets r10.
  if (op === 0x85 || op === 0x8d || op === OP_CALL_LOCAL) {
    for (let k = 0; k <= 5; k++) r[k] = TOP;
    if (op === OP_CALL_LOCAL) r[10] = FRAME_POINTER;
  }
}

/** Fact about the result of the ALU64 instruction at slot i, given the register facts before it. */
export function alu64(p: DecodedProgram, i: number, r: ScalarFact[]): ScalarFact {
  const op = p.op[i];
  const a = r[p.dst[i] >> 1];
  const b = operand(p, i, r, true);
  const bothHi = a.hi !== null && b.hi !== null;
  const n = p.imm[i] & 63;
  switch (op) {
    case 0xb7: case 0xbf: return b;
    case 0x1bf: return b.loMax > 0x7f ? TOP : sc(0, b.loMin, b.loMax);
    case 0x2bf: return b.loMax > 0x7fff ? TOP : sc(0, b.loMin, b.loMax);
    case 0x3bf: return b.loMax > 0x7fffffff ? TOP : sc(0, b.loMin, b.loMax);
    case 0x07: case 0x0f: {
      const c = carryOf(a, b);
      if (c === null) return TOP;
      return sc(bothHi ? (a.hi! + b.hi! + c) | 0 : null, a.loMin + b.loMin - c * TWO32, a.loMax + b.loMax - c * TWO32);
    }
    case 0x17: case 0x1f: {
      const c = borrowOf(a, b);
      if (c === null) return TOP;
      return sc(bothHi ? (a.hi! - b.hi! - c) | 0 : null, a.loMin - b.loMax + c * TWO32, a.loMax - b.loMin + c * TWO32);
    }
    case 0x27: case 0x2f:
      return a.hi === 0 && b.hi === 0 && a.loMax * b.loMax <= U32 ? sc(0, a.loMin * b.loMin, a.loMax * b.loMax) : TOP;
    case 0x37: case 0x3f: case 0x97: case 0x9f:
      return a.hi === 0 ? sc(0, 0, a.loMax) : TOP;
    case 0x137: case 0x13f: case 0x197: case 0x19f:
      return a.hi === 0 && b.hi === 0 && a.loMax <= 0x7fffffff && b.loMax <= 0x7fffffff ? sc(0, 0, a.loMax) : TOP;
    case 0x57: case 0x5f:
      return sc(a.hi === 0 || b.hi === 0 ? 0 : bothHi ? a.hi! & b.hi! : null, 0, Math.min(a.loMax, b.loMax));
    case 0x47: case 0x4f:
      return sc(bothHi ? a.hi! | b.hi! : null, Math.max(a.loMin, b.loMin), mask(Math.max(a.loMax, b.loMax)));
    case 0xa7: case 0xaf:
      return sc(bothHi ? a.hi! ^ b.hi! : null, 0, mask(Math.max(a.loMax, b.loMax)));
    case 0x67:
      if (n === 0) return a;
      if (n < 32) return a.hi === 0 && a.loMax * 2 ** n <= U32 ? sc(0, a.loMin * 2 ** n, a.loMax * 2 ** n) : TOP;
      return sc(a.loMin === a.loMax ? (a.loMin << (n - 32)) | 0 : null, 0, 0);
    case 0x77:
      if (n === 0) return a;
      if (n < 32) {
        if (a.hi === 0) return sc(0, Math.floor(a.loMin / 2 ** n), Math.floor(a.loMax / 2 ** n));
        return sc(a.hi === null ? null : a.hi >>> n, 0, U32);
      }
      return a.hi === null ? sc(0, 0, Math.floor(U32 / 2 ** (n - 32))) : constant(a.hi >>> (n - 32), 0);
    case 0xc7:
      if (n === 0) return a;
      if (a.hi === 0 && n < 32) return sc(0, Math.floor(a.loMin / 2 ** n), Math.floor(a.loMax / 2 ** n));
      if (a.hi === 0) return constant(0, 0);
      if (n >= 32 && a.hi !== null) return constant(a.hi >> (n - 32), a.hi >> 31);
      return TOP;
    case 0x7f:
      return a.hi === 0 ? sc(0, 0, a.loMax) : TOP;
    case 0x1d7: return sc(0, 0, 0xffff);
    case 0x2d7: return sc(0, 0, U32);
  }
  return TOP;
}

function alu32(p: DecodedProgram, i: number, r: ScalarFact[]): ScalarFact {
  const op = p.op[i];
  const a = r[p.dst[i] >> 1];
  const b = operand(p, i, r, false);
  const n = p.imm[i] & 31;
  const full = sc(0, 0, U32);
  switch (op) {
    case 0xb4: case 0xbc: return sc(0, b.loMin, b.loMax);
    case 0x1bc: return b.loMax <= 0x7f ? sc(0, b.loMin, b.loMax) : full;
    case 0x2bc: return b.loMax <= 0x7fff ? sc(0, b.loMin, b.loMax) : full;
    case 0x04: case 0x0c:
      return a.loMax + b.loMax <= U32 ? sc(0, a.loMin + b.loMin, a.loMax + b.loMax) : full;
    case 0x14: case 0x1c:
      return a.loMin - b.loMax >= 0 ? sc(0, a.loMin - b.loMax, a.loMax - b.loMin) : full;
    case 0x24: case 0x2c:
      return a.loMax * b.loMax <= U32 ? sc(0, a.loMin * b.loMin, a.loMax * b.loMax) : full;
    case 0x34: case 0x3c: case 0x94: case 0x9c: return sc(0, 0, a.loMax);
    case 0x54: case 0x5c: return sc(0, 0, Math.min(a.loMax, b.loMax));
    case 0x44: case 0x4c: return sc(0, Math.max(a.loMin, b.loMin), mask(Math.max(a.loMax, b.loMax)));
    case 0xa4: case 0xac: return sc(0, 0, mask(Math.max(a.loMax, b.loMax)));
    case 0x64: return a.loMax * 2 ** n <= U32 ? sc(0, a.loMin * 2 ** n, a.loMax * 2 ** n) : full;
    case 0x74: return sc(0, Math.floor(a.loMin / 2 ** n), Math.floor(a.loMax / 2 ** n));
    case 0x7c: return sc(0, 0, a.loMax);
    case 0xc4: return a.loMax <= 0x7fffffff ? sc(0, Math.floor(a.loMin / 2 ** n), Math.floor(a.loMax / 2 ** n)) : full;
    case 0x1d4: return a.loMax <= 0xffff ? sc(0, a.loMin, a.loMax) : sc(0, 0, 0xffff);
    case 0x2d4: return sc(0, a.loMin, a.loMax);
    case 0x3d4: return a;
    case 0x1dc: return sc(0, 0, 0xffff);
    case 0x3dc: return TOP;
  }
  return full;
}

function load(p: DecodedProgram, i: number, r: ScalarFact[], access: JitFacts): ScalarFact {
  const op = p.op[i];
  const pa = access.access(i);
  switch (op) {
    case 0x71: return sc(0, 0, 0xff);
    case 0x69: return sc(0, 0, 0xffff);
    case 0x61: {
      if (pa !== undefined && pa.region === "ctx") {
        return pa.offset <= 8 ? sc(REGION_PACKET, 0, XDP_FRAME_SZ) : sc(0, 0, U32);
      }
      if (pa !== undefined) return sc(0, 0, U32);
      // An unproven 4-byte load may read a ctx pointer field unless the address cannot be in ctx.
      const base = r[p.src[i] >> 1];
      const off = p.off[i];
      if (base.hi !== null && base.hi !== 1 && base.loMin + off >= 0 && base.loMax + off <= U32) return sc(0, 0, U32);
      return TOP;
    }
  }
  return TOP;
}

function lddw(p: DecodedProgram, i: number, op: number, maps: readonly BpfMap[]): ScalarFact {
  switch (op) {
    case OP_LDDW_IMM: return constant(p.imm[i], p.khi[i]);
    case OP_LDDW_MAP:
    case OP_LDDW_MAP_IDX: {
      const m = maps[p.imm[i]];
      return m === undefined ? TOP : constant(0, m.handleRegion.id);
    }
    case OP_LDDW_MAP_VALUE:
    case OP_LDDW_MAP_IDX_VALUE: {
      const vr = maps[p.imm[i]]?.valueRegion;
      return vr ? constant(p.khi[i], vr.id) : TOP;
    }
    case OP_LDDW_FUNC: return constant(i + 1 + p.imm[i], REGION_FUNC);
  }
  return TOP;
}

/** Out-states [taken, fall] of a conditional jump, narrowing unsigned ranges on compares with K. */
function branch(p: DecodedProgram, i: number, r: ScalarFact[]): (ScalarFact[] | null)[] {
  const taken = r.slice();
  const fall = r.slice();
  let takenOk = true, fallOk = true;
  const op = p.op[i];
  if ((op & 0x08) !== 0) return [taken, fall];
  const d = p.dst[i] >> 1;
  const a = r[d];
  const k = p.imm[i];
  const is32 = (op & 0x07) === 0x06;
  // 64-bit compares narrow the low word only when the high word is 0 and K ≥ 0 (so hi decides nothing).
  if (!is32 && !(a.hi === 0 && k >= 0)) return [taken, fall];
  const K = k >>> 0;
  const set = (st: ScalarFact[], min: number, max: number): void => {
    const lo = Math.max(a.loMin, min), hi = Math.min(a.loMax, max);
    if (lo > hi) {
      if (st === taken) takenOk = false;
      else fallOk = false;
      return;
    }
    st[d] = sc(a.hi, lo, hi);
  };
  switch (op & 0xf0) {
    case 0x10: set(taken, K, K); break; // jeq
    case 0x50: set(fall, K, K); break; // jne
    case 0x20: set(taken, K + 1, U32); set(fall, 0, K); break; // jgt
    case 0x30: set(taken, K, U32); set(fall, 0, K - 1); break; // jge
    case 0xa0: set(taken, 0, K - 1); set(fall, K, U32); break; // jlt
    case 0xb0: set(taken, 0, K); set(fall, K + 1, U32); break; // jle
  }
  return [takenOk ? taken : null, fallOk ? fall : null];
}
