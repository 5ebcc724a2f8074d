// The JIT's own forward pass: proves common loads/stores in bounds (packet after a dominating
// `data + N > data_end` check, r10-relative stack slots, map values after a NULL check, global data,
// xdp_md fields) so code generation can drop their checks. RFC 9669 §5; kernel verifier's rules, simplified.

import { MAX_BPF_STACK } from "../../isa/opcodes.js";
import { MapType } from "../../loader/types.js";
import type { BpfMap } from "../../runtime/maps/bpf-map.js";
import {
  OP_CALL_LOCAL, OP_LDDW_IMM, OP_LDDW_MAP, OP_LDDW_MAP_IDX, OP_LDDW_MAP_IDX_VALUE, OP_LDDW_MAP_VALUE,
  type DecodedProgram,
} from "./decode-insns.js";
import { TermKind, type Cfg, type CfgFunction } from "./build-cfg.js";
import { accessBytes } from "./classify-insn.js";
import type { JitFacts, ProvenAccess } from "./types.js";

/** Abstract value kinds (what a register is known to hold). */
const enum K {
  Unknown = 0,
  /** A small 64-bit constant `off`. */
  Const = 1,
  /** ctx pointer + off. */
  Ctx = 2,
  /** data + off (data of the current packet epoch). */
  Pkt = 3,
  /** data_end. */
  PktEnd = 4,
  /** r10 of the current frame + off. */
  Fp = 5,
  /** Pointer into map `map`'s value at value offset `off` (non-NULL). */
  MapVal = 6,
  /** Map lookup result not yet NULL-checked (`id` = the lookup's insn, shared by copies). */
  MapValOrNull = 7,
  /** CONST_PTR_TO_MAP of map `map`. */
  MapHandle = 8,
}

interface Val {
  readonly k: K;
  readonly off: number;
  readonly map: number;
  readonly id: number;
}

const UNKNOWN: Val = { k: K.Unknown, off: 0, map: -1, id: -1 };
const OFF_LIMIT = 1 << 20;

const val = (k: K, off: number, map = -1, id = -1): Val =>
  Math.abs(off) < OFF_LIMIT ? { k, off, map, id } : UNKNOWN;

interface State {
  regs: Val[];
  /** data + range ≤ data_end is proven for the current packet epoch. */
  range: number;
}

/** Helpers that never move data / data_end (anything else invalidates packet facts). */
const KEEPS_PACKET = new Set([
  1, 2, 3, 5, 6, 7, 8, 12, 23, 28, 42, 51, 69, 87, 88, 89, 118, 125, 130, 131, 132, 133, 134, 160, 163, 165,
  177, 188, 189, 190, 195, 208,
]);

/** Map types whose lookup returns a pointer to a value of valueSize bytes in valueRegion. */
const VALUE_MAPS = new Set<number>([
  MapType.HASH, MapType.ARRAY, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH, MapType.LPM_TRIE,
]);

export interface ProveOptions {
  /** The program entry's r1 is the xdp_md context (the pipeline's calling convention). */
  entryCtx: boolean;
}

/** Run the pass over every function of `cfg`; `maps` are the runtime's maps (slot = index). */
export function proveAccesses(cfg: Cfg, maps: readonly BpfMap[], opts: ProveOptions): JitFacts {
  const found = new Map<number, ProvenAccess | null>();
  const calls = new Map<number, State>();
  for (const fn of cfg.functions.values()) analyzeFunction(cfg, fn, maps, opts, found, calls);
  return {
    access(insn: number): ProvenAccess | undefined {
      return found.get(insn) ?? undefined;
    },
    pointer(insn: number, reg: number, size: number, write: boolean): ProvenAccess | undefined {
      const s = calls.get(insn);
      const p = s === undefined ? null : proveAt(s.regs[reg], 0, size, write, false, s, maps);
      return p === null || p.region === "ctx" ? undefined : p;
    },
  };
}

