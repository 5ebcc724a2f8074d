// The instruction stream the kernel keeps after verifying an XDP program ("xlated"): the loaded program
// rewritten the way the 6.18 verifier rewrites it for an x86-64 JIT, loaded as root.
// Spec: kernel/bpf/verifier.c bpf_check → optimize_bpf_loop/inline_bpf_loop, opt_hard_wire_dead_code_branches,
// opt_remove_dead_code, opt_remove_nops (verifier_remove_insns, bpf_adj_linfo_after_remove),
// convert_ctx_accesses (net/core/filter.c xdp_convert_ctx_access), do_misc_fixups (div/mod guards,
// tail calls, map_gen_lookup of kernel/bpf/arraymap.c and hashtab.c, map ops, helper funcs),
// jit_subprogs (pseudo call off/imm, bpf_prog_calc_tag of each function); kernel/bpf/syscall.c
// bpf_insn_prepare_dump (map ids, tail_call shown as call #12); kernel/bpf/core.c bpf_adj_branches.

import { VerifierError } from "../errors.js";
import type { Insn } from "../isa/insn.js";
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_B, BPF_CALL, BPF_DIV, BPF_DW, BPF_EXIT, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE,
  BPF_JMP, BPF_JMP32, BPF_JNE, BPF_K, BPF_LD_IMM64, BPF_LDX, BPF_LSH, BPF_MEM, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG,
  BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE,
  BPF_ST, BPF_W, BPF_X, BPF_XOR, opClass, opCode, opSize, opSrc,
} from "../isa/opcodes.js";
import { computeInsnsTag } from "../loader/compute-tag.js";
import { MapType, type LineInfo, type ObjectSpec } from "../loader/types.js";
import type { ProgramFacts } from "../verifier/facts.js";
import { verifyProgram } from "../verifier/verify-program.js";
import {
  BPF_ARRAY_VALUE_OFF, CPU_NUMBER_PERCPU_IMM, HTAB_ELEM_KEY_OFF, JIFFIES_ADDR, HTAB_ELEM_LRU_REF_OFF, MAP_HELPER_OPS, NET_DEVICE_IFINDEX_OFF, XDP_BUFF,
  XDP_RXQ_INFO, XDP_TXQ_INFO, XSK_MAP_ARRAY_OFF, helperFunc, mapOpFunc, referenceCallImm,
} from "./kernel-layout.js";
import { mapId } from "./object-ids.js";

const BPF_REG_AX = 11;
const BPF_ADDR_PERCPU = -1;
const BPF_MAX_LOOPS = 1 << 23;
const E2BIG = 7;
const BPF_F_INNER_MAP = 0x1000;
const HELPER_TAIL_CALL = 12;
const HELPER_LOOP = 181;
const HELPER_GET_SMP_PROCESSOR_ID = 8;
const HELPER_JIFFIES64 = 118;
/** MODULES_VADDR on x86-64: jit_subprogs points pseudo-func ld_imm64 there while the tags are computed. */
const MODULES_VADDR = 0xffffffffc0000000n;

/** One instruction slot of the stream being rewritten. Jumps and calls refer to nodes, not offsets. */
interface Node {
  x: Insn;
  /** Index in the loaded program (-1: inserted by a rewrite). */
  orig: number;
  /** Jump / pseudo call / pseudo func target. */
  target?: Node;
  /** Second slot of an lddw. */
  second?: boolean;
  /** Kernel function a helper call was patched to (bpftool prints the symbol). */
  func?: string;
  line?: LineInfo;
  /** First instruction of subprogram #n (its func_info). */
  subprog?: number;
}

export interface XlatedSubprog {
  name: string;
  start: number;
  end: number;
  /** bpf_prog_<tag>_<name>: the kallsyms name bpftool prints for calls to it. */
  symbol: string;
}

export interface XlatedProgram {
  /** The rewritten instructions, as bpf_prog_info.xlated_prog_insns returns them (map ids in ld_imm64). */
  insns: Insn[];
  /** Kernel function per helper-call index (for the disassembler's call callback). */
  funcs: Map<number, string>;
  /** Line info by instruction index (after the kernel's adjustments). */
  lines: Map<number, LineInfo>;
  subprogs: XlatedSubprog[];
}

