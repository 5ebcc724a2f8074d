#include "common.h"
struct val { __u32 slots[8]; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct val); } tbl SEC(".maps");
SEC("xdp") int bad_signed_index(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  if (data + 1 > data_end) return XDP_PASS;
  int idx = *(signed char *)data;
  __u32 key = 0;
  struct val *v = bpf_map_lookup_elem(&tbl, &key);
  if (!v) return XDP_PASS;
  if (idx >= 8) return XDP_DROP; /* no lower bound */
  return v->slots[idx] ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
