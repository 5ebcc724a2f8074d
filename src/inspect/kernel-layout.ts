// What the reference kernel (6.18, x86-64, root) puts into a rewritten XDP program that depends on its
// build: struct offsets the inlined sequences use and the kernel functions helper calls are patched to.
// Spec: net/core/filter.c (xdp_func_proto, xdp_convert_ctx_access), kernel/bpf/arraymap.c, hashtab.c,
// devmap.c, cpumap.c, queue_stack_maps.c, lpm_trie.c, net/xdp/xskmap.c (bpf_map_ops, map_gen_lookup),
// kernel/bpf/verifier.c (do_misc_fixups). Values marked "reference build" were read off the recordings.

import { MapType } from "../loader/types.js";

/** offsetof(struct bpf_array, value) == offsetof(struct bpf_array, pptrs) (array_map_gen_lookup). */
export const BPF_ARRAY_VALUE_OFF = 312;
/** offsetof(struct xsk_map, xsk_map) (xsk_map_gen_lookup). */
export const XSK_MAP_ARRAY_OFF = 304;
/** offsetof(struct htab_elem, key) (htab_map_gen_lookup adds it plus round_up(key_size, 8)). */
export const HTAB_ELEM_KEY_OFF = 48;
/** offsetof(struct htab_elem, lru_node) + offsetof(struct bpf_lru_node, ref) (htab_lru_map_gen_lookup). */
export const HTAB_ELEM_LRU_REF_OFF = 35;

/** struct xdp_buff / xdp_rxq_info / xdp_txq_info field offsets (include/net/xdp.h). */
export const XDP_BUFF = { data: 0, data_end: 8, data_meta: 16, rxq: 32, txq: 40 } as const;
export const XDP_RXQ_INFO = { dev: 0, queue_index: 8 } as const;
export const XDP_TXQ_INFO = { dev: 0 } as const;
/** offsetof(struct net_device, ifindex): depends on the kernel configuration (recorded on the reference kernel). */
export const NET_DEVICE_IFINDEX_OFF = 224;

/** (u32)&cpu_number, the per-CPU offset the inlined bpf_get_smp_processor_id loads through (reference build). */
export const CPU_NUMBER_PERCPU_IMM = -2085568460;
/** &jiffies, which the inlined bpf_jiffies64 loads (reference build, KASLR off in this respect: a link-time address). */
export const JIFFIES_ADDR = 0xffffffff83009980n;

/**
 * `insn->imm` of a call patched to a kernel function: (func - __bpf_call_base), which bpftool prints after
 * the symbol (`call __htab_map_lookup_elem#338048`). These are the reference kernel build's values
 * (test/inspect/fixtures/xlated, recorded by test/inspect/record-xlated.py); any other build differs,
 * which is why the parity tests compare calls by name. Functions not listed print `#0`.
 */
const REFERENCE_CALL_IMM: Record<string, number> = {
  __htab_map_lookup_elem: 338048,
  bpf_ktime_get_ns: 274736,
  bpf_map_lookup_elem: 273440,
  bpf_user_rnd_u32: 23440,
  bpf_xdp_redirect_map: 10480384,
  htab_lru_percpu_map_lookup_elem: 345120,
  htab_map_delete_elem: 347104,
  stack_map_pop_elem: 386832,
  bpf_csum_diff: 10510608,
  bpf_ringbuf_discard: 390480,
  bpf_ringbuf_output: 388608,
  bpf_ringbuf_query: 387408,
  bpf_ringbuf_reserve: 388560,
  bpf_ringbuf_submit: 390352,
  bpf_trace_printk: -63248,
  bpf_trace_vprintk: -64816,
  bpf_xdp_adjust_head: 10511632,
  bpf_xdp_adjust_meta: 10505744,
  bpf_xdp_adjust_tail: 10527984,
  bpf_xdp_check_mtu: 10510800,
  bpf_xdp_get_buff_len: 10505664,
  bpf_xdp_load_bytes: 10576400,
  bpf_xdp_redirect: 10561120,
  bpf_xdp_store_bytes: 10576560,
  dev_map_lookup_elem: 525552,
  dev_map_redirect: 525904,
  htab_lru_map_update_elem: 349216,
  htab_map_update_elem: 350800,
  htab_percpu_map_lookup_percpu_elem: 345280,
  htab_percpu_map_update_elem: 348464,
  queue_map_peek_elem: 385824,
  queue_stack_map_push_elem: 385888,
  trie_lookup_elem: 374496,
};

export function referenceCallImm(func: string): number {
  return REFERENCE_CALL_IMM[func] ?? 0;
}

