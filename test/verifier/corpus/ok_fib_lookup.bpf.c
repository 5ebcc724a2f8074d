#include "common.h"
SEC("xdp") int ok_fib_lookup(struct xdp_md *ctx) {
  struct bpf_fib_lookup p = {};
  p.family = 2;
  p.ifindex = ctx->ingress_ifindex;
  long rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
  return rc == 0 ? bpf_redirect(p.ifindex, 0) : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
