// Helper prototypes (struct bpf_func_proto) for the helpers an XDP program may call: argument and
// return types, GPL-only flag and the capability they need (net/core/filter.c, kernel/bpf/helpers.c).

/** enum bpf_arg_type, flattened with the flags XDP helpers use. */
export const enum Arg {
  DONTCARE,
  ANYTHING,
  CONST_MAP_PTR,
  PTR_TO_MAP_KEY,
  PTR_TO_MAP_VALUE,
  PTR_TO_UNINIT_MAP_VALUE,
  PTR_TO_MEM_RDONLY,
  PTR_TO_MEM_RDONLY_OR_NULL,
  PTR_TO_MEM,
  PTR_TO_MEM_OR_NULL_WRITE,
  PTR_TO_UNINIT_MEM,
  PTR_TO_FIXED_U32_WRITE,
  CONST_SIZE,
  CONST_SIZE_OR_ZERO,
  PTR_TO_CTX,
  PTR_TO_FUNC,
  PTR_TO_STACK_OR_NULL,
  PTR_TO_RINGBUF_MEM_RELEASE,
  CONST_ALLOC_SIZE_OR_ZERO,
  PTR_TO_SPIN_LOCK,
  /** ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED of 8 bytes (strtol's result). */
  PTR_TO_FIXED_U64_WRITE,
  /** ARG_PTR_TO_BTF_ID_SOCK_COMMON (| OBJ_RELEASE for bpf_sk_release). */
  PTR_TO_SOCK_COMMON,
  PTR_TO_SOCK_COMMON_RELEASE,
}

export const enum Ret {
  INTEGER,
  VOID,
  MAP_VALUE_OR_NULL,
  RINGBUF_MEM_OR_NULL,
  SOCKET_OR_NULL,
  SOCK_COMMON_OR_NULL,
}

export interface HelperProto {
  id: number;
  name: string;
  ret: Ret;
  args: Arg[];
  gplOnly: boolean;
  /** 0: any loader; 1: needs CAP_BPF; 2: needs CAP_PERFMON (bpf_base_func_proto groups). */
  cap: 0 | 1 | 2;
  /** Invalidates packet pointers (bpf_helper_changes_pkt_data). */
  changesPktData?: boolean;
  /** Map types the helper accepts (check_map_func_compatibility), when restricted. */
  mapTypes?: number[];
}

