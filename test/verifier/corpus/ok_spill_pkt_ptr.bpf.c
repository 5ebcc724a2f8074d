#include "common.h"
SEC("xdp") int ok_spill_pkt_ptr(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  struct ethhdr *volatile saved = eth;     /* spilled to the stack, filled back */
  __u32 r = bpf_get_prandom_u32();
  return (saved->h_source[0] ^ r) & 1 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