function ins(op: number, dst: number, src: number, off: number, imm: number): Insn {
  return { op, dst, src, off, imm };
}
const mov64Reg = (d: number, s: number) => ins(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0);
const mov32Reg = (d: number, s: number) => ins(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0);
const mov64Imm = (d: number, imm: number) => ins(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm);
const mov32Imm = (d: number, imm: number) => ins(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, imm);
const alu64Imm = (op: number, d: number, imm: number) => ins(BPF_ALU64 | op | BPF_K, d, 0, 0, imm);
const alu64Reg = (op: number, d: number, s: number) => ins(BPF_ALU64 | op | BPF_X, d, s, 0, 0);
const ldx = (size: number, d: number, s: number, off: number) => ins(BPF_LDX | BPF_MEM | size, d, s, off, 0);
const jmpImm = (op: number, d: number, imm: number, off: number) => ins(BPF_JMP | op | BPF_K, d, 0, off, imm);
const ja = (off: number) => ins(BPF_JMP | BPF_JA, 0, 0, off, 0);
const percpuMov = (d: number, s: number) => ins(BPF_ALU64 | BPF_MOV | BPF_X, d, s, BPF_ADDR_PERCPU, 0);
const stx = (size: number, d: number, s: number, off: number) => ins(0x03 | BPF_MEM | size, d, s, off, 0);
const stImm = (size: number, d: number, off: number, imm: number) => ins(BPF_ST | BPF_MEM | size, d, 0, off, imm);

function isJump(x: Insn): boolean {
  const c = opClass(x.op);
  return (c === BPF_JMP || c === BPF_JMP32) && opCode(x.op) !== BPF_CALL && opCode(x.op) !== BPF_EXIT;
}
const isGotol = (x: Insn) => x.op === (BPF_JMP32 | BPF_JA);
const isPseudoCall = (x: Insn) => x.op === (BPF_JMP | BPF_CALL) && x.src === BPF_PSEUDO_CALL;
const isHelperCall = (x: Insn) => x.op === (BPF_JMP | BPF_CALL) && x.src === 0;
const isPseudoFunc = (x: Insn) => x.op === BPF_LD_IMM64 && x.src === BPF_PSEUDO_FUNC;
const isMapLd = (x: Insn) => x.op === BPF_LD_IMM64 &&
  (x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_VALUE || x.src === BPF_PSEUDO_MAP_IDX || x.src === BPF_PSEUDO_MAP_IDX_VALUE);

/** insn_is_cond_jump. */
function isCondJump(x: Insn): boolean {
  const c = opClass(x.op);
  if (c === BPF_JMP32) return opCode(x.op) !== BPF_JA;
  if (c !== BPF_JMP) return false;
  const o = opCode(x.op);
  return o !== BPF_JA && o !== BPF_EXIT && o !== BPF_CALL;
}

/** Abstract value of a register for the map / callback tracking (aux->map_ptr_state, loop_inline_state). */
type Val = { map: number } | { inner: number } | { func: number } | { c: number } | "other";

/**
 * Which map r1 (r2 for bpf_tail_call) holds and which callback r2 holds at each helper call, on every
 * verified path: a forward dataflow over the instructions and branch sides the verifier walked.
 * A call that sees two different maps is "poisoned" (bpf_map_ptr_poisoned): its helper stays generic.
 */
interface CallArgs {
  mapReg: Val | "poison";
  cb: Val | "poison";
  flags: Val | "poison";
}