// enum bpf_func_id names, index = id (include/uapi/linux/bpf.h).
const NAMES = ("unspec map_lookup_elem map_update_elem map_delete_elem probe_read ktime_get_ns trace_printk " +
  "get_prandom_u32 get_smp_processor_id skb_store_bytes l3_csum_replace l4_csum_replace tail_call clone_redirect " +
  "get_current_pid_tgid get_current_uid_gid get_current_comm get_cgroup_classid skb_vlan_push skb_vlan_pop " +
  "skb_get_tunnel_key skb_set_tunnel_key perf_event_read redirect get_route_realm perf_event_output skb_load_bytes " +
  "get_stackid csum_diff skb_get_tunnel_opt skb_set_tunnel_opt skb_change_proto skb_change_type skb_under_cgroup " +
  "get_hash_recalc get_current_task probe_write_user current_task_under_cgroup skb_change_tail skb_pull_data " +
  "csum_update set_hash_invalid get_numa_node_id skb_change_head xdp_adjust_head probe_read_str get_socket_cookie " +
  "get_socket_uid set_hash setsockopt skb_adjust_room redirect_map sk_redirect_map sock_map_update xdp_adjust_meta " +
  "perf_event_read_value perf_prog_read_value getsockopt override_return sock_ops_cb_flags_set msg_redirect_map " +
  "msg_apply_bytes msg_cork_bytes msg_pull_data bind xdp_adjust_tail skb_get_xfrm_state get_stack " +
  "skb_load_bytes_relative fib_lookup sock_hash_update msg_redirect_hash sk_redirect_hash lwt_push_encap " +
  "lwt_seg6_store_bytes lwt_seg6_adjust_srh lwt_seg6_action rc_repeat rc_keydown skb_cgroup_id " +
  "get_current_cgroup_id get_local_storage sk_select_reuseport skb_ancestor_cgroup_id sk_lookup_tcp sk_lookup_udp " +
  "sk_release map_push_elem map_pop_elem map_peek_elem msg_push_data msg_pop_data rc_pointer_rel spin_lock " +
  "spin_unlock sk_fullsock tcp_sock skb_ecn_set_ce get_listener_sock skc_lookup_tcp tcp_check_syncookie " +
  "sysctl_get_name sysctl_get_current_value sysctl_get_new_value sysctl_set_new_value strtol strtoul " +
  "sk_storage_get sk_storage_delete send_signal tcp_gen_syncookie skb_output probe_read_user probe_read_kernel " +
  "probe_read_user_str probe_read_kernel_str tcp_send_ack send_signal_thread jiffies64 read_branch_records " +
  "get_ns_current_pid_tgid xdp_output get_netns_cookie get_current_ancestor_cgroup_id sk_assign " +
  "ktime_get_boot_ns seq_printf seq_write sk_cgroup_id sk_ancestor_cgroup_id ringbuf_output ringbuf_reserve " +
  "ringbuf_submit ringbuf_discard ringbuf_query csum_level skc_to_tcp6_sock skc_to_tcp_sock " +
  "skc_to_tcp_timewait_sock skc_to_tcp_request_sock skc_to_udp6_sock get_task_stack load_hdr_opt store_hdr_opt " +
  "reserve_hdr_opt inode_storage_get inode_storage_delete d_path copy_from_user snprintf_btf seq_printf_btf " +
  "skb_cgroup_classid redirect_neigh per_cpu_ptr this_cpu_ptr redirect_peer task_storage_get task_storage_delete " +
  "get_current_task_btf bprm_opts_set ktime_get_coarse_ns ima_inode_hash sock_from_file check_mtu " +
  "for_each_map_elem snprintf sys_bpf btf_find_by_name_kind sys_close timer_init timer_set_callback timer_start " +
  "timer_cancel get_func_ip get_attach_cookie task_pt_regs get_branch_snapshot trace_vprintk skc_to_unix_sock " +
  "kallsyms_lookup_name find_vma loop strncmp get_func_arg get_func_ret get_func_arg_cnt get_retval set_retval " +
  "xdp_get_buff_len xdp_load_bytes xdp_store_bytes copy_from_user_task skb_set_tstamp ima_file_hash kptr_xchg " +
  "map_lookup_percpu_elem skc_to_mptcp_sock dynptr_from_mem ringbuf_reserve_dynptr ringbuf_submit_dynptr " +
  "ringbuf_discard_dynptr dynptr_read dynptr_write dynptr_data tcp_raw_gen_syncookie_ipv4 " +
  "tcp_raw_gen_syncookie_ipv6 tcp_raw_check_syncookie_ipv4 tcp_raw_check_syncookie_ipv6 ktime_get_tai_ns " +
  "user_ringbuf_drain cgrp_storage_get cgrp_storage_delete").split(" ");

export const BPF_FUNC_MAX_ID = NAMES.length;

/** "bpf_map_lookup_elem" for 1; undefined outside the enum. */
export function helperName(id: number): string | undefined {
  return id >= 0 && id < NAMES.length ? `bpf_${NAMES[id]}` : undefined;
}

// Map types (enum bpf_map_type).
const PROG_ARRAY = 3, PERF_EVENT_ARRAY = 4, PERCPU_HASH = 5, PERCPU_ARRAY = 6, LRU_PERCPU_HASH = 10;
const DEVMAP = 14, CPUMAP = 16, XSKMAP = 17, QUEUE = 22, STACK = 23, DEVMAP_HASH = 25, RINGBUF = 27, BLOOM = 30;

const P = (id: number, ret: Ret, args: Arg[], extra: Partial<HelperProto> = {}): HelperProto =>
  ({ id, name: `bpf_${NAMES[id]}`, ret, args, gplOnly: false, cap: 0, ...extra });

