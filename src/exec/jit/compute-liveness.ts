// Register liveness over the CFG of every function of a program, iterated with the call graph: which
// registers a function reads from its caller's file (its parameters), which r1–r5 callers read back after
// a local call or helper call. RFC 9669 §4.3.2 (calls); the interpreter's one-register-file model.

import { OP_CALL_KFUNC, OP_CALL_LOCAL, OP_INVALID, OP_MAY_GOTO, type DecodedProgram } from "./decode-insns.js";
import type { Cfg } from "./build-cfg.js";

/** Bit n = register rn. */
export const R0 = 1;
const ARGS = 0x3e; // r1..r5
const R0_TO_R5 = 0x3f;
const R6_TO_R9 = 0x3c0;

export interface Liveness {
  /**
   * Registers r0..r5 whose current value the register file A already holds just before each call
   * and exit (bit k: A[2k], A[2k+1] = rk): no store needed there.
   */
  inFile: Map<number, number>;
  /** Registers (r0..r9 mask) each function entry reads before writing: its parameters. */
  liveIn: Map<number, number>;
  /** Functions whose r1..r5 at exit some caller reads after the call. */
  exports: Set<number>;
  /** Registers live after each call instruction (by slot). */
  liveAfterCall: Map<number, number>;
  /** Registers live at the start of each block, per function entry (for outlined parts' transfers). */
  blockLive: Map<number, Map<number, number>>;
}

/** Registers read and written by the instruction at slot `i` (`inFile`: registers A already holds there). */
function useDef(p: DecodedProgram, i: number, liveIn: Map<number, number>, exporting: boolean, inFile: number,
  inline: ReadonlySet<number>): [number, number] {
  const op = p.op[i];
  // A lookup done directly on the map reads r2 (the key pointer) and writes r0 only.
  if (inline.has(i)) return [1 << 2, R0];
  const d = 1 << (p.dst[i] >> 1);
  const s = 1 << (p.src[i] >> 1);
  if (op === OP_INVALID || op === OP_CALL_KFUNC || op === OP_MAY_GOTO) return [0, 0];
  const low = op & 0xff;
  const cls = op & 0x07;
  switch (cls) {
    case 0x04:
    case 0x07: {
      const code = low & 0xf0;
      const isX = (low & 0x08) !== 0;
      if (code === 0xb0) return [isX ? s : 0, d];
      if (code === 0x80 || code === 0xd0) return [d, d];
      return [isX ? d | s : d, d];
    }
    case 0x01: return [s, d];
    case 0x02: return [d, 0];
    case 0x03: {
      if ((low & 0xe0) !== 0xc0) return [d | s, 0];
      const imm = p.imm[i];
      if (imm === 0x100) return [s, d];
      if (imm === 0x110) return [d | s, 0];
      if (imm === 0xf1) return [d | s | R0, R0];
      if ((imm & 1) !== 0) return [d | s, s];
      return [d | s, 0];
    }
    case 0x00: return [0, d];
  }
  // JMP / JMP32
  // Helpers get the whole register file and may read any of r1..r5 (prototypes under-declare: e.g.
  // bpf_trace_printk's r3..r5); the tail call also hands r6..r9 to the next program.
  if (op === 0x85) return [(ARGS & ~inFile) | (p.imm[i] === 12 ? R6_TO_R9 : 0), R0_TO_R5];
  if (op === 0x8d) return [d | (ARGS & ~inFile) | R6_TO_R9, R0_TO_R5];
  if (op === OP_CALL_LOCAL) return [(liveIn.get(i + 1 + p.imm[i]) ?? 0) & 0x3ff, R0_TO_R5];
  if (op === 0x95) return [(exporting ? R0_TO_R5 : R0) & ~inFile, 0];
  if (op === 0x05 || op === 0x06) return [0, 0];
  return [(low & 0x08) !== 0 ? d | s : d, 0];
}

/**
 * Forward pass: which of r0..r5 the register file A holds current values of. A helper call leaves all of
 * them there (A is the helper's register array), a local call leaves r0 (the callee's exit writes it),
 * any instruction writing rk makes A[2k] stale. Meet = intersection; function entries start with none.
 */
