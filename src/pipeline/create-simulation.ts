// Load → check helpers → verify → create runtime and maps → map-init → backend: everything a
// run, bench or test needs before the first packet, plus the per-packet run with the kernel's framing.

import { BpfFault, UsageError, VerifierError } from "../errors.js";
import type { BackendName, Executor } from "../exec/backend.js";
import { createInterpreter } from "../exec/interpreter/create-interpreter.js";
import { createJit } from "../exec/jit/create-jit.js";
import { adaptVerifierFacts } from "../exec/jit/adapt-verifier-facts.js";
import type { JitFacts } from "../exec/jit/types.js";
import { XDP_VERDICT_NAMES } from "../isa/opcodes.js";
import { computeTag } from "../loader/compute-tag.js";
import { loadObject } from "../loader/load-object.js";
import type { ObjectSpec, ProgramSpec } from "../loader/types.js";
import { checkProgramHelpers } from "../runtime/helpers/helper-info.js";
import { REGION_CTX } from "../runtime/memory.js";
import { RedirectKind, Runtime, type Device, type FibRoute, type RuntimeOptions } from "../runtime/runtime.js";
import { verifyCached } from "./verify-cached.js";
import { applyMapInit } from "./apply-map-init.js";
import { findPacketWrite } from "./find-packet-writes.js";
import { XDP_LINEAR_MAX } from "../runtime/xdp-buff.js";
import type { ProgramFacts } from "../verifier/facts.js";

export interface SimulationOptions {
  /** Function name of the program to run (default: first runnable xdp* program). */
  prog?: string;
  /** `const volatile` overrides by name. */
  consts?: Map<string, bigint>;
  backend?: BackendName;
  /** Skip the verifier (run programs the kernel would reject). */
  noVerify?: boolean;
  /** Parsed --map-init document and its file name for messages. */
  mapInit?: { doc: unknown; source: string };
  ifindex?: number;
  rxQueue?: number;
  ncpus?: number;
  cpu?: number;
  seed?: number;
  devices?: Device[];
  fib?: FibRoute[];
  insnBudget?: number;
  /** Wall-clock watchdog per packet (ms, 0 = off); see RuntimeOptions.watchdogMs. */
  watchdogMs?: number;
  /** Always copy frames into test_run-style packet memory, even for read-only programs (tests). */
  copyFrames?: boolean;
}

/** Packet offsets must stay int32 for the backends' pointer words. */
const IN_PLACE_LIMIT = 0x7fff_0000;

/** Outcome of one packet; the object is reused between packets (copy what you keep). */
export interface PacketOutcome {
  /** r0 as returned (uint32). */
  action: number;
  /** XDP_* name; anything outside 0..4 is XDP_ABORTED. */
  verdict: string;
  /** Verdict index 0..4 (ABORTED for unknown actions and faults). */
  verdictIndex: number;
  /** Fault message with (insn #N), or null. */
  fault: string | null;
  redirectKind: RedirectKind;
  redirectTarget: number;
}

/** Programs the kernel cannot test-run directly (attached to devmap/cpumap entries only). */
function isRunnable(p: ProgramSpec): boolean {
  return !p.section.endsWith("/devmap") && !p.section.endsWith("/cpumap");
}

export function selectProgram(obj: ObjectSpec, name: string | undefined): number {
  if (name !== undefined) {
    const i = obj.programs.findIndex((p) => p.name === name);
    if (i < 0) {
      const have = obj.programs.map((p) => `${p.name} (SEC ${p.section})`).join(", ") || "none";
      throw new UsageError(`${obj.file}: --prog ${name}: no XDP program of that name (have: ${have})`);
    }
    return i;
  }
  const i = obj.programs.findIndex(isRunnable);
  if (i < 0) throw new UsageError(`${obj.file}: no XDP program (a function in an xdp* section) found`);
  return i;
}

