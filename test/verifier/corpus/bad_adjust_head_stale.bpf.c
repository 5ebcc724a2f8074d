#include "common.h"
SEC("xdp") int bad_adjust_head_stale(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  if (bpf_xdp_adjust_head(ctx, 14)) return XDP_DROP;
  return eth->h_proto == 8 ? XDP_PASS : XDP_DROP; /* stale packet pointer */
}
char LICENSE[] SEC("license") = "GPL";
