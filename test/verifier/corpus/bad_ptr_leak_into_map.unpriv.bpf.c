#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } store SEC(".maps");
SEC("xdp") int bad_ptr_leak_into_map(struct xdp_md *ctx) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&store, &key);
  if (!v) return XDP_PASS;
  *v = (__u64)(long)ctx->data; /* packet pointer stored: allowed with CAP_PERFMON */
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
