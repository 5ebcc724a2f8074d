// bpf_tail_call: looks the target up in a PROG_ARRAY and hands it to the backend (which replaces the
// running program); a failed tail call falls through to the next instruction.
// Kernel reference: kernel/bpf/core.c (JMP_TAIL_CALL), arch/x86/net/bpf_jit_comp.c (emit_bpf_tail_call_*).

import { BpfFault } from "../../errors.js";
import { MapType } from "../../loader/types.js";
import type { HelperFn } from "../runtime.js";
import { ENOENT, type ProgArrayMap } from "../maps/bpf-map.js";
import { mapArg, retInt } from "./helper-abi.js";

/** MAX_TAIL_CALL_CNT (include/linux/bpf.h): tail calls one packet may chain. */
export const MAX_TAIL_CALL_CNT = 33;

/**
 * bpf_tail_call(ctx, prog_array, u32 index) — helper 12. Fails when index ≥ max_entries, when 33 tail
 * calls already succeeded, or when the slot is empty; only successful calls count towards the limit
 * (measured on 6.18's x86-64 JIT: 40 calls into an empty slot still leave 33 successful ones).
 * On success rt.tailCallTarget is the program index and the backend jumps; r0 is 0. A failure sets
 * r0 to -ENOENT, which no program can observe (the verifier makes r0 unreadable after the call).
 */
export const tailCall: HelperFn = (rt, r) => {
  const m = mapArg(rt, r, 2, "bpf_tail_call");
  if (m.spec.type !== MapType.PROG_ARRAY) {
    throw new BpfFault(`bpf_tail_call: map '${m.spec.name}' is not a program array`);
  }
  const index = r[6];
  if (index >= m.spec.maxEntries || rt.tailCallCount >= MAX_TAIL_CALL_CNT) return retInt(r, -ENOENT);
  const prog = (m as ProgArrayMap).program(index);
  if (prog < 0) return retInt(r, -ENOENT);
  rt.tailCallCount++;
  rt.tailCallTarget = prog;
  retInt(r, 0);
};

/** Helper id → implementation for this family. */
export const TAIL_CALL_HELPERS: [number, HelperFn][] = [[12, tailCall]];
