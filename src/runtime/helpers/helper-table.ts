// Helper implementations indexed by kernel helper id (enum bpf_func_id, include/uapi/linux/bpf.h),
// assembled from one module per helper family; ids without an entry are unsupported (load error).
// Kernel reference: net/core/filter.c (xdp_func_proto), kernel/bpf/helpers.c (bpf_base_func_proto).

import type { HelperFn } from "../runtime.js";
import { CSUM_HELPERS } from "./csum-diff.js";
import { FIB_HELPERS } from "./fib-lookup.js";
import { LOOP_HELPERS } from "./loop-helper.js";
import { MAP_HELPERS } from "./map-helpers.js";
import { PERF_EVENT_HELPERS } from "./perf-event-helpers.js";
import { PROBE_READ_HELPERS } from "./probe-read-helpers.js";
import { REDIRECT_HELPERS } from "./redirect-helpers.js";
import { RINGBUF_HELPERS } from "./ringbuf-helpers.js";
import { SOCKET_HELPERS } from "./socket-helpers.js";
import { SPIN_LOCK_HELPERS } from "./spin-lock-helpers.js";
import { STRING_HELPERS } from "./string-helpers.js";
import { TAIL_CALL_HELPERS } from "./tail-call-helper.js";
import { TASK_CONTEXT_HELPERS } from "./task-context-helpers.js";
import { TIME_RANDOM_HELPERS } from "./time-random-helpers.js";
import { TRACE_PRINTK_HELPERS } from "./trace-printk.js";
import { XDP_PACKET_HELPERS } from "./xdp-packet-helpers.js";

/** HELPER_TABLE[id] is the implementation of helper `id`, or undefined when not supported. */
export const HELPER_TABLE: (HelperFn | undefined)[] = [];

for (const family of [
  MAP_HELPERS, TIME_RANDOM_HELPERS, TRACE_PRINTK_HELPERS, TAIL_CALL_HELPERS, REDIRECT_HELPERS,
  XDP_PACKET_HELPERS, CSUM_HELPERS, FIB_HELPERS, RINGBUF_HELPERS, LOOP_HELPERS, SPIN_LOCK_HELPERS,
  PERF_EVENT_HELPERS, PROBE_READ_HELPERS, TASK_CONTEXT_HELPERS, SOCKET_HELPERS, STRING_HELPERS,
]) {
  for (const [id, fn] of family) {
    if (HELPER_TABLE[id] !== undefined) throw new Error(`helper #${id} registered twice`);
    HELPER_TABLE[id] = fn;
  }
}
