#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } rb SEC(".maps");
SEC("xdp") int bad_ringbuf_oob(struct xdp_md *ctx) {
  __u32 *e = bpf_ringbuf_reserve(&rb, 8, 0);
  if (!e) return XDP_PASS;
  e[2] = 1;
  bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