/** Kernel function behind each helper an XDP program may call (xdp_func_proto → bpf_base_func_proto). */
const HELPER_FUNCS: Record<number, string> = {
  1: "bpf_map_lookup_elem", 2: "bpf_map_update_elem", 3: "bpf_map_delete_elem", 5: "bpf_ktime_get_ns",
  6: "bpf_trace_printk", 7: "bpf_user_rnd_u32", 8: "bpf_get_raw_cpu_id", 23: "bpf_xdp_redirect",
  25: "bpf_xdp_event_output", 28: "bpf_csum_diff", 42: "bpf_get_numa_node_id", 44: "bpf_xdp_adjust_head",
  51: "bpf_xdp_redirect_map", 54: "bpf_xdp_adjust_meta", 65: "bpf_xdp_adjust_tail", 69: "bpf_xdp_fib_lookup",
  84: "bpf_xdp_sk_lookup_tcp", 85: "bpf_xdp_sk_lookup_udp", 86: "bpf_sk_release", 87: "bpf_map_push_elem",
  88: "bpf_map_pop_elem", 89: "bpf_map_peek_elem", 93: "bpf_spin_lock", 94: "bpf_spin_unlock",
  99: "bpf_xdp_skc_lookup_tcp", 100: "bpf_tcp_check_syncookie", 105: "bpf_strtol", 106: "bpf_strtoul",
  112: "bpf_probe_read_user", 113: "bpf_probe_read_kernel", 114: "bpf_probe_read_user_str",
  115: "bpf_probe_read_kernel_str", 118: "bpf_jiffies64", 125: "bpf_ktime_get_boot_ns", 130: "bpf_ringbuf_output",
  131: "bpf_ringbuf_reserve", 132: "bpf_ringbuf_submit", 133: "bpf_ringbuf_discard", 134: "bpf_ringbuf_query",
  160: "bpf_ktime_get_coarse_ns", 163: "bpf_xdp_check_mtu", 164: "bpf_for_each_map_elem", 165: "bpf_snprintf",
  177: "bpf_trace_vprintk", 181: "bpf_loop", 182: "bpf_strncmp", 188: "bpf_xdp_get_buff_len",
  189: "bpf_xdp_load_bytes", 190: "bpf_xdp_store_bytes", 195: "bpf_map_lookup_percpu_elem", 208: "bpf_ktime_get_tai_ns",
};

export function helperFunc(id: number): string | undefined {
  return HELPER_FUNCS[id];
}

type MapOp = "lookup" | "update" | "delete" | "push" | "pop" | "peek" | "redirect" | "lookup_percpu";

/** bpf_map_ops members do_misc_fixups patches a map helper call to (when the map has no gen_lookup). */
const MAP_OPS: Partial<Record<number, Partial<Record<MapOp, string>>>> = {
  [MapType.ARRAY]: { lookup: "array_map_lookup_elem", update: "array_map_update_elem", delete: "array_map_delete_elem" },
  [MapType.PERCPU_ARRAY]: {
    lookup: "percpu_array_map_lookup_elem", update: "array_map_update_elem", delete: "array_map_delete_elem",
    lookup_percpu: "percpu_array_map_lookup_percpu_elem",
  },
  [MapType.HASH]: { lookup: "htab_map_lookup_elem", update: "htab_map_update_elem", delete: "htab_map_delete_elem" },
  [MapType.PERCPU_HASH]: {
    lookup: "htab_percpu_map_lookup_elem", update: "htab_percpu_map_update_elem", delete: "htab_map_delete_elem",
    lookup_percpu: "htab_percpu_map_lookup_percpu_elem",
  },
  [MapType.LRU_HASH]: { lookup: "htab_lru_map_lookup_elem", update: "htab_lru_map_update_elem", delete: "htab_lru_map_delete_elem" },
  [MapType.LRU_PERCPU_HASH]: {
    lookup: "htab_lru_percpu_map_lookup_elem", update: "htab_lru_percpu_map_update_elem", delete: "htab_lru_map_delete_elem",
    lookup_percpu: "htab_lru_percpu_map_lookup_percpu_elem",
  },
  [MapType.LPM_TRIE]: { lookup: "trie_lookup_elem", update: "trie_update_elem", delete: "trie_delete_elem" },
  [MapType.QUEUE]: { push: "queue_stack_map_push_elem", pop: "queue_map_pop_elem", peek: "queue_map_peek_elem" },
  [MapType.STACK]: { push: "queue_stack_map_push_elem", pop: "stack_map_pop_elem", peek: "stack_map_peek_elem" },
  [MapType.DEVMAP]: { lookup: "dev_map_lookup_elem", update: "dev_map_update_elem", delete: "dev_map_delete_elem", redirect: "dev_map_redirect" },
  [MapType.DEVMAP_HASH]: {
    lookup: "dev_map_hash_lookup_elem", update: "dev_map_hash_update_elem", delete: "dev_map_hash_delete_elem", redirect: "dev_hash_map_redirect",
  },
  [MapType.CPUMAP]: { lookup: "cpu_map_lookup_elem", update: "cpu_map_update_elem", delete: "cpu_map_delete_elem", redirect: "cpu_map_redirect" },
  [MapType.XSKMAP]: { lookup: "xsk_map_lookup_elem", update: "xsk_map_update_elem", delete: "xsk_map_delete_elem", redirect: "xsk_map_redirect" },
  [MapType.ARRAY_OF_MAPS]: { lookup: "array_of_map_lookup_elem" },
  [MapType.HASH_OF_MAPS]: { lookup: "htab_of_map_lookup_elem" },
};

/** Helper ids whose call do_misc_fixups sends to the map's ops (when the map is known at the call). */
export const MAP_HELPER_OPS: Record<number, MapOp> = {
  1: "lookup", 2: "update", 3: "delete", 87: "push", 88: "pop", 89: "peek", 51: "redirect", 195: "lookup_percpu",
};

export function mapOpFunc(mapType: number, op: MapOp): string | undefined {
  return MAP_OPS[mapType]?.[op];
}
