#include "common.h"
SEC("xdp") int ok_load_bytes(struct xdp_md *ctx) {
  __u8 buf[32];
  if (bpf_xdp_load_bytes(ctx, 0, buf, sizeof(buf))) return XDP_PASS;
  __u64 len = bpf_xdp_get_buff_len(ctx);
  buf[0] ^= 1;
  bpf_xdp_store_bytes(ctx, 0, buf, 8);
  return len > 100 && buf[12] == 8 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
