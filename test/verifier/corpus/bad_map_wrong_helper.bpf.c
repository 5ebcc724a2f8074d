#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } h SEC(".maps");
SEC("xdp") int bad_map_wrong_helper(struct xdp_md *ctx) {
  return bpf_redirect_map(&h, 0, XDP_PASS);
}
char LICENSE[] SEC("license") = "GPL";
