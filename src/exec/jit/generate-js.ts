// Generates the JS source of one program: a function per BPF function (entry + reachable blocks) with
// registers as int32 locals, structured control flow (labeled blocks/loops; a dispatch loop only for
// irreducible functions), per-segment budget charges, calls and exits. RFC 9669 §4–§5.

import { helperName } from "../../isa/helper-names.js";
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from "../../isa/opcodes.js";
import { REGION_STACK } from "../../runtime/memory.js";
import { HELPER_TABLE } from "../../runtime/helpers/helper-table.js";
import type { Runtime } from "../../runtime/runtime.js";
import { OP_CALL_KFUNC, OP_CALL_LOCAL, type DecodedProgram } from "./decode-insns.js";
import { TermKind, type Block, type Cfg, type CfgFunction } from "./build-cfg.js";
import type { Liveness } from "./compute-liveness.js";
import { emitCondition, emitInsn, type InsnEnv } from "./emit-insn.js";
import type { InlineLookup } from "./plan-inline-helpers.js";
import type { JitFacts } from "./types.js";
import { CALLBACK_HELPERS as CALLBACK_LIST } from "./compute-max-path.js";

/** Everything a compiled module needs besides its source. */
export interface ProgramSource {
  /** Body of `new Function("E", source)`; returns the entry adapters in `entries` order. */
  source: string;
  /** Fault messages by index (FT(k, insn) in the source). */
  messages: string[];
  /** Budget segments: instruction slots charged together (bs = index in the source). */
  segments: number[][];
  /** Function entry slots; the factory returns `enter(dep, A)` adapters in this order. */
  entries: number[];
  /** Helper ids bound as H<id>. */
  helpers: number[];
  /** Map slots whose value region is bound as MV<m>. */
  maps: number[];
  /** Map slots whose map object is bound as MP<m>. */
  mapObjects: number[];
}

export interface GenerateInput {
  rt: Runtime;
  prog: DecodedProgram;
  /** Index into rt.obj.programs (names the main function prog_<i>). */
  progIndex: number;
  cfg: Cfg;
  live: Liveness;
  facts: JitFacts;
  /** Helper calls done directly on a map (plan-inline-helpers.ts). */
  inline: ReadonlyMap<number, InlineLookup>;
  /** Module id written to ST.cur before helper calls (callbacks find the program by it). */
  modId: number;
  /** Outlining threshold (JitOptions.outlineAbove). */
  outlineAbove?: number;
  /**
   * Longest path per function entry (compute-max-path.ts) when the program is loop-free: the code then
   * only counts the budget (no checks, no budget tails) and each entry adapter hands the call to
   * `E.slow(k, dep, A)` (the checked module's k-th entry) when less than that path is left.
   */
  maxPaths?: ReadonlyMap<number, number>;
}

const NREG = 11;
/** Helper id of bpf_tail_call. */
const HELPER_TAIL_CALL = 12;
/**
 * Helpers that may run BPF code (rt.callback) and so spend instruction budget: bpf_for_each_map_elem,
 * bpf_timer_set_callback, bpf_find_vma, bpf_loop, bpf_user_ringbuf_drain. Only around these, replaced
 * helpers and callx is the budget handed over through rt.budget.
 */
const CALLBACK_HELPERS = CALLBACK_LIST;
/** Cached views of the packet and stack regions (re-read after every call: helpers could replace them). */
const VIEW_INIT = "PV = PR.dv, PB = PR.bytes, SV = SR.dv, SB = SR.bytes";
/** Replaced, once a function is written, by the refresh of the views it uses (or nothing). */
const VIEW_REFRESH_MARK = "/*views*/";

/** The names the module prologue binds from its environment object E (see compile-program.ts). */
export const PROLOGUE = [
  `"use strict";`,
  `const rt = E.rt, SLOW = E.slow, ST = E.st, HI = E.hi, PR = E.pr, SR = E.sr, X = E.xdp, FT = E.ft, BT = E.bt, SP = E.sp, CX = E.cx, RX = E.rx, RG = E.rg, RF = E.rf;`,
  `const { ldb, ldh, ldw, ldd, ldsb, ldsh, ldsw, stb, sth, stw, std, atomic } = E.mem;`,
  `const mulhu = E.mulhu, udivmod64 = E.udivmod64, sdivmod64 = E.sdivmod64;`,
].join("\n");

