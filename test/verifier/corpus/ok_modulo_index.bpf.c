#include "common.h"
struct val { __u64 slots[8]; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct val); } tbl SEC(".maps");
SEC("xdp") int ok_modulo_index(struct xdp_md *ctx) {
  __u32 key = 0;
  struct val *v = bpf_map_lookup_elem(&tbl, &key);
  if (!v) return XDP_PASS;
  __u32 r = bpf_get_prandom_u32();
  __u32 i = r % 7;        /* modulo by a register is not tracked; the mask below bounds the index */
  __u32 d = ctx->rx_queue_index | 1;
  v->slots[(r % d) & 7] += i;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
