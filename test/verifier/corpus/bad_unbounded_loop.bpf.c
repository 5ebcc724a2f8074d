#include "common.h"
SEC("xdp") int bad_unbounded_loop(struct xdp_md *ctx) {
  __u32 n = ctx->rx_queue_index;
  __u32 hits = 0;
  for (__u32 i = 0; i < n; i++) /* n is not bounded: the verifier walks until its limit */
    if (bpf_get_prandom_u32() == i) hits++;
  return hits ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