/** Source of a module's binding of helpers, map value regions and map objects. */
function bindings(helpers: number[], maps: number[], mapObjects: number[] = []): string {
  const out: string[] = [];
  for (const h of helpers) out.push(`const H${h} = E.helpers[${h}];`);
  for (const m of maps) out.push(`const MV${m} = E.maps[${m}].valueRegion;`);
  for (const m of mapObjects) out.push(`const MP${m} = E.maps[${m}];`);
  return out.join("\n");
}

/** The instruction at slot i writes its dst register (so `dst = 10` changes r10). */
function writesDst(p: DecodedProgram, i: number): boolean {
  const op = p.op[i];
  const cls = op & 0x07;
  return cls === 0x04 || cls === 0x07 || cls === 0x01 || (cls === 0x00 && (op & 0xff) === 0x18) ||
    (cls === 0x03 && (op & 0xe0) === 0xc0 && p.imm[i] === 0x100);
}

/** The program has a bpf_tail_call or callx (rt.budget must stay exact for the target; ST.tail may be set). */
function makesTailCalls(p: DecodedProgram): boolean {
  for (let i = 0; i < p.len; i++) if ((p.op[i] === 0x85 && p.imm[i] === HELPER_TAIL_CALL) || p.op[i] === 0x8d) return true;
  return false;
}

/**
 * The program may run callbacks (rt.callback reads ST.cur / ST.curDep): callx, a callback helper or a
 * helper replaced in rt.helpers.
 */
function mayCallBack(p: DecodedProgram, rt: Runtime): boolean {
  for (let i = 0; i < p.len; i++) {
    if (p.op[i] === 0x8d) return true;
    if (p.op[i] !== 0x85) continue;
    const id = p.imm[i];
    const h = id >= 0 ? rt.helpers[id] : undefined;
    if (h !== undefined && (CALLBACK_HELPERS.has(id) || h !== HELPER_TABLE[id])) return true;
  }
  return false;
}

/** Name of the JS function for a function entry. */
export function functionName(progIndex: number, entry: number): string {
  if (entry === 0) return `prog_${progIndex}`;
  return entry >= 0 ? `subprog_${entry}` : `subprog_m${-entry}`;
}

function label(prefix: string, b: Block): string {
  return b.start >= 0 ? `${prefix}${b.start}` : `${prefix}m${-b.start}`;
}

/** Shared state of one module's generation. */
class ModuleBuilder {
  readonly messages: string[] = [];
  private readonly messageIndex = new Map<string, number>();
  readonly segments: number[][] = [];
  readonly helpers = new Set<number>();
  readonly maps = new Set<number>();
  readonly mapObjects = new Set<number>();
  /** ST.tail can be set during a run of this module (else local calls need not test it). */
  readonly tails: boolean;
  /** Callbacks can run (else ST.cur / ST.curDep need not be kept). */
  readonly callbacks: boolean;
  constructor(readonly input: GenerateInput) {
    this.tails = makesTailCalls(input.prog);
    this.callbacks = mayCallBack(input.prog, input.rt);
  }

  message(text: string): number {
    let k = this.messageIndex.get(text);
    if (k === undefined) {
      k = this.messages.length;
      this.messages.push(text);
      this.messageIndex.set(text, k);
    }
    return k;
  }

  /** Instruction environment with registers named by `lo`/`hi`. */
  env(lo: (n: number) => string, hi: (n: number) => string): InsnEnv {
    const self = this;
    return {
      rt: this.input.rt,
      prog: this.input.prog,
      facts: this.input.facts,
      lo,
      hi,
      message: (t) => self.message(t),
      mapRegion(m) {
        self.maps.add(m);
        return `MV${m}`;
      },
    };
  }
}

const localLo = (n: number): string => `r${n}l`;
const localHi = (n: number): string => `r${n}h`;

