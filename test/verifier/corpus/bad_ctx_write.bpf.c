#include "common.h"
SEC("xdp") int bad_ctx_write(struct xdp_md *ctx) {
  ctx->rx_queue_index = 1;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