function analyzeFunction(cfg: Cfg, fn: CfgFunction, maps: readonly BpfMap[], opts: ProveOptions,
  found: Map<number, ProvenAccess | null>, calls: Map<number, State>): void {
  const entryRegs: Val[] = new Array(11).fill(UNKNOWN);
  entryRegs[10] = val(K.Fp, 0);
  if (fn.entry === 0 && opts.entryCtx) entryRegs[1] = val(K.Ctx, 0);
  const inState = new Map<number, State>();
  const entryBlock = fn.rpo[0];
  inState.set(entryBlock, { regs: entryRegs, range: 0 });

  // Iterate to a fixpoint in reverse postorder (values only lose precision, so this ends; the cap guards).
  let rounds = 0;
  for (let changed = true; changed;) {
    if (++rounds > 64 + 4 * fn.rpo.length) {
      // Give up on this function: nothing proven anywhere in it (shared slots included).
      for (const b of fn.rpo) {
        for (const i of cfg.blocks[b].insns) {
          found.set(i, null);
          calls.set(i, { regs: new Array(11).fill(UNKNOWN), range: 0 });
        }
      }
      return;
    }
    changed = false;
    for (const b of fn.rpo) {
      const s = inState.get(b);
      if (!s) continue;
      const outs = transferBlock(cfg, b, s, maps, null);
      const succs = cfg.blocks[b].succs;
      for (let i = 0; i < succs.length; i++) {
        const next = outs[i];
        const old = inState.get(succs[i]);
        const merged = old ? join(old, next) : next;
        if (!old || !sameState(old, merged)) {
          inState.set(succs[i], merged);
          changed = true;
        }
      }
    }
  }
  // Record facts from the fixpoint states; a slot analysed in several functions keeps only agreed facts.
  for (const b of fn.rpo) {
    const s = inState.get(b);
    if (s) transferBlock(cfg, b, s, maps, (insn, p) => {
      const prev = found.get(insn);
      if (prev === undefined) found.set(insn, p);
      else if (prev !== null && (p === null || !sameAccess(prev, p))) found.set(insn, null);
    }, (insn, st) => {
      const prev = calls.get(insn);
      calls.set(insn, prev === undefined ? { regs: st.regs.slice(), range: st.range } : join(prev, st));
    });
  }
}

type Record = (insn: number, p: ProvenAccess | null) => void;
/** Receives the state before each call instruction. */
type RecordCall = (insn: number, s: State) => void;

/** Abstract execution of one block; returns the out-state per successor edge. */
function transferBlock(cfg: Cfg, b: number, s0: State, maps: readonly BpfMap[], record: Record | null,
  recordCall: RecordCall | null = null): State[] {
  const blk = cfg.blocks[b];
  const s: State = { regs: s0.regs.slice(), range: s0.range };
  for (const pc of blk.insns) {
    if (pc === blk.termInsn && blk.term === TermKind.Branch) break;
    if (recordCall !== null && cfg.prog.op[pc] === 0x85) recordCall(pc, s);
    step(cfg.prog, pc, s, maps, record);
  }
  if (blk.term === TermKind.Branch) return branchStates(cfg.prog, blk.termInsn, s);
  return blk.succs.map(() => s);
}

