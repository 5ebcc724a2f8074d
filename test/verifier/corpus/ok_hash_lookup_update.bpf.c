#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1024); __type(key, __u32); __type(value, __u64); } seen SEC(".maps");
SEC("xdp") int ok_hash_lookup_update(struct xdp_md *ctx) {
  __u32 key = ctx->ingress_ifindex;
  __u64 *v = bpf_map_lookup_elem(&seen, &key);
  if (v) { *v += 1; return XDP_PASS; }
  __u64 one = 1;
  bpf_map_update_elem(&seen, &key, &one, BPF_ANY);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
