#include "common.h"
__attribute__((noinline)) int read_it(__u32 *p) { return p ? *p & 3 : 0; }
SEC("xdp") int bad_global_func_arg(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  if (data + 2 > data_end) return XDP_PASS;
  return read_it(data); /* only 2 bytes proven, the argument needs 4 */
}
char LICENSE[] SEC("license") = "GPL";
