// Shapes shared by the JIT's passes: per-instruction facts that let code generation drop a bounds
// check (RFC 9669 §5 load/store semantics stay the same; the facts only prove the check redundant).

/**
 * What is proven about one load/store/atomic instruction's address: it lies, with its whole size,
 * inside the named region's accessible window (and the region is writable when the access writes).
 * The JIT then reads the region's bytes directly at the register's low word + off.
 */
export type ProvenAccess =
  /** Packet region: the address is within [data_meta, data_end) of the current packet. */
  | { readonly region: "packet" }
  /** Stack region (any frame). */
  | { readonly region: "stack" }
  /** A map's value region (rt.maps[map].valueRegion), for lookups' values and global data. */
  | { readonly region: "map-value"; readonly map: number }
  /** xdp_md context field at a constant byte offset (a 4-byte load of a known field). */
  | { readonly region: "ctx"; readonly offset: number }
  /**
   * Inside the (non-ctx) region the base register's high word names, without carry out of the low
   * word (e.g. a map value of a map the producer did not record).
   */
  | { readonly region: "any" };

/**
 * What is known about a register's value just before an instruction: its high word (an int32
 * constant, or null when unknown) and an unsigned range of its low word.
 */
export interface ScalarFact {
  readonly hi: number | null;
  /** 0 ≤ loMin ≤ lo (as uint32) ≤ loMax ≤ 0xffffffff. */
  readonly loMin: number;
  readonly loMax: number;
}

/**
 * Per-instruction facts the code generator consumes. The JIT's own forward pass (prove-accesses.ts)
 * produces one; the verifier's facts can be adapted to it and passed as `JitOptions.facts`.
 * Soundness is the producer's duty: a wrong fact skips a check the interpreter would fail.
 */
export interface JitFacts {
  /** Proven access for the load/store/atomic at instruction index `insn`, or undefined (keep the check). */
  access(insn: number): ProvenAccess | undefined;
  /** What register `reg` holds just before instruction `insn` runs, or undefined (nothing known). */
  scalar?(insn: number, reg: number): ScalarFact | undefined;
  /**
   * At a helper call `insn`: register `reg` points at `size` accessible bytes (writable when `write`)
   * of the returned region, or undefined. Lets the JIT call a map directly with a proven key.
   */
  pointer?(insn: number, reg: number, size: number, write: boolean): ProvenAccess | undefined;
}

/** Options of createJit. */
export interface JitOptions {
  /**
   * Facts per program index (e.g. from the verifier). When given for a program they are combined
   * with the JIT's own pass: an access is unchecked when either source proves it.
   */
  facts?: (progIndex: number) => JitFacts | undefined;
  /** Disable the JIT's own forward pass (use only `facts`); for tests and measurements. */
  noOwnFacts?: boolean;
  /**
   * Code size (characters) above which a function's big subtrees are outlined into separate JS
   * functions (V8 does not optimise functions over 60 KB of bytecode). Default 30000; tests use tiny
   * values to run everything through outlined parts.
   */
  outlineAbove?: number;
}