function trackCallArgs(insns: readonly Insn[], facts: ProgramFacts, starts: readonly number[]): Map<number, CallArgs> {
  const n = insns.length;
  const inState: (Val[] | undefined)[] = new Array(n);
  const join = (a: Val, b: Val): Val => (JSON.stringify(a) === JSON.stringify(b) ? a : "other");
  const work: number[] = [];
  const push = (i: number, st: Val[]) => {
    if (i < 0 || i >= n || !facts[i]?.visited) return;
    const cur = inState[i];
    if (!cur) { inState[i] = st.slice(); work.push(i); return; }
    let changed = false;
    for (let r = 0; r < st.length; r++) {
      const j = join(cur[r], st[r]);
      if (JSON.stringify(j) !== JSON.stringify(cur[r])) { cur[r] = j; changed = true; }
    }
    if (changed) work.push(i);
  };
  const blank = (): Val[] => new Array<Val>(12).fill("other");
  for (const s of starts) push(s, blank());
  const seenAt = new Map<number, { maps: Set<string>; cbs: Set<string>; flags: Set<string> }>();
  while (work.length) {
    const i = work.pop()!;
    const st = inState[i]!.slice();
    const x = insns[i];
    const cls = opClass(x.op);
    if (x.op === BPF_LD_IMM64) {
      if (x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_IDX) st[x.dst] = { map: x.imm };
      else if (x.src === BPF_PSEUDO_FUNC) st[x.dst] = { func: i + 1 + x.imm };
      else st[x.dst] = "other";
      push(i + 2, st);
      continue;
    }
    if (isHelperCall(x) || isPseudoCall(x)) {
      if (isHelperCall(x)) {
        const rec = seenAt.get(i) ?? { maps: new Set(), cbs: new Set(), flags: new Set() };
        rec.maps.add(JSON.stringify(st[x.imm === HELPER_TAIL_CALL ? 2 : 1]));
        rec.cbs.add(JSON.stringify(st[2]));
        rec.flags.add(JSON.stringify(st[4]));
        seenAt.set(i, rec);
      }
      const r1 = st[1];
      for (let r = 0; r <= 5; r++) st[r] = "other";
      // A lookup in a map of maps returns the inner map (its template is what the verifier knows).
      if (isHelperCall(x) && x.imm === 1 && typeof r1 === "object" && "map" in r1) st[0] = { inner: r1.map };
      push(i + 1, st);
      continue;
    }
    if (cls === BPF_JMP || cls === BPF_JMP32) {
      const o = opCode(x.op);
      if (o === BPF_EXIT) continue;
      const t = i + 1 + (isGotol(x) ? x.imm : x.off);
      if (o === BPF_JA) { push(t, st); continue; }
      const b = facts[i].branch;
      if (!b || b.taken) push(t, st);
      if (!b || b.fallthrough) push(i + 1, st);
      continue;
    }
    if (x.op === (BPF_ALU64 | BPF_MOV | BPF_X) && x.off === 0) st[x.dst] = st[x.src];
    else if (x.op === (BPF_ALU64 | BPF_MOV | BPF_K)) st[x.dst] = { c: x.imm | 0 };
    else if (x.op === (BPF_ALU | BPF_MOV | BPF_K) && x.off === 0) st[x.dst] = { c: x.imm >>> 0 };
    else if (cls === BPF_ALU64 || cls === BPF_ALU || cls === BPF_LDX) st[x.dst] = "other";
    else if (cls === 0x03 && (x.imm & 0x01) !== 0 && x.op >= 0xc0) st[x.src] = "other"; // atomic fetch
    else if (cls === 0x03 && x.imm === 0xf1) st[0] = "other"; // cmpxchg
    push(i + 1, st);
  }
  const out = new Map<number, CallArgs>();
  for (const [i, rec] of seenAt) {
    const one = (s: Set<string>): Val | "poison" => (s.size === 1 ? (JSON.parse([...s][0]) as Val) : "poison");
    out.set(i, { mapReg: one(rec.maps), cb: one(rec.cbs), flags: one(rec.flags) });
  }
  return out;
}

/** The rewriting machinery: a list of nodes with the kernel's patch / remove semantics. */
class Stream {
  nodes: Node[] = [];

  /** bpf_patch_insn_data: node at `at` becomes `patch` (internal jumps are relative inside the patch). */
  patch(at: number, patch: Insn[], keepOrigAt = -1): Node[] {
    const head = this.nodes[at];
    const created: Node[] = patch.map((x, k) => (k === 0 ? head : { x, orig: -1 }));
    head.x = patch[0];
    delete head.func;
    delete head.target;
    this.nodes.splice(at + 1, 0, ...created.slice(1));
    patch.forEach((x, k) => {
      if (k === keepOrigAt) return;
      if (isJump(x)) created[k].target = this.nodes[at + k + 1 + (isGotol(x) ? x.imm : x.off)];
    });
    return created;
  }

