#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16); __type(key, __u32); __type(value, __u64); } m SEC(".maps");
SEC("xdp") int bad_map_value_off_end(struct xdp_md *ctx) {
  __u32 key = 1;
  __u64 *v = bpf_map_lookup_elem(&m, &key);
  if (!v) return XDP_PASS;
  return v[1] ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
