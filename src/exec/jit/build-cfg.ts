// Splits a linked program image into basic blocks and functions (entry + the blocks its jumps
// reach); computes reverse postorder, dominators, loop headers and merge nodes for structuring.
// Control flow per RFC 9669 §4.3 (jumps, calls, exit); structuring after Ramsey, "Beyond Relooper" (2022).

import { OP_LDDW_FUNC, type DecodedProgram } from "./decode-insns.js";
import { classifyInsn, Flow } from "./classify-insn.js";

export const enum TermKind {
  /** Falls into block `next` (the next instruction is a leader). */
  Fall = 0,
  /** ja / gotol to `next`. */
  Jump = 1,
  /** Conditional: `taken` or `next`. */
  Branch = 2,
  Exit = 3,
  /** Executing the terminator faults (invalid opcode); `insn` says which. */
  Invalid = 4,
  /** Synthetic block: the program counter left the image (`start` is that slot). */
  OutOfRange = 5,
}

export interface Block {
  /** Index in Cfg.blocks. */
  id: number;
  /** Slot of the first instruction (for OutOfRange blocks: the slot control went to). */
  start: number;
  /** Slots of the instructions, in order (an lddw appears once, by its first slot). */
  insns: number[];
  term: TermKind;
  /** Slot of the terminating instruction (Jump/Branch/Exit/Invalid), else -1. */
  termInsn: number;
  /** Successor block ids: Fall/Jump: [next]; Branch: [taken, next]; others: []. */
  succs: number[];
}

export interface CfgFunction {
  /** Entry slot. */
  entry: number;
  /** Block ids reachable from the entry by jumps/fall-through, in reverse postorder (entry first). */
  rpo: number[];
  /** rpoIndex.get(blockId) = position in rpo. */
  rpoIndex: Map<number, number>;
  /** Immediate dominator per block id (entry: itself). */
  idom: Map<number, number>;
  /** Dominator-tree children per block id, in rpo order. */
  children: Map<number, number[]>;
  /** Targets of back edges. */
  loopHeaders: Set<number>;
  /** Blocks with two or more forward in-edges. */
  mergeNodes: Set<number>;
  /** False when a retreating edge targets a block that does not dominate its source. */
  reducible: boolean;
}

export interface Cfg {
  prog: DecodedProgram;
  blocks: Block[];
  /** Block id by its start slot. */
  blockAt: Map<number, number>;
  /**
   * Function entry slots: 0, local-call targets (even out of range: such a "function" is one
   * OutOfRange block), BPF_PSEUDO_FUNC targets in range, and extra entries asked for.
   */
  entries: number[];
  /** Entries reached by local calls or BPF_PSEUDO_FUNC pointers (not only from outside). */
  calledEntries: Set<number>;
  functions: Map<number, CfgFunction>;
}

/** Build the CFG of `insns`; `extraEntries` adds function entries (e.g. callback targets seen at run time). */
export function buildCfg(prog: DecodedProgram, extraEntries: readonly number[] = []): Cfg {
  const n = prog.len;
  const leaders = new Set<number>();
  const entries: number[] = [];
  const calledEntries = new Set<number>();
  const addEntry = (pc: number): void => {
    if (!entries.includes(pc)) entries.push(pc);
    leaders.add(pc);
  };
  addEntry(0);
  for (const e of extraEntries) addEntry(e);

  // Pass 1: discover leaders by decoding from every leader up to its terminator.
  const scanned = new Set<number>();
  const work = [...leaders];
  const push = (pc: number): void => {
    if (!leaders.has(pc)) {
      leaders.add(pc);
      work.push(pc);
    }
  };
  while (work.length) {
    let pc = work.pop()!;
    while (pc >= 0 && pc < n && !scanned.has(pc)) {
      scanned.add(pc);
      const c = classifyInsn(prog, pc);
      if (c.flow === Flow.Call && c.local === true) {
        calledEntries.add(c.target);
        if (!entries.includes(c.target)) entries.push(c.target);
        push(c.target);
      }
      if (prog.op[pc] === OP_LDDW_FUNC) {
        const t = pc + 1 + prog.imm[pc];
        calledEntries.add(t);
        if (t >= 0 && t < n && !entries.includes(t)) {
          entries.push(t);
          push(t);
        }
      }
      if (c.flow === Flow.Jump) { push(c.target); break; }
      if (c.flow === Flow.Branch) { push(c.target); push(pc + 1); break; }
      if (c.flow === Flow.Exit || c.flow === Flow.Invalid) break;
      pc += c.size;
    }
    if (pc >= n || pc < 0) leaders.add(pc);
  }

  // Pass 2: one block per leader, ending at a terminator or before the next leader.
  const blocks: Block[] = [];
  const blockAt = new Map<number, number>();
  const sorted = [...leaders].sort((a, b) => a - b);
  for (const s of sorted) {
    blockAt.set(s, blocks.length);
    blocks.push({ id: blocks.length, start: s, insns: [], term: TermKind.OutOfRange, termInsn: -1, succs: [] });
  }
  const blockOf = (pc: number): number => {
    let id = blockAt.get(pc);
    if (id === undefined) {
      id = blocks.length;
      blockAt.set(pc, id);
      blocks.push({ id, start: pc, insns: [], term: TermKind.OutOfRange, termInsn: -1, succs: [] });
    }
    return id;
  };
  for (const s of sorted) {
    const b = blocks[blockAt.get(s)!];
    if (s < 0 || s >= n) continue;
    let pc = s;
    for (;;) {
      if (pc >= n) {
        b.term = TermKind.Fall;
        b.succs = [blockOf(pc)];
        break;
      }
      const c = classifyInsn(prog, pc);
      b.insns.push(pc);
      if (c.flow === Flow.Jump) {
        b.term = TermKind.Jump; b.termInsn = pc; b.succs = [blockOf(c.target)];
        break;
      }
      if (c.flow === Flow.Branch) {
        b.term = TermKind.Branch; b.termInsn = pc; b.succs = [blockOf(c.target), blockOf(pc + 1)];
        break;
      }
      if (c.flow === Flow.Exit) { b.term = TermKind.Exit; b.termInsn = pc; break; }
      if (c.flow === Flow.Invalid) { b.term = TermKind.Invalid; b.termInsn = pc; break; }
      pc += c.size;
      if (leaders.has(pc)) {
        b.term = TermKind.Fall;
        b.succs = [blockOf(pc)];
        break;
      }
    }
  }

  const cfg: Cfg = { prog, blocks, blockAt, entries, calledEntries, functions: new Map() };
  for (const e of entries) cfg.functions.set(e, analyzeFunction(cfg, blockAt.get(e)!, e));
  return cfg;
}

