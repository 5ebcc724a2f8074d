#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } rb SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } jt SEC(".maps");
SEC("xdp") int bad_tail_call_with_ref(struct xdp_md *ctx) {
  __u64 *e = bpf_ringbuf_reserve(&rb, 8, 0);
  if (!e) return XDP_PASS;
  bpf_tail_call(ctx, &jt, 0);
  bpf_ringbuf_discard(e, 0);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
