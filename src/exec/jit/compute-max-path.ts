// Longest path (in instructions, callees included) through each function of a loop-free program, so
// code generation can drop the per-segment budget checks when the budget left at entry covers it.
// The interpreter's budget rule (src/exec/interpreter/create-interpreter.ts): one unit per executed insn.

import { HELPER_TABLE } from "../../runtime/helpers/helper-table.js";
import type { Runtime } from "../../runtime/runtime.js";
import { TermKind, type Block, type Cfg } from "./build-cfg.js";
import { OP_CALL_LOCAL } from "./decode-insns.js";

/** Helpers that may run BPF code (rt.callback) and so spend budget in between (see generate-js.ts). */
export const CALLBACK_HELPERS: ReadonlySet<number> = new Set([164, 170, 180, 181, 209]);

/** Paths longer than this are not worth proving (the default budget is 1,000,000). */
const PATH_LIMIT = 1 << 24;

/**
 * Per function entry slot, the most instructions one call of it can execute (its callees included),
 * or null when some function has a loop, irreducible flow, recursion, callx, or a helper that may
 * spend budget itself (callback helpers, helpers replaced in rt.helpers) — then budgets stay checked.
 */
export function computeMaxPaths(cfg: Cfg, rt: Runtime): Map<number, number> | null {
  const p = cfg.prog;
  const done = new Map<number, number>();
  const active = new Set<number>();
  const ok = { v: true };

  const fnPath = (entry: number): number => {
    const known = done.get(entry);
    if (known !== undefined) return known;
    const fn = cfg.functions.get(entry);
    if (fn === undefined || !fn.reducible || fn.loopHeaders.size > 0 || active.has(entry)) { ok.v = false; return PATH_LIMIT; }
    active.add(entry);
    const longest = new Map<number, number>();
    // Reverse postorder reversed: successors (forward edges only, the function has no loops) come first.
    for (let k = fn.rpo.length - 1; k >= 0 && ok.v; k--) {
      const x: number = fn.rpo[k];
      const b: Block = cfg.blocks[x];
      let cost = b.term === TermKind.OutOfRange ? 1 : b.insns.length;
      for (const i of b.insns as number[]) {
        const op = p.op[i];
        if (op === 0x8d) { ok.v = false; break; }
        if (op === 0x85) {
          const id = p.imm[i];
          const h = id >= 0 ? rt.helpers[id] : undefined;
          if (h !== undefined && (CALLBACK_HELPERS.has(id) || h !== HELPER_TABLE[id])) { ok.v = false; break; }
        } else if (op === OP_CALL_LOCAL) {
          cost += fnPath(i + 1 + p.imm[i]);
        }
      }
      let after = 0;
      for (const s of b.succs) {
        const l = longest.get(s);
        if (l === undefined) { ok.v = false; break; } // not a forward edge after all
        if (l > after) after = l;
      }
      longest.set(x, Math.min(PATH_LIMIT, cost + after));
    }
    active.delete(entry);
    const n = longest.get(fn.rpo[0]) ?? PATH_LIMIT;
    if (n >= PATH_LIMIT) ok.v = false;
    done.set(entry, n);
    return n;
  };

  for (const e of cfg.entries) {
    fnPath(e);
    if (!ok.v) return null;
  }
  return done;
}
