#include "common.h"
static __attribute__((noinline)) int classify(void *data, void *data_end) {
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  return eth->h_proto == bpf_htons(ETH_P_ARP) ? XDP_DROP : XDP_PASS;
}
static __attribute__((noinline)) int twice(int x) { return x * 2; }
SEC("xdp") int ok_subprog(struct xdp_md *ctx) {
  int r = classify((void *)(long)ctx->data, (void *)(long)ctx->data_end);
  return twice(r) / 2;
}
char LICENSE[] SEC("license") = "GPL";
