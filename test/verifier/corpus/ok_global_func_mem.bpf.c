#include "common.h"
__attribute__((noinline)) int read_it(__u32 *p) { return p ? *p & 3 : 0; }
SEC("xdp") int ok_global_func_mem(struct xdp_md *ctx) {
  __u32 v = ctx->rx_queue_index;
  return read_it(&v);
}
char LICENSE[] SEC("license") = "GPL";
