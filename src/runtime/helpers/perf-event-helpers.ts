// bpf_perf_event_output from XDP (bpf_xdp_event_output): argument checks as the kernel makes them;
// no perf event is ever attached to a simulated PERF_EVENT_ARRAY slot, so a valid call gets -ENOENT.
// Kernel reference: net/core/filter.c (bpf_xdp_event_output), kernel/trace/bpf_trace.c (__bpf_perf_event_output).

import { BpfFault } from "../../errors.js";
import { MapType } from "../../loader/types.js";
import type { HelperFn } from "../runtime.js";
import { E2BIG, EFAULT, EINVAL, ENOENT } from "../maps/bpf-map.js";
import { mapArg, memArg, regHex, retInt } from "./helper-abi.js";

/** BPF_F_INDEX_MASK / BPF_F_CURRENT_CPU (low word) and BPF_F_CTXLEN_MASK (bits 32..51). */
const CTXLEN_MASK_HI = 0xfffff;
const BPF_F_CURRENT_CPU = 0xffffffff;

/**
 * bpf_perf_event_output(ctx, map, u64 flags, void *data, u64 size) — helper 25 (GPL). Unknown flag
 * bits → -EINVAL; a packet sample (flags >> 32) longer than the frame → -EFAULT; index ≥ max_entries
 * → -E2BIG; otherwise the slot has no perf event → -ENOENT (the sample is not recorded).
 */
export const perfEventOutput: HelperFn = (rt, r) => {
  const m = mapArg(rt, r, 2, "bpf_perf_event_output");
  if (m.spec.type !== MapType.PERF_EVENT_ARRAY) {
    throw new BpfFault(`bpf_perf_event_output: map '${m.spec.name}' is not a perf event array`);
  }
  if (r[11] !== 0) throw new BpfFault(`bpf_perf_event_output: size ${regHex(r, 5)} is not a valid memory size`);
  if (r[10] !== 0) memArg(rt, r, 4, r[10], false);
  const flagsHi = r[7];
  if ((flagsHi & ~CTXLEN_MASK_HI) !== 0) return retInt(r, -EINVAL);
  if (flagsHi > rt.xdp.buffLen()) return retInt(r, -EFAULT);
  const index = r[6] === BPF_F_CURRENT_CPU ? rt.cpu : r[6];
  if (index >= m.spec.maxEntries) return retInt(r, -E2BIG);
  retInt(r, -ENOENT);
};

/** Helper id → implementation for this family. */
export const PERF_EVENT_HELPERS: [number, HelperFn][] = [[25, perfEventOutput]];
