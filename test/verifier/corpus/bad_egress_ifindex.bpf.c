#include "common.h"
SEC("xdp") int bad_egress_ifindex(struct xdp_md *ctx) {
  return ctx->egress_ifindex == 3 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
