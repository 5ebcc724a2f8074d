#include "common.h"
static long cb(__u64 index, void *c) { return 2; }
SEC("xdp") int bad_loop_callback_ret(struct xdp_md *ctx) {
  bpf_loop(10, cb, 0, 0);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