  /** verifier_remove_insns + bpf_adj_linfo_after_remove + adjust_subprog_starts_after_remove. */
  remove(at: number, cnt: number): void {
    const gone = this.nodes.slice(at, at + cnt);
    const next = this.nodes[at + cnt];
    const goneSet = new Set(gone);
    for (const n of this.nodes) if (n.target && goneSet.has(n.target)) n.target = next;
    const lastLine = [...gone].reverse().find((n) => n.line);
    if (next && lastLine && !next.line) next.line = lastLine.line;
    // A function that started in the removed range but goes on after it now starts after it
    // (a function removed whole disappears with its func_info).
    const firstSub = gone.find((n) => n.subprog !== undefined);
    if (next && firstSub && next.subprog === undefined) next.subprog = firstSub.subprog;
    this.nodes.splice(at, cnt);
  }
}

/** Round up to a multiple of 8. */
const roundUp8 = (v: number) => (v + 7) & ~7;

/**
 * Rewrite obj.programs[progIndex] as the kernel does before it is "xlated". Throws the verifier's
 * rejection (a program the kernel refuses has no xlated form).
 */
export function applyVerifierRewrites(obj: ObjectSpec, progIndex: number): XlatedProgram {
  const prog = obj.programs[progIndex];
  const vr = verifyProgram(obj, progIndex);
  if (!vr.ok) {
    const e = vr.error!;
    throw new VerifierError(`${obj.file}: ${prog.name}: the kernel would reject it, so it has no xlated form: ${e.message}`, e.insn);
  }
  const facts = vr.facts;
  const insns = prog.insns;
  const starts = prog.subprogs.map((s) => s.start);
  const args = trackCallArgs(insns, facts, starts);

  // Nodes of the loaded program.
  const s = new Stream();
  const byOrig: Node[] = [];
  insns.forEach((x, i) => {
    const n: Node = { x: { ...x }, orig: i };
    if (i > 0 && insns[i - 1].op === BPF_LD_IMM64 && !byOrig[i - 1].second) n.second = true;
    byOrig.push(n);
    s.nodes.push(n);
  });
  insns.forEach((x, i) => {
    const n = byOrig[i];
    if (n.second) return;
    if (isJump(x)) n.target = byOrig[i + 1 + (isGotol(x) ? x.imm : x.off)];
    else if (isPseudoCall(x) || isPseudoFunc(x)) n.target = byOrig[i + 1 + x.imm];
  });
  for (const l of prog.lineInfo) if (byOrig[l.insn] && !byOrig[l.insn].line) byOrig[l.insn].line = l;
  prog.subprogs.forEach((sp, k) => { byOrig[sp.start].subprog = k; });
  const seen = (n: Node): boolean => {
    if (n.orig < 0) return true;
    if (n.second) return facts[n.orig - 1]?.visited ?? false;
    return facts[n.orig]?.visited ?? false;
  };
  const subprogOfOrig = (i: number): number => {
    let k = 0;
    prog.subprogs.forEach((sp, j) => { if (sp.start <= i) k = j; });
    return k;
  };

  // optimize_bpf_loop: bpf_loop with a known callback and flags == 0 becomes a loop calling it directly.
  {
    for (let at = 0; at < s.nodes.length; at++) {
      const n = s.nodes[at];
      if (n.orig < 0 || !isHelperCall(n.x) || n.x.imm !== HELPER_LOOP || !seen(n)) continue;
      const a = args.get(n.orig);
      const r4 = facts[n.orig].regs[4];
      const flagsZero = r4?.value === 0n || (a !== undefined && typeof a.flags === "object" && "c" in a.flags && a.flags.c === 0);
      if (!a || a.cb === "poison" || a.cb === "other" || !("func" in a.cb) || !flagsZero) continue;
      const sub = subprogOfOrig(n.orig);
      const depth = vr.stackDepths[sub] ?? 0;
      const ext = 3 * 8 + (roundUp8(depth) - depth);
      const base = -(depth + ext);
      const [r6, r7, r8] = [base, base + 8, base + 16];
      const cb = byOrig[a.cb.func];
      const created = s.patch(at, [
        jmpImm(BPF_JLE, 1, BPF_MAX_LOOPS, 2), mov32Imm(0, -E2BIG), ja(16),
        stx(BPF_DW, 10, 6, r6), stx(BPF_DW, 10, 7, r7), stx(BPF_DW, 10, 8, r8),
        mov64Reg(6, 1), mov32Imm(7, 0), mov64Reg(8, 3),
        ins(BPF_JMP | BPF_JGE | BPF_X, 7, 6, 5, 0),
        mov64Reg(1, 7), mov64Reg(2, 8), ins(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0),
        alu64Imm(BPF_ADD, 7, 1), jmpImm(BPF_JEQ, 0, 0, -6), mov64Reg(0, 7),
        ldx(BPF_DW, 6, 10, r6), ldx(BPF_DW, 7, 10, r7), ldx(BPF_DW, 8, 10, r8),
      ]);
      created[12].target = cb;
      at += created.length - 1;
    }
  }

  // opt_hard_wire_dead_code_branches: a side of a conditional jump no path took becomes `goto` / `goto +0`.
  for (const n of s.nodes) {
    if (n.orig < 0 || n.second || !isCondJump(n.x)) continue;
    const fall = byOrig[n.orig + 1];
    if (fall && !seen(fall)) { n.x = ja(0); continue; /* target kept: goto the taken side */ }
    if (n.target && !seen(n.target)) { n.x = ja(0); n.target = fall; }
  }
  // opt_remove_dead_code: every run of instructions no path reached.
  for (let at = 0; at < s.nodes.length; at++) {
    let j = 0;
    while (at + j < s.nodes.length && !seen(s.nodes[at + j])) j++;
    if (j) s.remove(at, j);
  }
  // opt_remove_nops: `goto +0` (exactly BPF_JMP_IMM(BPF_JA, 0, 0, 0)).
  for (let at = 0; at < s.nodes.length; at++) {
    const n = s.nodes[at];
    if (n.x.op === (BPF_JMP | BPF_JA) && n.x.dst === 0 && n.x.src === 0 && n.x.imm === 0 && n.target === s.nodes[at + 1]) {
      s.remove(at, 1);
      at--;
    }
  }

  // convert_ctx_accesses: xdp_md field loads become xdp_buff loads (xdp_convert_ctx_access).
  for (let at = 0; at < s.nodes.length; at++) {
    const n = s.nodes[at];
    if (n.orig < 0 || opClass(n.x.op) !== BPF_LDX || facts[n.orig].mem?.region !== "ctx") continue;
    const d = n.x.dst;
    const src = n.x.src;
    let patch: Insn[];
    switch (n.x.off) {
      case 0: patch = [ldx(BPF_DW, d, src, XDP_BUFF.data)]; break;
      case 4: patch = [ldx(BPF_DW, d, src, XDP_BUFF.data_end)]; break;
      case 8: patch = [ldx(BPF_DW, d, src, XDP_BUFF.data_meta)]; break;
      case 12: patch = [ldx(BPF_DW, d, src, XDP_BUFF.rxq), ldx(BPF_DW, d, d, XDP_RXQ_INFO.dev), ldx(BPF_W, d, d, NET_DEVICE_IFINDEX_OFF)]; break;
      case 16: patch = [ldx(BPF_DW, d, src, XDP_BUFF.rxq), ldx(BPF_W, d, d, XDP_RXQ_INFO.queue_index)]; break;
      case 20: patch = [ldx(BPF_DW, d, src, XDP_BUFF.txq), ldx(BPF_DW, d, d, XDP_TXQ_INFO.dev), ldx(BPF_W, d, d, NET_DEVICE_IFINDEX_OFF)]; break;
      default: continue;
    }
    at += s.patch(at, patch).length - 1;
  }

  // do_misc_fixups.
  for (let at = 0; at < s.nodes.length; at++) {
    const n = s.nodes[at];
    const x = n.x;
    const cls = opClass(x.op);
    if ((cls === BPF_ALU || cls === BPF_ALU64) && (opCode(x.op) === BPF_DIV || opCode(x.op) === BPF_MOD)) {
      const is64 = cls === BPF_ALU64;
      const alu = is64 ? BPF_ALU64 : BPF_ALU;
      const jc = is64 ? BPF_JMP : BPF_JMP32;
      const isdiv = opCode(x.op) === BPF_DIV;
      let patch: Insn[] | null = null;
      let keep = -1;
      if (opSrc(x.op) === BPF_K) {
        // Make sdiv/smod by -1 impossible to fault.
        if (x.off === 1 && x.imm === -1) patch = [isdiv ? ins(alu | BPF_NEG | BPF_K, x.dst, 0, 0, 0) : mov32Imm(x.dst, 0)];
      } else if (x.off === 1 && isdiv) {
        patch = [mov64Reg(BPF_REG_AX, x.src), ins(alu | BPF_ADD | BPF_K, BPF_REG_AX, 0, 0, 1), ins(jc | BPF_JGT | BPF_K, BPF_REG_AX, 0, 4, 1),
          ins(jc | BPF_JEQ | BPF_K, BPF_REG_AX, 0, 1, 0), ins(alu | BPF_MOV | BPF_K, x.dst, 0, 0, 0), ins(alu | BPF_NEG | BPF_K, x.dst, 0, 0, 0),
          ja(1), { ...x }];
        keep = 7;
      } else if (x.off === 1) {
        patch = [mov64Reg(BPF_REG_AX, x.src), ins(alu | BPF_ADD | BPF_K, BPF_REG_AX, 0, 0, 1), ins(jc | BPF_JGT | BPF_K, BPF_REG_AX, 0, 3, 1),
          ins(jc | BPF_JEQ | BPF_K, BPF_REG_AX, 0, 3 + (is64 ? 0 : 1), 1), mov32Imm(x.dst, 0), ja(1), { ...x }];
        keep = 6;
        if (!is64) patch.push(ja(1), mov32Reg(x.dst, x.dst));
      } else if (isdiv) {
        patch = [ins(jc | BPF_JNE | BPF_K, x.src, 0, 2, 0), ins(BPF_ALU | BPF_XOR | BPF_X, x.dst, x.dst, 0, 0), ja(1), { ...x }];
        keep = 3;
      } else {
        patch = [ins(jc | BPF_JEQ | BPF_K, x.src, 0, 1 + (is64 ? 0 : 1), 0), { ...x }];
        keep = 1;
        if (!is64) patch.push(ja(1), mov32Reg(x.dst, x.dst));
      }
      if (patch) at += s.patch(at, patch, keep).length - 1;
      continue;
    }
    if (!isHelperCall(x) || n.orig < 0) continue;
    const id = x.imm;
    if (id === HELPER_TAIL_CALL) { n.func = "bpf_tail_call"; continue; }
    const op = MAP_HELPER_OPS[id];
    const a = args.get(n.orig);
    const mr = a?.mapReg;
    const m = typeof mr !== "object" ? undefined : "map" in mr ? obj.maps[mr.map] : "inner" in mr ? obj.maps[mr.inner].innerMap : undefined;
    if (op !== undefined && m) {
      if (op === "lookup") {
        const gen = genLookup(m.type, m.keySize, m.valueSize, m.maxEntries, m.flags);
        if (gen) {
          const created = s.patch(at, gen.insns);
          if (gen.call !== undefined) created[gen.call].func = "__htab_map_lookup_elem";
          at += created.length - 1;
          continue;
        }
      }
      const f = mapOpFunc(m.type, op);
      if (f) { n.func = f; continue; }
    }
    if (id === HELPER_GET_SMP_PROCESSOR_ID) {
      // Inlined on x86-64: r0 = this CPU's cpu_number.
      at += s.patch(at, [mov64Imm(0, CPU_NUMBER_PERCPU_IMM), percpuMov(0, 0), ldx(BPF_W, 0, 0, 0)]).length - 1;
      continue;
    }
    if (id === HELPER_JIFFIES64) {
      // Inlined on 64-bit: r0 = jiffies.
      const lo = Number(BigInt.asIntN(32, JIFFIES_ADDR & 0xffffffffn));
      const hi = Number(BigInt.asIntN(32, JIFFIES_ADDR >> 32n));
      const created = s.patch(at, [ins(BPF_LD_IMM64, 0, 0, 0, lo), ins(0, 0, 0, 0, hi), ldx(BPF_DW, 0, 0, 0)]);
      created[1].second = true;
      at += created.length - 1;
      continue;
    }
    const f = helperFunc(id);
    if (f) n.func = f;
  }

  return layout(s, prog.subprogs.map((sp) => sp.name));
}

