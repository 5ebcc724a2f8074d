// The contract between the pipeline and an execution backend (reference interpreter or JIT).
// Both must give bit-identical results: r0, memory, maps, faults (RFC 9669 semantics).

import type { Runtime } from "../runtime/runtime.js";

export type BackendName = "jit" | "interp";

/** A backend bound to one Runtime (all of the object's programs, compiled/prepared lazily). */
export interface Executor {
  readonly backend: BackendName;
  /**
   * Run program `progIndex` (index into runtime.obj.programs) from its first instruction with
   * r1..r5 taken from runtime's helper register layout `args` ((lo, hi) pairs at [2..11]) and
   * r10 = top of the frame-0 stack. Follows tail calls. Leaves r0 in args[0] (lo), args[1] (hi).
   * Throws BpfFault (with .insn set) on a fault or when the instruction budget runs out.
   */
  run(progIndex: number, args: Uint32Array): void;
}

export type BackendFactory = (rt: Runtime) => Executor;
