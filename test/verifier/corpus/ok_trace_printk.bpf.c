#include "common.h"
SEC("xdp") int ok_trace_printk(struct xdp_md *ctx) {
  bpf_printk("len %d", ctx->data_end - ctx->data);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
