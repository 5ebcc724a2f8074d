// bpf_loop: calls a BPF callback (a BPF_PSEUDO_FUNC address: REGION_FUNC, low word = insn index)
// nr_loops times through the backend's rt.callback, stopping early when it returns non-zero.
// Kernel reference: kernel/bpf/bpf_iter.c (bpf_loop), kernel/bpf/verifier.c (inline_bpf_loop).

import { BpfFault } from "../../errors.js";
import { REGION_FUNC } from "../memory.js";
import type { HelperFn } from "../runtime.js";
import { E2BIG, EINVAL } from "../maps/bpf-map.js";
import { regHex, retInt, retU53 } from "./helper-abi.js";

/** BPF_MAX_LOOPS (include/linux/bpf.h). */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

/** Callback register files, one per nesting level (a callback may call bpf_loop again). */
const frames: Uint32Array[] = [];
let depth = 0;

/**
 * bpf_loop(u32 nr_loops, callback_fn, void *callback_ctx, u64 flags) — helper 181. flags ≠ 0 → -EINVAL
 * (checked first), nr_loops > 2^23 → -E2BIG; otherwise calls callback(i, ctx) for i = 0.. and returns
 * the number of calls made, counting the one that returned non-zero (which stops the loop).
 */
export const bpfLoop: HelperFn = (rt, r) => {
  if ((r[8] | r[9]) !== 0) return retInt(r, -EINVAL);
  const nr = r[2];
  if (nr > BPF_MAX_LOOPS) return retInt(r, -E2BIG);
  if (r[5] !== REGION_FUNC) throw new BpfFault(`bpf_loop: R2 is not a callback function (${regHex(r, 2)})`);
  const insn = r[4];
  const ctxLo = r[6];
  const ctxHi = r[7];
  const frame = frames[depth] ?? (frames[depth] = new Uint32Array(12));
  depth++;
  try {
    for (let i = 0; i < nr; i++) {
      frame.fill(0);
      frame[2] = i;
      frame[4] = ctxLo;
      frame[5] = ctxHi;
      rt.callback(insn, frame);
      if ((frame[0] | frame[1]) !== 0) return retU53(r, i + 1);
    }
  } finally {
    depth--;
  }
  retU53(r, nr);
};

/** Helper id → implementation for this family. */
export const LOOP_HELPERS: [number, HelperFn][] = [[181, bpfLoop]];
