#include "common.h"
SEC("xdp") int ok_div_by_reg(struct xdp_md *ctx) {
  __u32 a = ctx->data_end - ctx->data;
  __u32 b = ctx->rx_queue_index; /* may be zero: BPF defines x/0 = 0 */
  return (a / b) & 1 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
