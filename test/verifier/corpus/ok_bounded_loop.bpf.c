#include "common.h"
SEC("xdp") int ok_bounded_loop(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  __u32 sum = 0;
  for (int i = 0; i < 32; i++) {
    if (data + i + 1 > data_end) break;
    sum += data[i];
  }
  return sum & 1 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