/** Reverse postorder, dominators (Cooper–Harvey–Kennedy), loops and merge nodes of one function. */
function analyzeFunction(cfg: Cfg, entryBlock: number, entry: number): CfgFunction {
  const blocks = cfg.blocks;
  // Iterative DFS for postorder.
  const post: number[] = [];
  const seen = new Set<number>([entryBlock]);
  const stack: { b: number; i: number }[] = [{ b: entryBlock, i: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const succs = blocks[top.b].succs;
    if (top.i < succs.length) {
      const s = succs[top.i++];
      if (!seen.has(s)) {
        seen.add(s);
        stack.push({ b: s, i: 0 });
      }
    } else {
      post.push(top.b);
      stack.pop();
    }
  }
  const rpo = post.reverse();
  const rpoIndex = new Map<number, number>();
  rpo.forEach((b, i) => rpoIndex.set(b, i));

  const preds = new Map<number, number[]>();
  for (const b of rpo) preds.set(b, []);
  for (const b of rpo) for (const s of blocks[b].succs) preds.get(s)!.push(b);

  // Dominators.
  const idom = new Map<number, number>([[entryBlock, entryBlock]]);
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (rpoIndex.get(a)! > rpoIndex.get(b)!) a = idom.get(a)!;
      while (rpoIndex.get(b)! > rpoIndex.get(a)!) b = idom.get(b)!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const b of rpo) {
      if (b === entryBlock) continue;
      let d = -1;
      for (const p of preds.get(b)!) {
        if (!idom.has(p)) continue;
        d = d < 0 ? p : intersect(p, d);
      }
      if (d >= 0 && idom.get(b) !== d) {
        idom.set(b, d);
        changed = true;
      }
    }
  }
  const dominates = (a: number, b: number): boolean => {
    for (;;) {
      if (a === b) return true;
      const up = idom.get(b)!;
      if (up === b) return false;
      b = up;
    }
  };

  const children = new Map<number, number[]>();
  for (const b of rpo) children.set(b, []);
  for (const b of rpo) if (b !== entryBlock) children.get(idom.get(b)!)!.push(b);

  const loopHeaders = new Set<number>();
  const mergeNodes = new Set<number>();
  let reducible = true;
  const forwardIn = new Map<number, number>();
  for (const b of rpo) {
    for (const s of blocks[b].succs) {
      if (rpoIndex.get(s)! <= rpoIndex.get(b)!) {
        loopHeaders.add(s);
        if (!dominates(s, b)) reducible = false;
      } else {
        forwardIn.set(s, (forwardIn.get(s) ?? 0) + 1);
      }
    }
  }
  for (const [b, k] of forwardIn) if (k >= 2) mergeNodes.add(b);
  return { entry, rpo, rpoIndex, idom, children, loopHeaders, mergeNodes, reducible };
}
