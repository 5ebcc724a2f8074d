#include "common.h"
SEC("xdp") int ok_adjust_meta(struct xdp_md *ctx) {
  if (bpf_xdp_adjust_meta(ctx, -4)) return XDP_PASS;
  void *data = (void *)(long)ctx->data, *meta = (void *)(long)ctx->data_meta;
  if (meta + 4 > data) return XDP_PASS;
  *(__u32 *)meta = 42;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
