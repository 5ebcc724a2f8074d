// Compiles one program to a module of JS closures with `new Function`: decode, CFG, facts, liveness,
// source generation, then binding of the numbered slots (helpers, maps, memory ops, faults, budget tail).
// RFC 9669 semantics as the interpreter implements them (src/exec/interpreter/create-interpreter.ts).

import { BpfFault } from "../../errors.js";
import { helperName } from "../../isa/helper-names.js";
import type { Runtime } from "../../runtime/runtime.js";
import { decodeInsns, type DecodedProgram } from "./decode-insns.js";
import { buildCfg } from "./build-cfg.js";
import { HI, mulhu, sdivmod64, udivmod64 } from "./compute-int64.js";
import { computeLiveness } from "./compute-liveness.js";
import { computeMaxPaths } from "./compute-max-path.js";
import type { MemoryOps } from "./create-memory-ops.js";
import { generateProgram, generateStepper, type GenerateInput, type ProgramSource } from "./generate-js.js";
import { planInlineHelpers } from "./plan-inline-helpers.js";
import { proveAccesses } from "./prove-accesses.js";
import { trackScalars } from "./track-scalars.js";
import type { JitFacts } from "./types.js";

/** Registers crossing into and out of outlined parts (never in use by two parts at once). */
const RX = new Int32Array(22);

/** Per-runtime state shared by all modules (what generated code reads and writes besides registers). */
export interface JitState {
  /** Slot of the helper call in progress (faults thrown by helpers get it as their insn). */
  pc: number;
  /** Pending tail call: target program index, or -1. */
  tail: number;
  /** Module and frame index of the helper call in progress (rt.callback runs in that program). */
  cur: number;
  curDep: number;
}

/** A program compiled for one entry assumption. */
export interface CompiledModule {
  readonly id: number;
  readonly progIndex: number;
  /** "ctx": entry r1 is the xdp_md pointer (ctx loads specialised); "generic": no assumption. */
  readonly variant: Variant;
  readonly prog: DecodedProgram;
  readonly gen: ProgramSource;
  /** enter(dep, A) per function entry slot: registers from file A, r0 left in A[0], A[1]. */
  readonly entries: Map<number, (dep: number, A: Uint32Array) => void>;
  /** entries.get(0). */
  readonly enter0: (dep: number, A: Uint32Array) => void;
  /** Milliseconds spent generating and compiling. */
  readonly compileMs: number;
}

export type Variant = "ctx" | "generic";

/** What compileProgram needs from the JIT instance. */
export interface CompileContext {
  rt: Runtime;
  st: JitState;
  mem: MemoryOps;
  /** Facts from outside (e.g. the verifier) for a program, or undefined. */
  facts?: (progIndex: number) => JitFacts | undefined;
  ownFacts: boolean;
  outlineAbove?: number;
  /** Allocates the next module id. */
  nextId(): number;
}

/** Facts proving an access when either source proves it; scalar facts from the first that has one. */
function combineFacts(a: JitFacts | undefined, b: JitFacts | undefined): JitFacts {
  return {
    access: (i) => a?.access(i) ?? b?.access(i),
    scalar: (i, r) => a?.scalar?.(i, r) ?? b?.scalar?.(i, r),
    pointer: (i, r, n, w) => a?.pointer?.(i, r, n, w) ?? b?.pointer?.(i, r, n, w),
  };
}

