#include "common.h"
SEC("xdp") int bad_uninit_stack(struct xdp_md *ctx) {
  __u64 x[2];
  x[0] = 1;
  return *(volatile __u64 *)&x[1] == 7 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
