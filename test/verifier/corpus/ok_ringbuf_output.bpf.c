#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");
SEC("xdp") int ok_ringbuf_output(struct xdp_md *ctx) {
  __u64 v = ctx->ingress_ifindex;
  bpf_ringbuf_output(&events, &v, sizeof(v), 0);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
