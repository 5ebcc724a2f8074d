#include "common.h"
struct vlan { __u16 tci; __u16 proto; };
SEC("xdp") int ok_pkt_cursor_loop(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  __u16 proto = eth->h_proto;
  void *cur = eth + 1;
  #pragma unroll
  for (int i = 0; i < 2; i++) {
    if (proto != bpf_htons(ETH_P_8021Q)) break;
    struct vlan *v = cur;
    if ((void *)(v + 1) > data_end) return XDP_DROP;
    proto = v->proto;
    cur = v + 1;
  }
  return proto == bpf_htons(ETH_P_IP) ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
