#include "common.h"
const volatile __u32 limit = 5;
SEC("xdp") int bad_rodata_write(struct xdp_md *ctx) {
  *(volatile __u32 *)&limit = 6;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
