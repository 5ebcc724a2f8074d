/* cflags: -mcpu=v4 */
#include "common.h"
SEC("xdp") int ok_v4_insns(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  if (data + 8 > data_end) return XDP_PASS;
  long a = *(signed char *)data;          /* ldsx */
  short s = *(short *)(data + 2);
  long b = (long)s;                        /* movsx / ldsx */
  __u32 w = __builtin_bswap32(*(__u32 *)(data + 4));
  long q = b != 0 ? a / b : 0;             /* sdiv */
  return (q + w) & 1 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
