#include "common.h"
struct loop_ctx { __u32 sum; __u32 n; };
static long cb(__u64 index, void *c) {
  struct loop_ctx *lc = c;
  lc->sum += index;
  if (lc->sum > 1000) return 1;
  return 0;
}
SEC("xdp") int ok_bpf_loop(struct xdp_md *ctx) {
  struct loop_ctx lc = { .sum = 0, .n = 0 };
  bpf_loop(100, cb, &lc, 0);
  return lc.sum > 50 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
