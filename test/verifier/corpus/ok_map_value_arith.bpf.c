#include "common.h"
struct val { __u64 slots[8]; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct val); } hist SEC(".maps");
SEC("xdp") int ok_map_value_arith(struct xdp_md *ctx) {
  __u32 key = 0;
  struct val *v = bpf_map_lookup_elem(&hist, &key);
  if (!v) return XDP_PASS;
  __u32 len = ctx->data_end - ctx->data;
  v->slots[(len >> 6) & 7] += 1;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