/** Generate one program's module source. */
export function generateProgram(input: GenerateInput): ProgramSource {
  const mb = new ModuleBuilder(input);
  const parts: string[] = [];
  const entries = [...input.cfg.entries];
  for (const e of entries) parts.push(new FunctionWriter(mb, input.cfg.functions.get(e)!).write());
  const adapters: string[] = [];
  entries.forEach((e, k) => {
    const name = functionName(input.progIndex, e);
    const mask = input.live.liveIn.get(e) ?? 0;
    const args = ["dep", "A"];
    for (let n = 0; n < 10; n++) if ((mask >> n) & 1) args.push(`A[${2 * n}] | 0`, `A[${2 * n + 1}] | 0`);
    const path = input.maxPaths?.get(e);
    // Unchecked code is only entered with budget for its longest path; else the checked module runs.
    const guard = path === undefined ? "" : `if (rt.budget < ${path}) { SLOW(${k}, dep, A); return; } `;
    adapters.push(`function enter_${name}(dep, A) { ${guard}${name}(${args.join(", ")}); }`);
  });
  const helpers = [...mb.helpers].sort((a, b) => a - b);
  const maps = [...mb.maps].sort((a, b) => a - b);
  const mapObjects = [...mb.mapObjects].sort((a, b) => a - b);
  const source = [
    PROLOGUE,
    bindings(helpers, maps, mapObjects),
    ...parts,
    ...adapters,
    `return [${entries.map((e) => `enter_${functionName(input.progIndex, e)}`).join(", ")}];`,
  ].join("\n");
  return { source, messages: mb.messages, segments: mb.segments, entries, helpers, maps, mapObjects };
}

/**
 * Source of a budget-tail stepper (body of `new Function("E", source)` returning `step(R, k)`): runs the
 * first k instructions of a segment on registers held in R (Int32Array, r_n = R[2n], R[2n+1]).
 */
export function generateStepper(input: GenerateInput, slots: readonly number[], helpers: number[], maps: number[]): { source: string; messages: string[] } {
  const mb = new ModuleBuilder(input);
  const env = mb.env((n) => `R[${2 * n}]`, (n) => `R[${2 * n + 1}]`);
  const body: string[] = [];
  // k < slots.length: the segment's last instruction (the only call/jump/exit in it) never runs here.
  slots.slice(0, -1).forEach((i, k) => {
    body.push(`if (k === ${k}) return;`);
    body.push(`${emitInsn(env, i)} // insn #${i}`);
  });
  const source = [
    PROLOGUE,
    bindings(helpers, [...new Set([...maps, ...mb.maps])]),
    `return function step(R, k) {`,
    `  let t = 0, u = 0, v = 0, ${VIEW_INIT};`,
    ...body.map((l) => "  " + l),
    `};`,
  ].join("\n");
  return { source, messages: mb.messages };
}

/**
 * Largest amount of code (characters of statements, comments and indentation excluded) one JS function
 * may get before parts of it are outlined: V8 optimises no function over 60 KB of bytecode (about 1.2
 * bytes of bytecode per character of this code, measured on the example firewall).
 */
const FUNCTION_CODE_LIMIT = 30000;
/** Outlined parts are made about this big (fewer parts: fewer register transfers). */
const PART_TARGET = 20000;
/**
 * The same for code without budget checks, in units of the size estimate: the example firewall
 * (estimate 80,335) compiles to 50.7 KB of bytecode unchecked (63.8 KB checked), V8 of node 20 — so
 * unchecked functions up to ~88,000 stay optimisable with ~10% margin.
 */
const UNCHECKED_CODE_LIMIT = 88000;
const UNCHECKED_PART_TARGET = 50000;

const INDENTS: string[] = [];
function indent(depth: number): string {
  return (INDENTS[depth] ??= "  ".repeat(depth));
}

/** Where code is being written: the function itself or one outlined part. */
interface EmitContext {
  out: string[];
  depth: number;
  /** Labels opened in this context (break/continue to others leave the part). */
  labels: Set<string>;
  /** For a part: exits to outside labels, by label → [code, statement doing the jump]. */
  exits: Map<string, [number, string, number]>;
  part: boolean;
}

/** Writes one BPF function as a JS function (plus outlined parts when it is too big). */
class FunctionWriter {
  private ctx: EmitContext = { out: [], depth: 1, labels: new Set(), exits: new Map(), part: false };
  private readonly env: InsnEnv;
  private readonly cfg: Cfg;
  private readonly p: DecodedProgram;
  private readonly exporting: boolean;
  /** Estimated code size of each dominator subtree (block id → characters). */
  private readonly sizes = new Map<number, number>();
  /** Subtrees emitted as separate functions. */
  private outlined = new Set<number>();
  private readonly parts: string[] = [];
  /** Registers parts exchange besides the live ones: r10 when the function writes it. */
  private readonly r10Written: boolean;
  private readonly limit: number;
  private readonly partTarget: number;
  /** Budget checks per segment (false: the program is loop-free and entered with enough budget). */
  private readonly checked: boolean;
  /**
   * Unchecked code still counts the budget when the program makes tail calls (the target continues
   * with what is left); without them nothing reads rt.budget after the run, so nothing is counted.
   */
  private readonly counting: boolean;