/** The map's map_gen_lookup sequence (array, percpu array, hash, percpu hash, LRU hash, XSKMAP, maps of maps), or null. */
function genLookup(type: number, keySize: number, valueSize: number, maxEntries: number, flags: number): { insns: Insn[]; call?: number } | null {
  const call = ins(BPF_JMP | BPF_CALL, 0, 0, 0, 0);
  const keyOff = HTAB_ELEM_KEY_OFF + roundUp8(keySize);
  switch (type) {
    case MapType.ARRAY: {
      if (flags & BPF_F_INNER_MAP) return null;
      const elem = roundUp8(valueSize);
      const pow2 = (elem & (elem - 1)) === 0;
      return {
        insns: [alu64Imm(BPF_ADD, 1, BPF_ARRAY_VALUE_OFF), ldx(BPF_W, 0, 2, 0), jmpImm(BPF_JGE, 0, maxEntries, 3),
          pow2 ? alu64Imm(BPF_LSH, 0, Math.log2(elem)) : alu64Imm(BPF_MUL, 0, elem), alu64Reg(BPF_ADD, 0, 1), ja(1), mov64Imm(0, 0)],
      };
    }
    case MapType.PERCPU_ARRAY:
      if (flags & BPF_F_INNER_MAP) return null;
      return {
        insns: [alu64Imm(BPF_ADD, 1, BPF_ARRAY_VALUE_OFF), ldx(BPF_W, 0, 2, 0), jmpImm(BPF_JGE, 0, maxEntries, 5),
          alu64Imm(BPF_LSH, 0, 3), alu64Reg(BPF_ADD, 0, 1), ldx(BPF_DW, 0, 0, 0), percpuMov(0, 0), ja(1), mov64Imm(0, 0)],
      };
    case MapType.HASH:
      return { insns: [call, jmpImm(BPF_JEQ, 0, 0, 1), alu64Imm(BPF_ADD, 0, keyOff)], call: 0 };
    case MapType.PERCPU_HASH:
      return { insns: [call, jmpImm(BPF_JEQ, 0, 0, 3), alu64Imm(BPF_ADD, 0, keyOff), ldx(BPF_DW, 0, 0, 0), percpuMov(0, 0)], call: 0 };
    case MapType.LRU_HASH:
      return {
        insns: [call, jmpImm(BPF_JEQ, 0, 0, 4), ins(BPF_LDX | BPF_MEM | BPF_B, 1, 0, HTAB_ELEM_LRU_REF_OFF, 0), jmpImm(BPF_JNE, 1, 0, 1),
          stImm(BPF_B, 0, HTAB_ELEM_LRU_REF_OFF, 1), alu64Imm(BPF_ADD, 0, keyOff)],
        call: 0,
      };
    case MapType.HASH_OF_MAPS:
      return { insns: [call, jmpImm(BPF_JEQ, 0, 0, 2), alu64Imm(BPF_ADD, 0, keyOff), ldx(BPF_DW, 0, 0, 0)], call: 0 };
    case MapType.XSKMAP:
      return {
        insns: [ldx(BPF_W, 0, 2, 0), jmpImm(BPF_JGE, 0, maxEntries, 5), alu64Imm(BPF_LSH, 0, 3), alu64Imm(BPF_ADD, 1, XSK_MAP_ARRAY_OFF),
          alu64Reg(BPF_ADD, 0, 1), ldx(BPF_DW, 0, 0, 0), ja(1), mov64Imm(0, 0)],
      };
    case MapType.ARRAY_OF_MAPS: {
      const elem = roundUp8(valueSize);
      const pow2 = (elem & (elem - 1)) === 0;
      return {
        insns: [alu64Imm(BPF_ADD, 1, BPF_ARRAY_VALUE_OFF), ldx(BPF_W, 0, 2, 0), jmpImm(BPF_JGE, 0, maxEntries, 5),
          pow2 ? alu64Imm(BPF_LSH, 0, Math.log2(elem)) : alu64Imm(BPF_MUL, 0, elem), alu64Reg(BPF_ADD, 0, 1),
          ldx(BPF_DW, 0, 0, 0), jmpImm(BPF_JEQ, 0, 0, 1), ja(1), mov64Imm(0, 0)],
      };
    }
    default:
      return null;
  }
}

