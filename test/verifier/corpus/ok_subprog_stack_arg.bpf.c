#include "common.h"
static __attribute__((noinline)) int fill(__u8 *buf, int n) {
  for (int i = 0; i < 8; i++) buf[i] = i * n;
  return buf[3];
}
SEC("xdp") int ok_subprog_stack_arg(struct xdp_md *ctx) {
  __u8 buf[8];
  return fill(buf, 3) == 9 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
