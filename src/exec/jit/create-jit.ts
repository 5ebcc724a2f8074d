// The compiled-closure backend ("jit"): each program is translated once to JS and compiled with
// `new Function`; run() enters it, follows tail calls and serves rt.callback, matching the interpreter
// bit for bit (RFC 9669; kernel/bpf/core.c for calls and tail calls).

import { BpfFault } from "../../errors.js";
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from "../../isa/opcodes.js";
import { REGION_CTX } from "../../runtime/memory.js";
import type { Runtime } from "../../runtime/runtime.js";
import type { BackendName, Executor } from "../backend.js";
import { compileProgram, type CompileContext, type CompiledModule, type JitState, type Variant } from "./compile-program.js";
import { createMemoryOps } from "./create-memory-ops.js";
import type { JitOptions } from "./types.js";

export type { JitFacts, JitOptions, ProvenAccess } from "./types.js";

/** Register file length (r0..r10 pairs, padded) — the interpreter's layout, handed to helpers. */
const NREGS = 24;

/** Executor plus the JIT's introspection. */
export interface JitExecutor extends Executor {
  /** Generated source of a program (compiling it if needed), annotated with source lines when known. */
  source(progIndex: number): string;
  /** Compiled module of a program for its usual entry (r1 = ctx), compiling it if needed. */
  module(progIndex: number): CompiledModule;
}

/** Create the JIT backend for a runtime. Programs compile on first use (tail-call targets lazily). */
export function createJit(rt: Runtime, opts: JitOptions = {}): JitExecutor {
  return new Jit(rt, opts);
}

/** `xdpsim run --dump-jit` / `prog dump jited`: the JS a program compiles to (side-table source lines as comments). */
export function getJitSource(rt: Runtime, progIndex: number, opts: JitOptions = {}): string {
  return new Jit(rt, opts).source(progIndex);
}

class Jit implements JitExecutor {
  readonly backend: BackendName = "jit";
  private readonly rt: Runtime;
  private readonly st: JitState = { pc: -1, tail: -1, cur: -1, curDep: 0 };
  private readonly cx: CompileContext;
  /** Modules by id (ST.cur names one) and by program + variant. */
  private readonly modules: CompiledModule[] = [];
  /** Current module per program and variant: index 2 × progIndex (+1 for generic). */
  private readonly byProgram: (CompiledModule | undefined)[] = [];
  private readonly files: Uint32Array[] = [];
  /** files[0]: the register file of run(). */
  private readonly file0: Uint32Array;
  private nest = 0;
  private readonly callbackFn: (insn: number, r: Uint32Array) => void;

  constructor(rt: Runtime, opts: JitOptions) {
    this.rt = rt;
    let next = 0;
    this.cx = {
      rt,
      st: this.st,
      mem: createMemoryOps(rt),
      ...(opts.facts !== undefined && { facts: opts.facts }),
      ownFacts: opts.noOwnFacts !== true,
      ...(opts.outlineAbove !== undefined && { outlineAbove: opts.outlineAbove }),
      nextId: () => next++,
    };
    // rt.callback is installed by run() (creating a JIT, e.g. for getJitSource, changes nothing).
    this.callbackFn = (insn, r) => this.callback(insn, r);
    this.file0 = this.file(0);
  }

  module(progIndex: number): CompiledModule {
    return this.get(progIndex, "ctx", 0);
  }