  constructor(private readonly mb: ModuleBuilder, private readonly fn: CfgFunction) {
    this.cfg = mb.input.cfg;
    this.p = mb.input.prog;
    this.env = mb.env(localLo, localHi);
    this.exporting = mb.input.live.exports.has(fn.entry);
    this.checked = mb.input.maxPaths === undefined;
    this.counting = this.checked || mb.tails;
    this.limit = mb.input.outlineAbove ?? (this.checked ? FUNCTION_CODE_LIMIT : UNCHECKED_CODE_LIMIT);
    this.partTarget = Math.min(this.checked ? PART_TARGET : UNCHECKED_PART_TARGET, Math.max(1, Math.floor(this.limit * 0.4)));
    this.r10Written = fn.rpo.some((b) => this.cfg.blocks[b].insns.some((i) => (this.p.dst[i] >> 1) === 10 && writesDst(this.p, i)));
  }

  private line(s: string): void {
    this.ctx.out.push(indent(this.ctx.depth) + s);
  }

  write(): string {
    if (this.fn.reducible) {
      this.estimateSizes(this.fn.rpo[0]);
      if ((this.sizes.get(this.fn.rpo[0]) ?? 0) > this.limit) this.chooseOutlines();
    }
    return [this.writeFunction().join("\n"), ...this.parts].join("\n");
  }

  /**
   * Estimated code size of each dominator subtree (characters of generated statements): per block a
   * budget check, per instruction ~45, per call ~160 — the measured averages of the example programs.
   */
  private estimateSizes(x: number): number {
    const b = this.cfg.blocks[x];
    let n = 40;
    for (const i of b.insns) {
      const op = this.p.op[i];
      n += op === 0x85 || op === 0x8d || op === OP_CALL_LOCAL ? 160 : 45;
    }
    for (const c of this.fn.children.get(x)!) n += this.estimateSizes(c);
    this.sizes.set(x, n);
    return n;
  }

  /** Bottom-up: outline the largest subtrees of any node whose remaining code exceeds PART_TARGET. */
  private chooseOutlines(): void {
    const fn = this.fn;
    const rem = new Map<number, number>();
    const visit = (x: number): number => {
      const kids = fn.children.get(x)!;
      let own = this.sizes.get(x) ?? 0;
      for (const c of kids) own -= this.sizes.get(c) ?? 0;
      let total = own;
      const open: number[] = [];
      for (const c of kids) {
        const r = visit(c);
        total += r;
        open.push(c);
      }
      open.sort((a, b) => rem.get(b)! - rem.get(a)!);
      const limit = x === fn.rpo[0] ? this.limit : this.partTarget;
      for (const c of open) {
        if (total <= limit) break;
        if (rem.get(c)! < this.partTarget / 8) break;
        this.outlined.add(c);
        total -= rem.get(c)!;
      }
      rem.set(x, total);
      return total;
    };
    visit(fn.rpo[0]);
  }

  private locals(params: number): string[] {
    const locals: string[] = [];
    for (let n = 0; n < 10; n++) if (((params >> n) & 1) === 0) locals.push(`${localLo(n)} = 0`, `${localHi(n)} = 0`);
    if (((params >> 10) & 1) === 0) locals.push(`r10l = (dep + 1) * ${MAX_BPF_STACK}`, `r10h = ${REGION_STACK}`);
    return locals;
  }

  /** The budget-exhaustion tail every function and part ends with. */
  private writeBudgetTail(): void {
    if (!this.checked) return;
    this.line(`// instruction budget exhausted in segment bs (B: what was left minus the segment's length)`);
    const spill: string[] = [];
    for (let n = 0; n < NREG; n++) spill.push(`SP[${2 * n}] = ${localLo(n)}; SP[${2 * n + 1}] = ${localHi(n)};`);
    this.line(spill.join(" "));
    this.line(`BT(bs, B, SP);`);
  }