function step(p: DecodedProgram, pc: number, s: State, maps: readonly BpfMap[], record: Record | null): void {
  const op = p.op[pc];
  const dst = p.dst[pc] >> 1;
  const src = p.src[pc] >> 1;
  const imm = p.imm[pc];
  const off = p.off[pc];
  const r = s.regs;
  const cls = op & 0x07;
  if (op > 0xff && (op & 0xff) !== 0x18 && op !== OP_CALL_LOCAL) {
    // movsx, sdiv/smod, byte swaps, kfunc, invalid: nothing tracked.
    if (cls === 0x04 || cls === 0x07) r[dst] = UNKNOWN;
    return;
  }
  switch (cls) {
    case 0x07: { // ALU64
      const code = op & 0xf0;
      const isX = (op & 0x08) !== 0;
      const d = r[dst];
      const sv = isX ? r[src] : val(K.Const, imm);
      if (code === 0xb0) {
        r[dst] = sv;
      } else if (code === 0x00 || code === 0x10) {
        const sign = code === 0x00 ? 1 : -1;
        if (sv.k === K.Const && (d.k === K.Const || d.k === K.Ctx || d.k === K.Pkt || d.k === K.Fp || d.k === K.MapVal)) {
          r[dst] = val(d.k, d.off + sign * sv.off, d.map, d.id);
        } else if (sign === 1 && d.k === K.Const && (sv.k === K.Pkt || sv.k === K.Fp || sv.k === K.MapVal || sv.k === K.Ctx)) {
          r[dst] = val(sv.k, sv.off + d.off, sv.map, sv.id);
        } else {
          r[dst] = UNKNOWN;
        }
      } else {
        r[dst] = UNKNOWN;
      }
      return;
    }
    case 0x04: // ALU32
      r[dst] = op === 0xb4 ? val(K.Const, imm >>> 0) : UNKNOWN;
      return;
    case 0x01: { // LDX
      const size = accessBytes(op);
      const pr = proveAt(r[src], off, size, false, op === 0x61, s, maps);
      record?.(pc, pr);
      let out = UNKNOWN;
      if (pr !== null && pr.region === "ctx") {
        if (pr.offset === 0) out = val(K.Pkt, 0);
        else if (pr.offset === 4) out = val(K.PktEnd, 0);
      }
      r[dst] = out;
      return;
    }
    case 0x02: // ST
    case 0x03: { // STX
      const size = accessBytes(op);
      const atomic = (op & 0xe0) === 0xc0;
      if (atomic && imm === 0x100) { // load-acquire: dst = *(src + off)
        record?.(pc, proveAt(r[src], off, size, false, false, s, maps));
        r[dst] = UNKNOWN;
        return;
      }
      record?.(pc, proveAt(r[dst], off, size, true, false, s, maps));
      if (atomic) {
        if (imm === 0xf1) r[0] = UNKNOWN;
        else if ((imm & 0x01) !== 0) r[src] = UNKNOWN;
      }
      return;
    }
    case 0x00: { // lddw
      const hi = p.khi[pc] | 0;
      if (op === OP_LDDW_IMM) {
        r[dst] = (hi === 0 && imm >= 0) || (hi === -1 && imm < 0) ? val(K.Const, imm) : UNKNOWN;
      } else if ((op === OP_LDDW_MAP || op === OP_LDDW_MAP_IDX) && maps[imm]) {
        r[dst] = val(K.MapHandle, 0, imm);
      } else if ((op === OP_LDDW_MAP_VALUE || op === OP_LDDW_MAP_IDX_VALUE) && maps[imm]?.valueRegion) {
        r[dst] = val(K.MapVal, p.khi[pc], imm);
      } else {
        r[dst] = UNKNOWN;
      }
      return;
    }
    case 0x05: { // JMP: only calls change registers here
      if (op !== 0x85 && op !== 0x8d && op !== OP_CALL_LOCAL) return;
      const helper = op === 0x85;
      let r0 = UNKNOWN;
      if (helper && imm === 1) {
        const h = r[1];
        const m = h.k === K.MapHandle ? maps[h.map] : undefined;
        if (m && m.valueRegion && VALUE_MAPS.has(m.spec.type)) r0 = val(K.MapValOrNull, 0, h.map, pc);
        // An older unchecked result of this same lookup (previous loop iteration) loses its id.
        for (let i = 6; i <= 10; i++) if (r[i].k === K.MapValOrNull && r[i].id === pc) r[i] = UNKNOWN;
      }
      for (let i = 0; i <= 5; i++) r[i] = UNKNOWN;
      r[0] = r0;
      // After a local call r10 is this frame's top again, whatever the program had written to it.
      if (op === OP_CALL_LOCAL) r[10] = val(K.Fp, 0);
      if (!helper || !KEEPS_PACKET.has(imm)) invalidatePacket(s);
      return;
    }
  }
}

function invalidatePacket(s: State): void {
  for (let i = 0; i < s.regs.length; i++) {
    const k = s.regs[i].k;
    if (k === K.Pkt || k === K.PktEnd) s.regs[i] = UNKNOWN;
  }
  s.range = 0;
}

