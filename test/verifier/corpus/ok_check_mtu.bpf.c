#include "common.h"
SEC("xdp") int ok_check_mtu(struct xdp_md *ctx) {
  __u32 mtu = 0;
  if (bpf_check_mtu(ctx, 0, &mtu, 0, 0)) return XDP_DROP;
  return mtu > 1500 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
