// Turns the verifier's per-instruction facts (src/verifier/facts.ts, kernel insn_aux_data's role) into
// the JIT's: accesses proven in bounds, register constants / high words, for an accepted program entered
// with r1 = ctx. RFC 9669 §5; kernel/bpf/verifier.c (check_mem_access, reg bounds).

import type { ProgramFacts, RegFact } from "../../verifier/facts.js";
import type { JitFacts, ProvenAccess, ScalarFact } from "./types.js";

const U32 = 0xffffffff;

/**
 * Scalars only: a pointer's kind does not bound its offset (a privileged program may form r10 - 100000,
 * whose high word is no longer the stack's; only dereferences are checked), so pointers give no facts.
 */
function scalarOf(r: RegFact | undefined): ScalarFact | undefined {
  if (r === undefined || r.kind !== "scalar") return undefined;
  if (r.value !== undefined) {
    const lo = Number(r.value & 0xffffffffn);
    return { hi: Number(r.value >> 32n) | 0, loMin: lo, loMax: lo };
  }
  return r.fitsU32 ? { hi: 0, loMin: 0, loMax: U32 } : undefined;
}

/**
 * JitFacts from the verifier's facts of an accepted program. Only valid for the program entered with
 * r1 = the xdp_md pointer (the kernel's calling convention the verifier assumes); the JIT applies them
 * to that entry only.
 */
export function adaptVerifierFacts(facts: ProgramFacts): JitFacts {
  return {
    access(insn: number): ProvenAccess | undefined {
      const f = facts[insn];
      const m = f?.mem;
      if (!f?.visited || m === undefined || !m.inBounds) return undefined;
      switch (m.region) {
        case "packet": case "packet_meta": return { region: "packet" };
        case "stack": return { region: "stack" };
        // Which map is not recorded: the access reads the region the pointer's high word names.
        case "map_value": case "map_key": case "mem": return { region: "any" };
      }
      return undefined;
    },
    scalar(insn: number, reg: number): ScalarFact | undefined {
      const f = facts[insn];
      return f?.visited ? scalarOf(f.regs[reg]) : undefined;
    },
  };
}
