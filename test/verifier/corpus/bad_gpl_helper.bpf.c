#include "common.h"
SEC("xdp") int bad_gpl_helper(struct xdp_md *ctx) {
  bpf_printk("hello");
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "Proprietary";
