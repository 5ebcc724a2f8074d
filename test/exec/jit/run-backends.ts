// Test support: runs one program under the interpreter and the JIT on identical fresh runtimes and
// captures everything that must agree bit for bit (r0, fault, stack, memory, packet, maps). RFC 9669.

import type { BackendFactory } from "../../../src/exec/backend.js";
import { createInterpreter } from "../../../src/exec/interpreter/create-interpreter.js";
import { createJit } from "../../../src/exec/jit/create-jit.js";
import type { JitOptions } from "../../../src/exec/jit/types.js";
import { BpfFault } from "../../../src/errors.js";
import type { Insn } from "../../../src/isa/insn.js";
import type { MapSpec, ObjectSpec, ProgramSpec } from "../../../src/loader/types.js";
import { RegionKind, REGION_CTX } from "../../../src/runtime/memory.js";
import { Runtime, type HelperFn } from "../../../src/runtime/runtime.js";

export interface Setup {
  /** The program (one function image), or several programs (tail-call targets), or a whole object. */
  insns?: Insn[];
  programs?: Insn[][];
  obj?: ObjectSpec;
  progIndex?: number;
  maps?: MapSpec[];
  /** Input memory: r1 = pointer to a copy, r2 = its length (the conformance-plugin convention). */
  mem?: Uint8Array;
  /** Run as XDP on this frame instead: r1 = ctx. */
  packet?: Uint8Array;
  budget?: number;
  helpers?: Record<number, HelperFn>;
  /** Runs before the program (e.g. to fill maps); gets the fresh runtime. */
  prepare?: (rt: Runtime) => void;
  /** How many times to run (state carries over, as for consecutive packets). */
  repeat?: number;
  jitOptions?: JitOptions;
}

export interface Outcome {
  /** r0 as 16 hex digits, or null after a fault. */
  r0: string | null;
  fault: string | null;
  stack: string;
  mem: string | null;
  packet: string | null;
  maps: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** A map spec for tests (ARRAY unless said otherwise). */
export function mapSpec(index: number, name: string, over: Partial<MapSpec> = {}): MapSpec {
  return {
    index, name, type: 2, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0, btfKeyTypeId: 0, btfValueTypeId: 0,
    isGlobalData: false, readOnly: false, pinning: 0, numaNode: 0, ...over,
  };
}

function programOf(insns: Insn[], k: number): ProgramSpec {
  return {
    name: `p${k}`, section: "xdp", insns, subprogs: [{ name: `p${k}`, start: 0, end: insns.length }],
    funcInfo: [], lineInfo: [], mapRefs: [],
  };
}

export function objectOf(s: Setup): ObjectSpec {
  if (s.obj) return s.obj;
  const progs = s.programs ?? [s.insns!];
  return {
    file: "<test>", license: "GPL", gplCompatible: true, programs: progs.map(programOf), maps: s.maps ?? [], globals: [], btf: null,
  };
}

/** Run `s` under one backend. */
export function runOn(factory: BackendFactory, s: Setup): Outcome {
  const rt = new Runtime(objectOf(s), s.budget !== undefined ? { insnBudget: s.budget } : {});
  for (const [id, fn] of Object.entries(s.helpers ?? {})) rt.helpers[Number(id)] = fn;
  s.prepare?.(rt);
  const exec = factory(rt);
  const args = new Uint32Array(12);
  let mem: Uint8Array | null = null;
  let out: Outcome = { r0: null, fault: null, stack: "", mem: null, packet: null, maps: "" };
  for (let k = 0; k < (s.repeat ?? 1); k++) {
    rt.beginPacket();
    args.fill(0);
    if (s.packet) {
      rt.xdp.load(s.packet, 0, s.packet.length);
      args[3] = REGION_CTX;
    } else if (s.mem) {
      mem ??= s.mem.slice();
      args[3] = rt.mem.add(RegionKind.Mem, mem, true, "memory").id;
      args[4] = mem.length;
    }
    let r0: string | null = null;
    let fault: string | null = null;
    try {
      exec.run(s.progIndex ?? 0, args);
      r0 = args[1].toString(16).padStart(8, "0") + args[0].toString(16).padStart(8, "0");
    } catch (e) {
      if (!(e instanceof BpfFault)) throw e;
      fault = e.describe();
    }
    out = {
      r0, fault,
      stack: hex(rt.stackRegion.bytes),
      mem: mem ? hex(mem) : null,
      packet: s.packet ? hex(rt.xdp.output(true)) : null,
      maps: JSON.stringify(rt.maps.map((m) => (m.dumpable ? m.dump().map((e) => [hex(e.key), e.value ? hex(e.value) : e.values!.map(hex)]) : null))),
    };
  }
  return out;
}

export const interp: BackendFactory = createInterpreter;

/** Both backends on fresh runtimes. */
export function runBoth(s: Setup): { interp: Outcome; jit: Outcome } {
  return { interp: runOn(createInterpreter, s), jit: runOn((rt) => createJit(rt, s.jitOptions), s) };
}