/** Prove an access of `size` bytes at `base + off`; null when not provable. */
function proveAt(base: Val, off: number, size: number, write: boolean, ctxLoad: boolean, s: State,
  maps: readonly BpfMap[]): ProvenAccess | null {
  const lo = base.off + off;
  switch (base.k) {
    case K.Pkt:
      return lo >= 0 && lo + size <= s.range ? { region: "packet" } : null;
    case K.Fp:
      return lo >= -MAX_BPF_STACK && lo + size <= 0 ? { region: "stack" } : null;
    case K.MapVal: {
      const m = maps[base.map];
      if (!m || !m.valueRegion || (write && !m.valueRegion.writable)) return null;
      return lo >= 0 && lo + size <= m.spec.valueSize ? { region: "map-value", map: base.map } : null;
    }
    case K.Ctx:
      // Only the plain 4-byte load of a field (0x61) is specialised; anything else takes the checked path.
      return ctxLoad && lo >= 0 && lo < 24 && lo % 4 === 0 ? { region: "ctx", offset: lo } : null;
  }
  return null;
}

/** Out-states of a conditional jump: [taken, fall-through], refined by packet and NULL checks. */
function branchStates(p: DecodedProgram, pc: number, s: State): State[] {
  const taken: State = { regs: s.regs.slice(), range: s.range };
  const fall: State = { regs: s.regs.slice(), range: s.range };
  const op = p.op[pc];
  if ((op & 0x07) !== 0x05) return [taken, fall]; // JMP32 compares are not tracked
  const code = op & 0xf0;
  const d = s.regs[p.dst[pc] >> 1];
  if ((op & 0x08) === 0) {
    // NULL checks of a lookup result: `if rX == 0` / `if rX != 0`.
    if (p.imm[pc] === 0 && d.k === K.MapValOrNull && (code === 0x10 || code === 0x50)) {
      const nonNull = code === 0x10 ? fall : taken;
      const isNull = code === 0x10 ? taken : fall;
      for (let i = 0; i < 11; i++) {
        const v = s.regs[i];
        if (v.k === K.MapValOrNull && v.id === d.id) {
          nonNull.regs[i] = val(K.MapVal, v.off, v.map);
          isNull.regs[i] = val(K.Const, 0);
        }
      }
    }
    return [taken, fall];
  }
  const sv = s.regs[p.src[pc] >> 1];
  // data + c (op) data_end → data + n ≤ data_end on one edge (unsigned 64-bit compares).
  const learn = (st: State, n: number): void => {
    if (n > st.range) st.range = n;
  };
  if (d.k === K.Pkt && sv.k === K.PktEnd && d.off > 0) {
    const c = d.off;
    if (code === 0x20) learn(fall, c); // jgt
    else if (code === 0x30) learn(fall, c + 1); // jge
    else if (code === 0xa0) learn(taken, c + 1); // jlt
    else if (code === 0xb0) learn(taken, c); // jle
  } else if (d.k === K.PktEnd && sv.k === K.Pkt && sv.off > 0) {
    const c = sv.off;
    if (code === 0x20) learn(taken, c + 1);
    else if (code === 0x30) learn(taken, c);
    else if (code === 0xa0) learn(fall, c);
    else if (code === 0xb0) learn(fall, c + 1);
  }
  return [taken, fall];
}

function sameVal(a: Val, b: Val): boolean {
  return a.k === b.k && a.off === b.off && a.map === b.map && a.id === b.id;
}

function joinVal(a: Val, b: Val): Val {
  if (sameVal(a, b)) return a;
  if (a.map === b.map && a.off === b.off && a.map >= 0) {
    if (a.k === K.MapValOrNull && b.k === K.MapVal) return a;
    if (b.k === K.MapValOrNull && a.k === K.MapVal) return b;
  }
  return UNKNOWN;
}

function join(a: State, b: State): State {
  return { regs: a.regs.map((v, i) => joinVal(v, b.regs[i])), range: Math.min(a.range, b.range) };
}

function sameState(a: State, b: State): boolean {
  return a.range === b.range && a.regs.every((v, i) => sameVal(v, b.regs[i]));
}

function sameAccess(a: ProvenAccess, b: ProvenAccess): boolean {
  if (a.region !== b.region) return false;
  if (a.region === "map-value" && b.region === "map-value") return a.map === b.map;
  if (a.region === "ctx" && b.region === "ctx") return a.offset === b.offset;
  return true;
}
