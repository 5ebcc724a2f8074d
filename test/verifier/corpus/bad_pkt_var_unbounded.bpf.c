#include "common.h"
SEC("xdp") int bad_pkt_var_unbounded(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  if (data + 4 > data_end) return XDP_PASS;
  __u32 off = *(__u32 *)data;              /* not masked: up to 4G */
  __u8 *p = data + off;
  if ((void *)(p + 1) > data_end) return XDP_PASS;
  return *p ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