export class Simulation {
  readonly obj: ObjectSpec;
  readonly rt: Runtime;
  readonly exec: Executor;
  readonly progIndex: number;
  readonly program: ProgramSpec;
  readonly tag: string;
  ifindex: number;
  rxQueue: number;
  /** Helper-convention register block handed to the backend. */
  private readonly args = new Uint32Array(12);
  private lastTimeHi = 0;
  private lastTimeLo = 0;
  readonly outcome: PacketOutcome = {
    action: 0, verdict: "XDP_ABORTED", verdictIndex: 0, fault: null, redirectKind: RedirectKind.None, redirectTarget: 0,
  };

  constructor(obj: ObjectSpec, opts: SimulationOptions = {}) {
    this.obj = obj;
    this.progIndex = selectProgram(obj, opts.prog);
    this.program = obj.programs[this.progIndex];
    this.tag = computeTag(this.program);
    this.ifindex = opts.ifindex ?? 1;
    this.rxQueue = opts.rxQueue ?? 0;
    checkProgramHelpers(obj);
    let facts: JitFacts | undefined;
    let rawFacts: ProgramFacts | undefined;
    if (!opts.noVerify) {
      const res = verifyCached(obj, this.progIndex, { logLevel: 1 });
      if (!res.ok) {
        const e = res.error!;
        const src = e.sourceLine ? `, ${e.sourceLine.file}:${e.sourceLine.line}: ${e.sourceLine.text.trim()}` : "";
        throw new VerifierError(`${obj.file}: program '${this.program.name}' rejected: ${e.message} (insn #${e.insn}${src})`, e.insn, res.log);
      }
      rawFacts = res.facts;
      facts = adaptVerifierFacts(res.facts);
    }
    const rtOpts: Partial<RuntimeOptions> = {};
    if (opts.ncpus !== undefined) rtOpts.ncpus = opts.ncpus;
    if (opts.cpu !== undefined) rtOpts.cpu = opts.cpu;
    if (opts.seed !== undefined) rtOpts.seed = opts.seed;
    if (opts.devices !== undefined) rtOpts.devices = opts.devices;
    if (opts.fib !== undefined) rtOpts.fib = opts.fib;
    if (opts.insnBudget !== undefined) rtOpts.insnBudget = opts.insnBudget;
    if (opts.watchdogMs !== undefined) rtOpts.watchdogMs = opts.watchdogMs;
    this.rt = new Runtime(obj, rtOpts);
    if (!this.rt.device(this.ifindex)) {
      throw new UsageError(`--ifindex ${this.ifindex}: no such device (declare it with --device ${this.ifindex})`);
    }
    initProgArrays(this.rt);
    if (opts.mapInit) applyMapInit(this.rt, opts.mapInit.doc, opts.mapInit.source);
    // The verifier's facts hold for the entry program (r1 = ctx); tail-call targets use the JIT's own pass.
    const entry = this.progIndex;
    const factsOf = (i: number): JitFacts | undefined => (i === entry ? facts : undefined);
    this.exec = opts.backend === "interp" ? createInterpreter(this.rt)
      : createJit(this.rt, facts ? { facts: factsOf } : {});
    // Read-only programs run in place on the captured bytes (no per-packet copy); see find-packet-writes.ts.
    this.packetWrite = findPacketWrite(obj, this.progIndex, (i) => (i === entry ? rawFacts : undefined));
    this.inPlace = this.packetWrite === null && opts.copyFrames !== true;
  }

  /** Why the program may write packet memory (first reason), or null when it provably cannot. */
  readonly packetWrite: string | null;
  /** Frames run in place on the caller's bytes (read-only program, linear frame). */
  readonly inPlace: boolean;

