#include "common.h"
/* A pointer argument of a global function may be NULL: it must be checked before use. */
__attribute__((noinline)) int read_it(__u32 *p) { return *p & 3; }
SEC("xdp") int bad_global_func_null(struct xdp_md *ctx) {
  __u32 v = ctx->rx_queue_index;
  return read_it(&v);
}
char LICENSE[] SEC("license") = "GPL";
