#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } rb SEC(".maps");
SEC("xdp") int bad_ringbuf_use_after_submit(struct xdp_md *ctx) {
  __u64 *e = bpf_ringbuf_reserve(&rb, 8, 0);
  if (!e) return XDP_PASS;
  bpf_ringbuf_submit(e, 0);
  *(volatile __u64 *)e = 1;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
