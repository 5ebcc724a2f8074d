#include "common.h"
const volatile __u32 drop_port = 53;
__u64 packets = 0;
SEC("xdp") int ok_global_data(struct xdp_md *ctx) {
  __sync_fetch_and_add(&packets, 1);
  return drop_port == 53 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
