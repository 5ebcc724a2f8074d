#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 16); __type(value, __u32); } q SEC(".maps");
SEC("xdp") int ok_queue(struct xdp_md *ctx) {
  __u32 v = ctx->ingress_ifindex, out;
  bpf_map_push_elem(&q, &v, BPF_EXIST);
  if (bpf_map_pop_elem(&q, &out)) return XDP_PASS;
  return out == 1 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
