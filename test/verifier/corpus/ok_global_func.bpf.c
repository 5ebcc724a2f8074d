#include "common.h"
/* Non-static: a global function, verified on its own with arguments typed from BTF. */
__attribute__((noinline)) int global_classify(struct xdp_md *ctx, int salt) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  if (data + 14 > data_end) return XDP_DROP;
  return (((__u8 *)data)[12] ^ salt) & 1 ? XDP_PASS : XDP_DROP;
}
SEC("xdp") int ok_global_func(struct xdp_md *ctx) { return global_classify(ctx, 3); }
char LICENSE[] SEC("license") = "GPL";
