#include "common.h"
SEC("xdp") int bad_many_branches(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  if (data + 32 > data_end) return XDP_PASS;
  __u8 *p = data;
  __u32 score = 0;
#define T(i) if (p[i] & 1) score += i; else score ^= i;
  T(0) T(1) T(2) T(3) T(4) T(5) T(6) T(7) T(8) T(9) T(10) T(11) T(12) T(13) T(14) T(15)
  T(16) T(17) T(18) T(19) T(20) T(21) T(22) T(23) T(24) T(25) T(26) T(27) T(28) T(29) T(30) T(31)
  /* 2^32 paths: score stays precise, nothing prunes, the verifier gives up at 1M insns */
  return score > 100 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
