#include "common.h"
static __attribute__((noinline)) int inner(struct xdp_md *ctx) {
  volatile char buf[300];
  buf[ctx->rx_queue_index & 255] = 1;
  return buf[7];
}
static __attribute__((noinline)) int outer(struct xdp_md *ctx) {
  volatile char buf[300];
  buf[ctx->rx_queue_index & 255] = 2;
  return inner(ctx) + buf[3];
}
SEC("xdp") int bad_stack_too_big(struct xdp_md *ctx) { return outer(ctx) & 3; }
char LICENSE[] SEC("license") = "GPL";