/** Final offsets, jit_subprogs' call fields, map ids (bpf_insn_prepare_dump) and function symbols. */
function layout(s: Stream, names: readonly string[]): XlatedProgram {
  const index = new Map<Node, number>();
  s.nodes.forEach((n, i) => index.set(n, i));
  const starts: { k: number; at: number }[] = [];
  s.nodes.forEach((n, i) => { if (n.subprog !== undefined) starts.push({ k: n.subprog, at: i }); });
  starts.sort((a, b) => a.at - b.at);
  const subIndexAt = (i: number) => starts.findIndex((st) => st.at === i);
  const out: Insn[] = s.nodes.map((n) => ({ ...n.x }));
  const funcs = new Map<number, string>();
  const lines = new Map<number, LineInfo>();
  s.nodes.forEach((n, i) => {
    const x = out[i];
    if (n.line) lines.set(i, n.line);
    if (n.target) {
      const rel = index.get(n.target)! - i - 1;
      if (isPseudoCall(x)) { x.off = rel; x.imm = subIndexAt(index.get(n.target)!); }
      else if (isPseudoFunc(x)) { x.imm = rel; x.off = 0; out[i + 1].imm = subIndexAt(index.get(n.target)!); }
      else if (isGotol(x)) x.imm = rel;
      else x.off = rel;
    }
    if (n.func !== undefined) {
      funcs.set(i, n.func);
      x.imm = n.func === "bpf_tail_call" ? HELPER_TAIL_CALL : referenceCallImm(n.func);
    }
  });
  // Tags of each function as jit_subprogs computes them: pseudo calls still off = subprog, imm = 1;
  // pseudo-func lddw pointing at MODULES_VADDR; map lddw immediates zeroed by bpf_prog_calc_tag.
  const forTag = out.map((x, i) => {
    const y = { ...x };
    if (isPseudoCall(y)) { y.off = y.imm; y.imm = 1; }
    if (isPseudoFunc(y)) {
      y.off = subIndexAt(index.get(s.nodes[i].target!)!);
      y.imm = Number(BigInt.asIntN(32, MODULES_VADDR & 0xffffffffn));
    }
    if (i > 0 && isPseudoFunc(out[i - 1])) y.imm = Number(BigInt.asIntN(32, MODULES_VADDR >> 32n));
    if (isMapLd(y) && y.src === BPF_PSEUDO_MAP_IDX) y.src = BPF_PSEUDO_MAP_FD;
    return y;
  });
  const subprogs: XlatedSubprog[] = starts.map((st, k) => {
    const end = starts[k + 1]?.at ?? out.length;
    const name = names[st.k] ?? `F${k}`;
    return { name, start: st.at, end, symbol: `bpf_prog_${computeInsnsTag(forTag.slice(st.at, end))}_${name}` };
  });
  // bpf_insn_prepare_dump: map references carry the map id (and the value offset in the second slot).
  out.forEach((x, i) => {
    if (x.op !== BPF_LD_IMM64 || s.nodes[i].second) return;
    if (x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_IDX) { x.src = BPF_PSEUDO_MAP_FD; x.imm = mapId(x.imm); out[i + 1].imm = 0; }
    else if (x.src === BPF_PSEUDO_MAP_VALUE || x.src === BPF_PSEUDO_MAP_IDX_VALUE) { x.src = BPF_PSEUDO_MAP_VALUE; x.imm = mapId(x.imm); }
  });
  return { insns: out, funcs, lines, subprogs };
}

