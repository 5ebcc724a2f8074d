// Map creation flags and type names of the bpf(2) ABI, plus the flag normalisation every update
// path starts with. include/uapi/linux/bpf.h (enum bpf_map_type, BPF_F_* map_flags).

import { MapType } from "../../loader/types.js";

export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_NO_COMMON_LRU = 1 << 1;
export const BPF_F_NUMA_NODE = 1 << 2;
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
export const BPF_F_ZERO_SEED = 1 << 6;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;
export const BPF_F_MMAPABLE = 1 << 10;
export const BPF_F_PRESERVE_ELEMS = 1 << 11;
export const BPF_F_INNER_MAP = 1 << 12;
export const BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;

/** bpftool's names for map types (`bpftool map show`), by enum bpf_map_type value. */
const TYPE_NAMES: Record<number, string> = {
  [MapType.UNSPEC]: "unspec", [MapType.HASH]: "hash", [MapType.ARRAY]: "array",
  [MapType.PROG_ARRAY]: "prog_array", [MapType.PERF_EVENT_ARRAY]: "perf_event_array",
  [MapType.PERCPU_HASH]: "percpu_hash", [MapType.PERCPU_ARRAY]: "percpu_array",
  [MapType.STACK_TRACE]: "stack_trace", [MapType.CGROUP_ARRAY]: "cgroup_array",
  [MapType.LRU_HASH]: "lru_hash", [MapType.LRU_PERCPU_HASH]: "lru_percpu_hash",
  [MapType.LPM_TRIE]: "lpm_trie", [MapType.ARRAY_OF_MAPS]: "array_of_maps",
  [MapType.HASH_OF_MAPS]: "hash_of_maps", [MapType.DEVMAP]: "devmap", [MapType.SOCKMAP]: "sockmap",
  [MapType.CPUMAP]: "cpumap", [MapType.XSKMAP]: "xskmap", [MapType.SOCKHASH]: "sockhash",
  [MapType.CGROUP_STORAGE]: "cgroup_storage", [MapType.REUSEPORT_SOCKARRAY]: "reuseport_sockarray",
  [MapType.PERCPU_CGROUP_STORAGE]: "percpu_cgroup_storage", [MapType.QUEUE]: "queue",
  [MapType.STACK]: "stack", [MapType.SK_STORAGE]: "sk_storage", [MapType.DEVMAP_HASH]: "devmap_hash",
  [MapType.STRUCT_OPS]: "struct_ops", [MapType.RINGBUF]: "ringbuf", 28: "inode_storage",
  29: "task_storage", 30: "bloom_filter", 31: "user_ringbuf", 32: "cgrp_storage", 33: "arena",
};

/** "lru_hash", or "type 99" for a value the uapi does not define. */
export function mapTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

/**
 * Update flags as a uint32 for range checks: values above 32 bits (the helper's u64 argument with
 * its high word set) clamp to 0xffffffff, which every `flags > BPF_EXIST` test rejects like the
 * kernel's 64-bit comparison does.
 */
export function normFlags(flags: number): number {
  return flags >= 0 && flags <= 0xffffffff ? flags >>> 0 : 0xffffffff;
}

/** Update flags without BPF_F_LOCK (`map_flags & ~BPF_F_LOCK`), normalised. */
export function flagsSansLock(flags: number): number {
  return (normFlags(flags) & ~4) >>> 0;
}