/** Compile program `progIndex` of cx.rt; `extraEntries` adds function entries (callbacks seen at run time). */
export function compileProgram(cx: CompileContext, progIndex: number, variant: Variant, extraEntries: readonly number[] = []): CompiledModule {
  const t0 = performance.now();
  const rt = cx.rt;
  const spec = rt.obj.programs[progIndex];
  if (spec === undefined) throw new BpfFault(`no program #${progIndex}`);
  const prog = decodeInsns(spec.insns);
  const cfg = buildCfg(prog, extraEntries);
  // The ctx assumption holds for entries through the executor (checked there), not for local calls to 0.
  const entryCtx = variant === "ctx" && !cfg.calledEntries.has(0);
  // Outside facts (the verifier's) assume the program was entered with r1 = ctx: only that variant.
  const ext = entryCtx ? cx.facts?.(progIndex) : undefined;
  let facts = combineFacts(cx.ownFacts ? proveAccesses(cfg, rt.maps, { entryCtx }) : undefined, ext);
  if (cx.ownFacts) {
    const access = facts;
    const scalar = trackScalars(cfg, rt.maps, access);
    facts = combineFacts({ access: access.access, scalar, pointer: access.pointer }, ext);
  }
  const inline = planInlineHelpers(cfg, rt, facts);
  // Every helper is assumed to read all of r1..r5: prototypes under-declare (bpf_trace_printk's
  // r3..r5 are "don't care" in its proto yet read), and the interpreter hands helpers the whole file.
  const live = computeLiveness(cfg, new Set(inline.keys()));
  const id = cx.nextId();
  const checked: GenerateInput = { rt, prog, progIndex, cfg, live, facts, inline, modId: id, ...(cx.outlineAbove !== undefined && { outlineAbove: cx.outlineAbove }) };
  // Loop-free programs: code without budget checks, entered only when the budget covers the longest
  // path; otherwise the checked variant (compiled on first need) runs the call.
  const maxPaths = computeMaxPaths(cfg, rt);
  const input: GenerateInput = maxPaths === null ? checked : { ...checked, maxPaths };
  const gen = generateProgram(input);
  let slowEnters: Enter[] | undefined;
  const slow = (k: number, dep: number, A: Uint32Array): void => {
    slowEnters ??= instantiate(cx, checked, generateProgram(checked), undefined);
    slowEnters[k](dep, A);
  };
  const enters = instantiate(cx, input, gen, slow);
  const entries = new Map<number, (dep: number, A: Uint32Array) => void>();
  gen.entries.forEach((e, k) => entries.set(e, enters[k]));
  return { id, progIndex, variant, prog, gen, entries, enter0: entries.get(0)!, compileMs: performance.now() - t0 };
}

type Enter = (dep: number, A: Uint32Array) => void;

/** Compile a module source with its environment (budget tails run the lazily compiled stepper). */
function instantiate(cx: CompileContext, input: GenerateInput, gen: ProgramSource, slow: ((k: number, dep: number, A: Uint32Array) => void) | undefined): Enter[] {
  const rt = cx.rt;
  const steppers = new Map<number, (R: Int32Array, k: number) => void>();
  const env = makeEnv(cx, gen.messages, slow, (bs, B, SP) => {
    // B is what was left minus the segment's length: k = what was left (< the length) runs before the fault.
    const slots = gen.segments[bs];
    const k = Math.max(0, Math.min(slots.length - 1, Math.ceil(B + slots.length)));
    if (k > 0) {
      let step = steppers.get(bs);
      if (step === undefined) {
        const st = generateStepper(input, slots, gen.helpers, gen.maps);
        step = new Function("E", st.source)(makeEnv(cx, st.messages, undefined, () => undefined)) as (R: Int32Array, k: number) => void;
        steppers.set(bs, step);
      }
      step(SP, k);
    }
    rt.budget = 0;
    rt.budgetReserve = 0;
    throw new BpfFault(`instruction budget of ${rt.opts.insnBudget} exceeded`, slots[k]);
  });
  return new Function("E", gen.source)(env) as Enter[];
}

/** The environment object E a module's prologue binds its names from. */
function makeEnv(cx: CompileContext, messages: readonly string[], slow: ((k: number, dep: number, A: Uint32Array) => void) | undefined,
  bt: (bs: number, B: number, SP: Int32Array) => void): object {
  const rt = cx.rt;
  return {
    rt,
    slow,
    rf: (left: number, insn: number): number => rt.refill(left, insn),
    st: cx.st,
    hi: HI,
    pr: rt.packetRegion,
    sr: rt.stackRegion,
    xdp: rt.xdp,
    ft: (k: number, insn: number) => new BpfFault(messages[k], insn),
    bt,
    sp: new Int32Array(22),
    rx: RX,
    rg: rt.mem.regions,
    cx: (lo: number, hi: number, A: Uint32Array, insn: number): number => {
      const id = hi === 0 && lo >= 0 ? lo : -1;
      const fn = id >= 0 ? rt.helpers[id] : undefined;
      if (fn === undefined) {
        throw new BpfFault(id >= 0 ? `helper ${helperName(id)}#${id} is not available` : `callx to a register that holds no helper id`, insn);
      }
      fn(rt, A);
      return id;
    },
    mem: cx.mem,
    mulhu,
    udivmod64,
    sdivmod64,
    helpers: rt.helpers.slice(),
    maps: rt.maps,
  };
}
