#include "common.h"
SEC("xdp/devmap") int ok_devmap_egress(struct xdp_md *ctx) {
  return ctx->egress_ifindex == 3 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
