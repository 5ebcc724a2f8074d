#include "common.h"
struct stats { __u64 packets; __u64 bytes; };
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 5); __type(key, __u32); __type(value, struct stats); } st SEC(".maps");
SEC("xdp") int ok_percpu_stats(struct xdp_md *ctx) {
  __u32 key = XDP_PASS;
  struct stats *s = bpf_map_lookup_elem(&st, &key);
  if (s) { s->packets++; s->bytes += ctx->data_end - ctx->data; }
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
