#include "common.h"
SEC("xdp") int ok_adjust_head_recheck(struct xdp_md *ctx) {
  if (bpf_xdp_adjust_head(ctx, -4)) return XDP_DROP;
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  if (data + 4 + sizeof(struct ethhdr) > data_end) return XDP_DROP;
  __builtin_memmove(data, data + 4, 12);
  *(__u32 *)(data + 12) = 0;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