  source(progIndex: number): string {
    const m = this.module(progIndex);
    const spec = this.rt.obj.programs[progIndex];
    const lines = new Map<number, string>();
    for (const li of spec.lineInfo) {
      // Display only (never compiled): strip anything that could end the comment line.
      const text = `${li.file}:${li.line}: ${li.text.trim()}`.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, " ");
      lines.set(li.insn, text);
    }
    const out = [
      `// xdpsim JIT: program #${progIndex} (${m.prog.len} instructions), ${m.variant} entry, compiled in ${m.compileMs.toFixed(2)} ms`,
      `// fault messages: ${JSON.stringify(m.gen.messages).replace(/[\u2028\u2029]/g, " ")}`,
    ];
    for (const l of m.gen.source.split("\n")) {
      const hit = /\/\/ insn #(\d+)/.exec(l);
      const text = hit ? lines.get(Number(hit[1])) : undefined;
      if (text !== undefined) {
        out.push(`${l.match(/^\s*/)![0]}// ${text}`);
        lines.delete(Number(hit![1]));
      }
      out.push(l);
    }
    return out.join("\n");
  }

  /** Module of program `progIndex` for `variant` that has a function at `entry` (recompiled with it if not). */
  private get(progIndex: number, variant: Variant, entry: number): CompiledModule {
    const key = 2 * progIndex + (variant === "ctx" ? 0 : 1);
    let m = this.byProgram[key];
    if (m === undefined || !m.entries.has(entry)) {
      const extra = m === undefined ? (entry === 0 ? [] : [entry]) : [...m.entries.keys(), entry];
      m = compileProgram(this.cx, progIndex, variant, extra);
      this.modules[m.id] = m;
      this.byProgram[key] = m;
    }
    return m;
  }

  private file(level: number): Uint32Array {
    let f = this.files[level];
    if (f === undefined) {
      f = new Uint32Array(NREGS);
      this.files[level] = f;
    }
    return f;
  }

  run(progIndex: number, args: Uint32Array): void {
    const rt = this.rt;
    const st = this.st;
    rt.callback = this.callbackFn;
    // The frame-0 register file: r1..r5 from args, the rest 0 (r10 is computed by the code); unrolled:
    // this runs once per packet.
    const A = this.file0;
    A[0] = 0; A[1] = 0;
    A[2] = args[2]; A[3] = args[3]; A[4] = args[4]; A[5] = args[5]; A[6] = args[6];
    A[7] = args[7]; A[8] = args[8]; A[9] = args[9]; A[10] = args[10]; A[11] = args[11];
    A[12] = 0; A[13] = 0; A[14] = 0; A[15] = 0; A[16] = 0; A[17] = 0; A[18] = 0; A[19] = 0;
    const stack = rt.stackRegion;
    stack.start = 0;
    stack.end = MAX_BPF_STACK;
    this.nest = 0;
    st.tail = -1;
    try {
      this.execute(progIndex, 0, 0, A);
    } catch (e) {
      this.finish();
      if (e instanceof BpfFault && e.insn < 0) e.insn = st.pc;
      throw e;
    }
    this.finish();
    args[0] = A[0];
    args[1] = A[1];
  }

  /** After a run: the whole stack readable again (as between runs), no helper call in progress. */
  private finish(): void {
    const stack = this.rt.stackRegion;
    stack.start = 0;
    stack.end = stack.bytes.length;
    this.st.cur = -1;
    this.st.curDep = 0;
    this.st.tail = -1;
  }

  /** Run from slot `entry` of a program in frame `dep` until that frame exits, following tail calls. */
  private execute(progIndex: number, entry: number, dep: number, A: Uint32Array): void {
    const st = this.st;
    let m: CompiledModule | undefined;
    if (entry === 0) {
      // Hot path (every packet): the module cached for this program and variant.
      m = this.byProgram[2 * progIndex + (A[2] === 0 && A[3] === REGION_CTX ? 0 : 1)];
      if (m === undefined) m = this.get(progIndex, variantOf(A, 0), 0);
      m.enter0(dep, A);
    } else {
      m = this.get(progIndex, variantOf(A, entry), entry);
      m.entries.get(entry)!(dep, A);
    }
    while (st.tail >= 0) {
      const target = st.tail;
      st.tail = -1;
      this.rt.stackRegion.end = (dep + 1) * MAX_BPF_STACK;
      m = this.get(target, variantOf(A, 0), 0);
      m.enter0(dep, A);
    }
  }

  /** rt.callback: run the function at `insn` of the program making the helper call, one frame deeper. */
  private callback(insn: number, r: Uint32Array): void {
    const st = this.st;
    const cur = st.cur >= 0 ? this.modules[st.cur] : undefined;
    if (cur === undefined) throw new BpfFault("callback outside of a helper call");
    const depth = st.curDep + 1;
    if (depth > MAX_CALL_FRAMES) throw new BpfFault(`callback exceeds the call depth of ${MAX_CALL_FRAMES} frames`);
    if (insn < 0 || insn >= cur.prog.len) throw new BpfFault(`callback target insn #${insn} out of range`);
    const saved = st.cur, savedDep = st.curDep, savedPc = st.pc;
    const stack = this.rt.stackRegion;
    const savedEnd = stack.end;
    const F = this.file(++this.nest);
    F.fill(0);
    for (let k = 2; k < 12; k++) F[k] = r[k];
    stack.end = (depth + 1) * MAX_BPF_STACK;
    try {
      this.execute(cur.progIndex, insn, depth, F);
    } catch (e) {
      if (e instanceof BpfFault && e.insn < 0) e.insn = st.pc;
      throw e;
    } finally {
      this.nest--;
      stack.end = savedEnd;
      st.cur = saved;
      st.curDep = savedDep;
      st.pc = savedPc;
    }
    r[0] = F[0];
    r[1] = F[1];
  }
}

/** The ctx-specialised module is valid when entering at 0 with r1 = the ctx pointer. */
function variantOf(A: Uint32Array, entry: number): Variant {
  return entry === 0 && A[2] === 0 && A[3] === REGION_CTX ? "ctx" : "generic";
}