const PROTOS: HelperProto[] = [
  P(1, Ret.MAP_VALUE_OR_NULL, [Arg.CONST_MAP_PTR, Arg.PTR_TO_MAP_KEY]),
  P(2, Ret.INTEGER, [Arg.CONST_MAP_PTR, Arg.PTR_TO_MAP_KEY, Arg.PTR_TO_MAP_VALUE, Arg.ANYTHING]),
  P(3, Ret.INTEGER, [Arg.CONST_MAP_PTR, Arg.PTR_TO_MAP_KEY]),
  P(5, Ret.INTEGER, []),
  P(6, Ret.INTEGER, [Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE], { gplOnly: true, cap: 2 }),
  P(7, Ret.INTEGER, []),
  P(8, Ret.INTEGER, []),
  P(12, Ret.VOID, [Arg.PTR_TO_CTX, Arg.CONST_MAP_PTR, Arg.ANYTHING], { mapTypes: [PROG_ARRAY] }),
  P(14, Ret.INTEGER, [], { cap: 2 }),
  P(15, Ret.INTEGER, [], { cap: 2 }),
  P(16, Ret.INTEGER, [Arg.PTR_TO_UNINIT_MEM, Arg.CONST_SIZE], { cap: 2 }),
  P(23, Ret.INTEGER, [Arg.ANYTHING, Arg.ANYTHING]),
  P(25, Ret.INTEGER, [Arg.PTR_TO_CTX, Arg.CONST_MAP_PTR, Arg.ANYTHING, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE_OR_ZERO],
    { gplOnly: true, mapTypes: [PERF_EVENT_ARRAY] }),
  P(28, Ret.INTEGER, [Arg.PTR_TO_MEM_RDONLY_OR_NULL, Arg.CONST_SIZE_OR_ZERO, Arg.PTR_TO_MEM_RDONLY_OR_NULL,
    Arg.CONST_SIZE_OR_ZERO, Arg.ANYTHING]),
  P(42, Ret.INTEGER, []),
  P(44, Ret.INTEGER, [Arg.PTR_TO_CTX, Arg.ANYTHING], { changesPktData: true }),
  P(51, Ret.INTEGER, [Arg.CONST_MAP_PTR, Arg.ANYTHING, Arg.ANYTHING], { mapTypes: [DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP] }),
  P(54, Ret.INTEGER, [Arg.PTR_TO_CTX, Arg.ANYTHING], { changesPktData: true }),
  P(65, Ret.INTEGER, [Arg.PTR_TO_CTX, Arg.ANYTHING], { changesPktData: true }),
  P(69, Ret.INTEGER, [Arg.PTR_TO_CTX, Arg.PTR_TO_MEM, Arg.CONST_SIZE, Arg.ANYTHING], { gplOnly: true }),
  P(80, Ret.INTEGER, [], { cap: 2 }),
  P(84, Ret.SOCKET_OR_NULL, [Arg.PTR_TO_CTX, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE, Arg.ANYTHING, Arg.ANYTHING]),
  P(85, Ret.SOCKET_OR_NULL, [Arg.PTR_TO_CTX, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE, Arg.ANYTHING, Arg.ANYTHING]),
  P(86, Ret.INTEGER, [Arg.PTR_TO_SOCK_COMMON_RELEASE]),
  P(87, Ret.INTEGER, [Arg.CONST_MAP_PTR, Arg.PTR_TO_MAP_VALUE, Arg.ANYTHING], { mapTypes: [QUEUE, STACK, BLOOM] }),
  P(88, Ret.INTEGER, [Arg.CONST_MAP_PTR, Arg.PTR_TO_UNINIT_MAP_VALUE], { mapTypes: [QUEUE, STACK] }),
  P(89, Ret.INTEGER, [Arg.CONST_MAP_PTR, Arg.PTR_TO_UNINIT_MAP_VALUE], { mapTypes: [QUEUE, STACK, BLOOM] }),
  P(93, Ret.VOID, [Arg.PTR_TO_SPIN_LOCK], { cap: 1 }),
  P(99, Ret.SOCK_COMMON_OR_NULL, [Arg.PTR_TO_CTX, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE, Arg.ANYTHING, Arg.ANYTHING]),
  P(100, Ret.INTEGER, [Arg.PTR_TO_SOCK_COMMON, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE],
    { gplOnly: true }),
  P(105, Ret.INTEGER, [Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE, Arg.ANYTHING, Arg.PTR_TO_FIXED_U64_WRITE], { cap: 1 }),
  P(106, Ret.INTEGER, [Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE, Arg.ANYTHING, Arg.PTR_TO_FIXED_U64_WRITE], { cap: 1 }),
  P(109, Ret.INTEGER, [Arg.ANYTHING], { cap: 2 }),
  P(110, Ret.INTEGER, [Arg.PTR_TO_SOCK_COMMON, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE],
    { gplOnly: true }),
  P(112, Ret.INTEGER, [Arg.PTR_TO_UNINIT_MEM, Arg.CONST_SIZE_OR_ZERO, Arg.ANYTHING], { gplOnly: true, cap: 2 }),
  P(94, Ret.VOID, [Arg.PTR_TO_SPIN_LOCK], { cap: 1 }),
  P(113, Ret.INTEGER, [Arg.PTR_TO_UNINIT_MEM, Arg.CONST_SIZE_OR_ZERO, Arg.ANYTHING], { gplOnly: true, cap: 2 }),
  P(114, Ret.INTEGER, [Arg.PTR_TO_UNINIT_MEM, Arg.CONST_SIZE_OR_ZERO, Arg.ANYTHING], { gplOnly: true, cap: 2 }),
  P(115, Ret.INTEGER, [Arg.PTR_TO_UNINIT_MEM, Arg.CONST_SIZE_OR_ZERO, Arg.ANYTHING], { gplOnly: true, cap: 2 }),
  P(117, Ret.INTEGER, [Arg.ANYTHING], { cap: 2 }),
  P(118, Ret.INTEGER, [], { cap: 1 }),
  P(121, Ret.INTEGER, [Arg.PTR_TO_CTX, Arg.CONST_MAP_PTR, Arg.ANYTHING, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE_OR_ZERO],
    { gplOnly: true, mapTypes: [PERF_EVENT_ARRAY] }),
  P(123, Ret.INTEGER, [Arg.ANYTHING], { cap: 2 }),
  P(125, Ret.INTEGER, []),
  P(130, Ret.INTEGER, [Arg.CONST_MAP_PTR, Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE_OR_ZERO, Arg.ANYTHING], { mapTypes: [RINGBUF] }),
  P(131, Ret.RINGBUF_MEM_OR_NULL, [Arg.CONST_MAP_PTR, Arg.CONST_ALLOC_SIZE_OR_ZERO, Arg.ANYTHING], { mapTypes: [RINGBUF] }),
  P(132, Ret.VOID, [Arg.PTR_TO_RINGBUF_MEM_RELEASE, Arg.ANYTHING]),
  P(133, Ret.VOID, [Arg.PTR_TO_RINGBUF_MEM_RELEASE, Arg.ANYTHING]),
  P(134, Ret.INTEGER, [Arg.CONST_MAP_PTR, Arg.ANYTHING], { mapTypes: [RINGBUF] }),
  P(160, Ret.INTEGER, []),
  P(163, Ret.INTEGER, [Arg.PTR_TO_CTX, Arg.ANYTHING, Arg.PTR_TO_FIXED_U32_WRITE, Arg.ANYTHING, Arg.ANYTHING], { gplOnly: true }),
  P(164, Ret.INTEGER, [Arg.CONST_MAP_PTR, Arg.PTR_TO_FUNC, Arg.PTR_TO_STACK_OR_NULL, Arg.ANYTHING],
    { mapTypes: [1, 2, 5, 6, 9, 10] }),
  P(165, Ret.INTEGER, [Arg.PTR_TO_MEM_OR_NULL_WRITE, Arg.CONST_SIZE_OR_ZERO, Arg.PTR_TO_MEM_RDONLY, Arg.PTR_TO_MEM_RDONLY_OR_NULL,
    Arg.CONST_SIZE_OR_ZERO], { gplOnly: true, cap: 2 }),
  P(177, Ret.INTEGER, [Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE, Arg.PTR_TO_MEM_RDONLY_OR_NULL, Arg.CONST_SIZE_OR_ZERO],
    { gplOnly: true, cap: 2 }),
  P(181, Ret.INTEGER, [Arg.ANYTHING, Arg.PTR_TO_FUNC, Arg.PTR_TO_STACK_OR_NULL, Arg.ANYTHING]),
  P(182, Ret.INTEGER, [Arg.PTR_TO_MEM_RDONLY, Arg.CONST_SIZE, Arg.PTR_TO_MEM_RDONLY]),
  P(188, Ret.INTEGER, [Arg.PTR_TO_CTX]),
  P(189, Ret.INTEGER, [Arg.PTR_TO_CTX, Arg.ANYTHING, Arg.PTR_TO_UNINIT_MEM, Arg.CONST_SIZE]),
  P(190, Ret.INTEGER, [Arg.PTR_TO_CTX, Arg.ANYTHING, Arg.PTR_TO_UNINIT_MEM, Arg.CONST_SIZE]),
  P(195, Ret.MAP_VALUE_OR_NULL, [Arg.CONST_MAP_PTR, Arg.PTR_TO_MAP_KEY, Arg.ANYTHING],
    { mapTypes: [PERCPU_ARRAY, PERCPU_HASH, LRU_PERCPU_HASH] }),
  P(208, Ret.INTEGER, []),
];

const BY_ID = new Map(PROTOS.map((p) => [p.id, p]));

/** The prototype XDP programs get for helper `id` (xdp_func_proto + bpf_base_func_proto). */
export function xdpHelperProto(id: number): HelperProto | undefined {
  return BY_ID.get(id);
}

/** Helpers whose map argument is restricted to one family, by map type (the other direction). */
export function mapAllowsHelper(mapType: number, helperId: number): boolean {
  switch (mapType) {
    case PROG_ARRAY: return helperId === 12;
    case PERF_EVENT_ARRAY: return helperId === 25 || helperId === 121 || helperId === 22 || helperId === 55;
    case RINGBUF: return helperId === 130 || helperId === 131 || helperId === 134 || helperId === 198;
    case DEVMAP: case DEVMAP_HASH: case XSKMAP: return helperId === 51 || helperId === 1;
    case CPUMAP: return helperId === 51;
    case QUEUE: case STACK: return helperId === 87 || helperId === 88 || helperId === 89;
    case BLOOM: return helperId === 87 || helperId === 89;
    default: return true;
  }
}