function computeInFile(cfg: Cfg, inline: ReadonlySet<number>): Map<number, number> {
  const p = cfg.prog;
  const out = new Map<number, number>();
  const none = new Map<number, number>();
  // Each block's effect as s → (s & keep) | gen.
  const keep = new Int32Array(cfg.blocks.length);
  const gen = new Int32Array(cfg.blocks.length);
  for (const b of cfg.blocks) {
    let k = R0_TO_R5, g = 0;
    for (const i of b.insns) {
      const [, def] = useDef(p, i, none, false, 0, inline);
      k &= ~def;
      g &= ~def;
      if (inline.has(i)) continue;
      const op = p.op[i];
      if (op === 0x85 || op === 0x8d) { k = 0; g = R0_TO_R5; } else if (op === OP_CALL_LOCAL) { k = 0; g = R0; }
    }
    keep[b.id] = k;
    gen[b.id] = g;
  }
  for (const fn of cfg.functions.values()) {
    const inState = new Map<number, number>([[fn.rpo[0], 0]]);
    for (let changed = true; changed;) {
      changed = false;
      for (const b of fn.rpo) {
        const sIn = inState.get(b);
        if (sIn === undefined) continue;
        const s = (sIn & keep[b]) | gen[b];
        for (const succ of cfg.blocks[b].succs) {
          const old = inState.get(succ);
          const m = old === undefined ? s : old & s;
          if (m !== old) {
            inState.set(succ, m);
            changed = true;
          }
        }
      }
    }
    // Record the state before each call and exit.
    for (const b of fn.rpo) {
      let s = inState.get(b);
      if (s === undefined) continue;
      for (const i of cfg.blocks[b].insns) {
        const op = p.op[i];
        if (op === 0x85 || op === 0x8d || op === OP_CALL_LOCAL || op === 0x95) {
          const prev = out.get(i);
          out.set(i, prev === undefined ? s : prev & s);
        }
        const [, def] = useDef(p, i, none, false, 0, inline);
        s &= ~def;
        if (inline.has(i)) continue;
        if (op === 0x85 || op === 0x8d) s = R0_TO_R5;
        else if (op === OP_CALL_LOCAL) s = R0;
      }
    }
  }
  return out;
}

/** Compute liveness for every function of `cfg` (fixpoint over the call graph). */
export function computeLiveness(cfg: Cfg, inline: ReadonlySet<number> = new Set()): Liveness {
  const p = cfg.prog;
  const inFile = computeInFile(cfg, inline);
  const liveIn = new Map<number, number>();
  const exports = new Set<number>();
  const liveAfterCall = new Map<number, number>();
  const blockLive = new Map<number, Map<number, number>>();
  for (const e of cfg.entries) liveIn.set(e, 0);
  // Use/def of every slot, computed once; local calls and exits (which depend on the fixpoint) on the fly.
  const n = p.len;
  const sUse = new Int32Array(n), sDef = new Int32Array(n);
  const none = new Map<number, number>();
  for (const b of cfg.blocks) {
    for (const i of b.insns) {
      const [u, d] = useDef(p, i, none, false, inFile.get(i) ?? 0, inline);
      sUse[i] = u;
      sDef[i] = d;
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const fn of cfg.functions.values()) {
      const exporting = exports.has(fn.entry);
      const blockIn = new Map<number, number>();
      for (let again = true; again;) {
        again = false;
        for (let k = fn.rpo.length - 1; k >= 0; k--) {
          const b = cfg.blocks[fn.rpo[k]];
          let live = 0;
          for (const s of b.succs) live |= blockIn.get(s) ?? 0;
          for (let j = b.insns.length - 1; j >= 0; j--) {
            const i = b.insns[j];
            const op = p.op[i];
            if (op === 0x85 || op === 0x8d || op === OP_CALL_LOCAL) {
              liveAfterCall.set(i, (liveAfterCall.get(i) ?? 0) | live);
              if (op === OP_CALL_LOCAL && (live & ARGS) !== 0) {
                const t = i + 1 + p.imm[i];
                if (!exports.has(t)) {
                  exports.add(t);
                  changed = true;
                }
              }
            }
            let use = sUse[i];
            if (op === OP_CALL_LOCAL && !inline.has(i)) use = (liveIn.get(i + 1 + p.imm[i]) ?? 0) & 0x3ff;
            else if (op === 0x95) use = (exporting ? R0_TO_R5 : R0) & ~(inFile.get(i) ?? 0);
            live = (live & ~sDef[i]) | use;
          }
          if ((blockIn.get(b.id) ?? 0) !== live) {
            blockIn.set(b.id, live);
            again = true;
          }
        }
      }
      blockLive.set(fn.entry, blockIn);
      const entryLive = (blockIn.get(fn.rpo[0]) ?? 0) & 0x3ff;
      if ((liveIn.get(fn.entry) ?? 0) !== entryLive) {
        liveIn.set(fn.entry, entryLive);
        changed = true;
      }
    }
  }
  return { inFile, liveIn, exports, liveAfterCall, blockLive };
}
