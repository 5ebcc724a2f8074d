#include "common.h"
SEC("xdp") int ok_csum_diff(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  if (data + 34 > data_end) return XDP_PASS;
  __u32 old = *(__u32 *)(data + 26);
  __u32 new = 0x0100000a;
  __s64 c = bpf_csum_diff(&old, 4, &new, 4, 0);
  return c & 1 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