  /**
   * Run one frame (ETH_HLEN ≤ len ≤ XDP_MAX_FRAME, checked by the caller) at capture time
   * (tsSec, tsNsec). Program faults become XDP_ABORTED with the fault message.
   */
  runPacket(buf: Uint8Array, off: number, len: number, tsSec: number, tsNsec: number): PacketOutcome {
    const rt = this.rt;
    rt.beginPacket();
    const x = rt.xdp;
    if (this.inPlace && len <= XDP_LINEAR_MAX && off + len < IN_PLACE_LIMIT) x.loadInPlace(buf, off, len);
    else x.load(buf, off, len);
    x.ingressIfindex = this.ifindex;
    x.rxQueueIndex = this.rxQueue;
    x.egressIfindex = 0;
    this.setTime(tsSec, tsNsec);
    // Register block: r1 = ctx pointer, everything else zero (unrolled: cheaper than fill()).
    const r = this.args;
    r[0] = 0; r[1] = 0; r[2] = 0; r[3] = REGION_CTX; r[4] = 0; r[5] = 0;
    r[6] = 0; r[7] = 0; r[8] = 0; r[9] = 0; r[10] = 0; r[11] = 0;
    const o = this.outcome;
    let fault: string | null = null;
    let action = 0;
    try {
      this.exec.run(this.progIndex, r);
      action = r[0] >>> 0;
    } catch (e) {
      if (!(e instanceof BpfFault)) throw e;
      fault = e.describe();
    }
    o.action = action;
    o.fault = fault;
    const v = fault === null && action <= 4 ? action : 0;
    o.verdictIndex = v;
    o.verdict = XDP_VERDICT_NAMES[v];
    o.redirectKind = rt.redirectKind;
    o.redirectTarget = rt.redirectTarget;
    return o;
  }

  /** Seconds whose ns value (sec * 1e9, uint32 halves) is cached: captures repeat a second many times. */
  private secCached = -1;
  private secHi = 0;
  private secLo = 0;

  /** bpf_ktime_get_ns = capture time in ns, never going backwards within a run. */
  private setTime(tsSec: number, tsNsec: number): void {
    if (tsSec !== this.secCached) {
      // tsSec * 1e9 exactly, as (hi, lo) uint32 halves, without BigInt.
      const a = Math.floor(tsSec / 65536);
      const b = tsSec % 65536;
      const x = a * 1e9; // < 2^46
      const xHi = Math.floor(x / 65536);
      const s = (x % 65536) * 65536 + b * 1e9; // < 2^47
      this.secHi = xHi + Math.floor(s / 0x1_0000_0000);
      this.secLo = s % 0x1_0000_0000;
      this.secCached = tsSec;
    }
    let hi = this.secHi;
    let lo = this.secLo + tsNsec; // tsNsec < 2^32: at most one carry
    if (lo >= 0x1_0000_0000) {
      lo -= 0x1_0000_0000;
      hi += 1;
    }
    if (hi < this.lastTimeHi || (hi === this.lastTimeHi && lo < this.lastTimeLo)) {
      hi = this.lastTimeHi;
      lo = this.lastTimeLo;
    }
    this.lastTimeHi = this.rt.timeHi = hi;
    this.lastTimeLo = this.rt.timeLo = lo;
  }
}

/** Static `.values = { [i] = &prog }` initialisation of prog arrays, by program name. */
function initProgArrays(rt: Runtime): void {
  for (const spec of rt.obj.maps) {
    for (const init of spec.progArrayInit ?? []) {
      const idx = rt.obj.programs.findIndex((p) => p.name === init.program);
      if (idx < 0) throw new UsageError(`${rt.obj.file}: map '${spec.name}' slot ${init.slot} names unknown program '${init.program}'`);
      (rt.maps[spec.index] as import("../runtime/maps/bpf-map.js").ProgArrayMap).setProgram(init.slot, idx);
    }
  }
}

/** Read and load an object file, turning I/O errors into one clear message. */
export async function loadObjectFromFile(path: string, consts?: Map<string, bigint>): Promise<ObjectSpec> {
  const { readFile } = await import("node:fs/promises");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new UsageError(`${path}: cannot read object: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return loadObject(bytes, path, consts ? { consts } : undefined);
}