  private writeFunction(): string[] {
    const input = this.mb.input;
    const name = functionName(input.progIndex, this.fn.entry);
    const mask = input.live.liveIn.get(this.fn.entry) ?? 0;
    const params = ["dep", "A"];
    for (let n = 0; n < 10; n++) if ((mask >> n) & 1) params.push(localLo(n), localHi(n));
    this.ctx = { out: [], depth: 1, labels: new Set(), exits: new Map(), part: false };
    this.line(`let ${this.locals(mask & 0x3ff).join(", ")};`);
    this.line(`let B = rt.budget, bs = -1, t = 0, u = 0, v = 0, ${VIEW_INIT};`);
    if (this.mb.callbacks) this.line(`ST.cur = ${input.modId}; ST.curDep = dep;`);
    if (this.checked) this.line(`F: {`);
    if (this.checked) this.ctx.depth++;
    if (this.fn.reducible) this.doTree(this.fn.rpo[0]);
    else this.writeDispatch();
    if (this.checked) this.ctx.depth--;
    if (this.checked) this.line(`}`);
    this.writeBudgetTail();
    return this.finish([`function ${name}(${params.join(", ")}) {`, ...this.ctx.out, "}"]);
  }

  /** Replace the view-refresh marks by the refresh of the views this function/part uses. */
  private finish(lines: string[]): string[] {
    const body = lines.join("\n");
    const refresh = [
      /\bPV\./.test(body) ? "PV = PR.dv;" : "", /\bPB\[/.test(body) ? "PB = PR.bytes;" : "",
      /\bSV\./.test(body) ? "SV = SR.dv;" : "", /\bSB\[/.test(body) ? "SB = SR.bytes;" : "",
    ].filter((x) => x).join(" ");
    for (let k = 0; k < lines.length; k++) {
      const l = lines[k];
      if (l.includes(VIEW_REFRESH_MARK)) lines[k] = l.replace(refresh ? VIEW_REFRESH_MARK : ` ${VIEW_REFRESH_MARK}`, refresh);
    }
    return lines;
  }

  /** Registers that cross a part boundary into block `b`: its live ones (r10 only when written). */
  private transfer(b: number): number {
    const live = this.mb.input.live.blockLive.get(this.fn.entry)?.get(b) ?? 0x7ff;
    return (live & 0x3ff) | (this.r10Written ? 0x400 : 0);
  }

  private store(mask: number): string {
    const out: string[] = [];
    for (let n = 0; n < NREG; n++) if ((mask >> n) & 1) out.push(`RX[${2 * n}] = r${n}l; RX[${2 * n + 1}] = r${n}h;`);
    return out.join(" ");
  }

  private load(mask: number): string {
    const out: string[] = [];
    for (let n = 0; n < NREG; n++) if ((mask >> n) & 1) out.push(`r${n}l = RX[${2 * n}]; r${n}h = RX[${2 * n + 1}];`);
    return out.join(" ");
  }

  /** `break`/`continue` to a label, leaving the current part first when the label is outside it. */
  private jump(kind: "break" | "continue", label: string, target: number): void {
    if (this.ctx.labels.has(label) || !this.ctx.part) {
      this.line(`${kind} ${label};`);
      return;
    }
    let exit = this.ctx.exits.get(label);
    if (exit === undefined) {
      exit = [this.ctx.exits.size + 1, `${kind} ${label};`, target];
      this.ctx.exits.set(label, exit);
    }
    const st = this.store(this.transfer(target));
    this.line(`${st ? st + " " : ""}rt.budget = B; return ${exit[0]};`);
  }

  /** Emit subtree `y` as a separate function and call it here. */
  private writePart(y: number): void {
    const name = `part_${functionName(this.mb.input.progIndex, this.fn.entry)}_${label("", this.cfg.blocks[y])}`;
    const saved = this.ctx;
    const inMask = this.transfer(y);
    this.ctx = { out: [], depth: 1, labels: new Set(), exits: new Map(), part: true };
    this.line(`let ${this.locals(0).join(", ")};`);
    const ld = this.load(inMask);
    if (ld) this.line(ld);
    this.line(`let B = rt.budget, bs = -1, t = 0, u = 0, v = 0, ${VIEW_INIT};`);
    if (this.checked) this.line(`F: {`);
    if (this.checked) this.ctx.depth++;
    this.doTree(y, true);
    if (this.checked) this.ctx.depth--;
    if (this.checked) this.line(`}`);
    this.writeBudgetTail();
    const part = this.ctx;
    this.parts.push(this.finish([`// outlined from ${functionName(this.mb.input.progIndex, this.fn.entry)}: the code of block ${label("B", this.cfg.blocks[y])} and what it dominates`,
      `function ${name}(dep, A) {`, ...part.out, "}"]).join("\n"));
    this.ctx = saved;
    const st = this.store(inMask);
    this.line(`${st ? st + " " : ""}rt.budget = B; t = ${name}(dep, A); B = rt.budget;`);
    this.line(`if (!t) return;`);
    const exits = [...part.exits.entries()];
    exits.forEach(([lab, [code, stmt, target]], k) => {
      const ld2 = this.load(this.transfer(target));
      const kind = stmt.startsWith("break") ? "break" : "continue";
      if (k < exits.length - 1) {
        this.line(`if (t === ${code}) {`);
        this.ctx.depth++;
      } else {
        this.line(`{ // t === ${code}`);
        this.ctx.depth++;
      }
      if (ld2) this.line(ld2);
      this.jump(kind, lab, target);
      this.ctx.depth--;
      this.line(`}`);
    });
  }

  // ---- structured control flow (Ramsey, "Beyond Relooper") ----

  private mergeChildren(x: number): number[] {
    const fn = this.fn;
    return fn.children.get(x)!.filter((c) => fn.mergeNodes.has(c))
      .sort((a, b) => fn.rpoIndex.get(b)! - fn.rpoIndex.get(a)!);
  }

  private doTree(x: number, inPart = false): void {
    if (!inPart && this.outlined.has(x)) {
      this.writePart(x);
      return;
    }
    const b = this.cfg.blocks[x];
    if (this.fn.loopHeaders.has(x)) {
      const l = label("L", b);
      this.line(`${l}: for (;;) {`);
      this.ctx.depth++;
      this.ctx.labels.add(l);
      this.nodeWithin(x, this.mergeChildren(x));
      this.ctx.labels.delete(l);
      this.ctx.depth--;
      this.line(`}`);
    } else {
      this.nodeWithin(x, this.mergeChildren(x));
    }
  }

  private nodeWithin(x: number, ys: number[]): void {
    if (ys.length === 0) {
      this.writeBlock(x, (to) => this.doBranch(x, to));
      return;
    }
    const [y0, ...rest] = ys;
    const l = label("B", this.cfg.blocks[y0]);
    this.line(`${l}: {`);
    this.ctx.depth++;
    this.ctx.labels.add(l);
    this.nodeWithin(x, rest);
    this.ctx.labels.delete(l);
    this.ctx.depth--;
    this.line(`}`);
    this.doTree(y0);
  }

  private doBranch(x: number, y: number): void {
    const fn = this.fn;
    const b = this.cfg.blocks[y];
    if (fn.rpoIndex.get(y)! <= fn.rpoIndex.get(x)!) this.jump("continue", label("L", b), y);
    else if (fn.mergeNodes.has(y)) this.jump("break", label("B", b), y);
    else this.doTree(y);
  }

  // ---- irreducible fallback: dispatch loop + switch ----

  private writeDispatch(): void {
    this.line(`// irreducible control flow: dispatch loop`);
    this.line(`let nb = ${this.fn.rpo[0]};`);
    this.line(`D: for (;;) {`);
    this.ctx.depth++;
    this.line(`switch (nb) {`);
    this.ctx.depth++;
    for (const x of this.fn.rpo) {
      this.line(`case ${x}: {`);
      this.ctx.depth++;
      this.writeBlock(x, (to) => this.line(`nb = ${to}; continue D;`));
      this.ctx.depth--;
      this.line(`}`);
    }
    this.ctx.depth--;
    this.line(`}`);
    this.ctx.depth--;
    this.line(`}`);
  }

  // ---- blocks ----

  /** Segment charge: the interpreter's per-instruction budget, paid for `slots` at once. */
  private charge(slots: number[]): void {
    const id = this.mb.segments.length;
    this.mb.segments.push(slots);
    if (this.checked) this.line(`if ((B -= ${slots.length}) < 0 && (B = RF(B, ${slots[0]})) < 0) { bs = ${id}; break F; }`);
    else if (this.counting) this.line(`B -= ${slots.length};`);
  }

  private writeBlock(x: number, branch: (to: number) => void): void {
    const b = this.cfg.blocks[x];
    const p = this.p;
    if (b.term === TermKind.OutOfRange) {
      this.line(`// ${b.start < 0 || b.start >= p.len ? "outside the program" : ""} insn #${b.start}`);
      this.charge([b.start]);
      this.line(`throw FT(${this.mb.message(`jump out of the program (to insn #${b.start} of ${p.len})`)}, ${p.outOfRange.get(b.start) ?? b.start});`);
      return;
    }
    // Segments end after each call (callees and callbacks spend budget in between).
    let seg: number[] = [];
    const segs: number[][] = [];
    for (const i of b.insns) {
      seg.push(i);
      const op = p.op[i];
      if (op === 0x85 || op === 0x8d || op === OP_CALL_LOCAL) {
        segs.push(seg);
        seg = [];
      }
    }
    if (seg.length) segs.push(seg);
    for (const s of segs) {
      this.charge(s);
      for (const i of s) {
        if (i === b.termInsn) break;
        const op = p.op[i];
        if (op === 0x85 || op === 0x8d) this.writeHelperCall(i);
        else if (op === OP_CALL_LOCAL) this.writeLocalCall(i);
        else {
          const code = emitInsn(this.env, i);
          this.line(code ? `${code} // insn #${i}` : `// insn #${i}`);
        }
      }
    }
    switch (b.term) {
      case TermKind.Fall:
        branch(b.succs[0]);
        return;
      case TermKind.Jump:
        this.line(`// insn #${b.termInsn}: goto`);
        branch(b.succs[0]);
        return;
      case TermKind.Branch: {
        const [taken, fall] = b.succs;
        if (taken === fall) {
          this.line(`// insn #${b.termInsn}: both edges go to the same place`);
          branch(fall);
          return;
        }
        this.line(`if (${emitCondition(this.env, b.termInsn)}) { // insn #${b.termInsn}`);
        this.ctx.depth++;
        branch(taken);
        this.ctx.depth--;
        this.line(`}`);
        branch(fall);
        return;
      }
      case TermKind.Exit:
        this.writeExit(b.termInsn);
        return;
      case TermKind.Invalid: {
        const i = b.termInsn;
        const msg = p.op[i] === OP_CALL_KFUNC
          ? `kernel function calls are not supported (kfunc #${p.imm[i]})`
          : p.invalid[i] ?? "invalid instruction";
        this.line(`throw FT(${this.mb.message(msg)}, ${i}); // insn #${i}`);
        return;
      }
    }
  }

  private writeExit(i: number): void {
    const inFile = this.mb.input.live.inFile.get(i) ?? 0;
    const out: string[] = [];
    for (let n = 0; n <= (this.exporting ? 5 : 0); n++) {
      if (((inFile >> n) & 1) === 0) out.push(`A[${2 * n}] = r${n}l; A[${2 * n + 1}] = r${n}h;`);
    }
    out.push(`rt.budget = B; return; // insn #${i}: exit`);
    this.line(out.join(" "));
  }

  /** The live ones of r0–r5 back from the register file after a call; cached views re-read. */
  private reload(i: number): void {
    const live = this.mb.input.live.liveAfterCall.get(i) ?? 0x3f;
    const out: string[] = [];
    for (let n = 0; n <= 5; n++) if ((live >> n) & 1) out.push(`r${n}l = A[${2 * n}] | 0; r${n}h = A[${2 * n + 1}] | 0;`);
    out.push(VIEW_REFRESH_MARK);
    this.line(out.join(" "));
  }

  /** The arguments (`args`: mask over r1–r5) into the register file, except those it already holds. */
  private writeArgs(i: number, args: number): void {
    const inFile = this.mb.input.live.inFile.get(i) ?? 0;
    const out: string[] = [];
    for (let n = 1; n <= 5; n++) if (((args & ~inFile) >> n) & 1) out.push(`A[${2 * n}] = r${n}l; A[${2 * n + 1}] = r${n}h;`);
    if (out.length) this.line(out.join(" "));
  }

  private writeTailCheck(cond: string): void {
    this.line(`if (${cond}) {`);
    this.ctx.depth++;
    const save: string[] = [];
    for (let n = 6; n <= 9; n++) save.push(`A[${2 * n}] = r${n}l; A[${2 * n + 1}] = r${n}h;`);
    this.line(`// tail call: the target program starts with this register file; frames unwind to the run's base`);
    this.line(save.join(" "));
    this.line(`ST.tail = rt.tailCallTarget; rt.tailCallTarget = -1; rt.budget = B; return;`);
    this.ctx.depth--;
    this.line(`}`);
  }

  private writeHelperCall(i: number): void {
    const p = this.p;
    const rt = this.mb.input.rt;
    const inl = this.mb.input.inline.get(i);
    if (inl !== undefined) {
      // bpf_map_lookup_elem with a known map and a proven key: the map directly (what the helper does).
      this.mb.mapObjects.add(inl.map);
      const keyBytes = inl.key.region === "packet" ? "PB" : inl.key.region === "stack" ? "SB"
        : inl.key.region === "map-value" ? `${this.env.mapRegion(inl.key.map)}.bytes` : "RG[r2h].bytes";
      const vr = rt.maps[inl.map].valueRegion!;
      const live = this.mb.input.live.liveAfterCall.get(i) ?? 1;
      const r0 = (live & 1) === 0 ? "" : ` if (t < 0) { r0l = 0; r0h = 0; } else { r0l = t; r0h = ${vr.id}; }`;
      this.line(`// insn #${i}: call helper #1 (map_lookup_elem on map slot ${inl.map}, done directly)`);
      this.line(`ST.pc = ${i}; t = MP${inl.map}.lookup(${keyBytes}, r2l, rt.cpu);${r0}`);
      return;
    }
    if (p.op[i] === 0x85) {
      const id = p.imm[i];
      const fn = id >= 0 ? rt.helpers[id] : undefined;
      if (fn === undefined) {
        const msg = id >= 0 ? `helper ${helperName(id)}#${id} is not available` : `callx to a register that holds no helper id`;
        this.line(`throw FT(${this.mb.message(msg)}, ${i}); // insn #${i}: call #${id}`);
        return;
      }
      this.mb.helpers.add(id);
      this.line(`// insn #${i}: call helper #${id}`);
      this.writeArgs(i, 0x3e);
      // A replaced helper (not the runtime's own) might run callbacks too: hand the budget over.
      const sync = CALLBACK_HELPERS.has(id) || fn !== HELPER_TABLE[id];
      this.line(`ST.pc = ${i}; ${sync ? "rt.budget = B; " : ""}H${id}(rt, A);${sync ? " B = rt.budget;" : ""}`);
      if (id === HELPER_TAIL_CALL) this.writeTailCheck(`rt.tailCallTarget >= 0`);
      this.reload(i);
      return;
    }
    const dn = p.dst[i] >> 1;
    this.line(`// insn #${i}: callx r${dn}`);
    this.writeArgs(i, 0x3e);
    this.line(`ST.pc = ${i}; rt.budget = B; t = CX(r${dn}l, r${dn}h, A, ${i}); B = rt.budget;`);
    this.writeTailCheck(`t === ${HELPER_TAIL_CALL} && rt.tailCallTarget >= 0`);
    this.reload(i);
  }

  private writeLocalCall(i: number): void {
    const p = this.p;
    const input = this.mb.input;
    const target = i + 1 + p.imm[i];
    const name = functionName(input.progIndex, target);
    const mask = input.live.liveIn.get(target) ?? 0;
    const args = ["dep + 1", "A"];
    for (let n = 0; n < 10; n++) if ((mask >> n) & 1) args.push(localLo(n), localHi(n));
    const msg = this.mb.message(`local call exceeds the call depth of ${MAX_CALL_FRAMES} frames`);
    this.line(`// insn #${i}: call ${name}`);
    this.line(`if (dep + 1 >= ${MAX_CALL_FRAMES}) throw FT(${msg}, ${i});`);
    this.line(`SR.end = (dep + 2) * ${MAX_BPF_STACK}; rt.budget = B; ${name}(${args.join(", ")}); B = rt.budget;`);
    if (this.mb.tails) this.line(`if (ST.tail >= 0) return;`);
    this.line(`SR.end = (dep + 1) * ${MAX_BPF_STACK}; r10l = (dep + 1) * ${MAX_BPF_STACK}; r10h = ${REGION_STACK};${this.mb.callbacks ? ` ST.cur = ${input.modId}; ST.curDep = dep;` : ""}`);
    this.reload(i);
  }
}
