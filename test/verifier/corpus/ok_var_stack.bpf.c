#include "common.h"
SEC("xdp") int ok_var_stack(struct xdp_md *ctx) {
  volatile char buf[16] = {};
  __u32 i = ctx->rx_queue_index & 15;
  buf[i] = 1;
  return buf[(i + 1) & 15] ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
