#include "common.h"
SEC("xdp") int ok_pkt_meta_check(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *meta = (void *)(long)ctx->data_meta;
  __u32 *m = meta;
  if ((void *)(m + 1) > data) return XDP_PASS;
  return *m == 7 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
