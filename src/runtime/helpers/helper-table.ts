// Helper implementations indexed by kernel helper id (enum bpf_func_id, include/uapi/linux/bpf.h).
import type { HelperFn } from "../runtime.js";

/** HELPER_TABLE[id] is the implementation of helper `id`, or undefined when not supported. */
export const HELPER_TABLE: (HelperFn | undefined)[] = [];
