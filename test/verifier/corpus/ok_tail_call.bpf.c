#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } jmp_table SEC(".maps");
SEC("xdp") int ok_tail_call(struct xdp_md *ctx) {
  bpf_tail_call(ctx, &jmp_table, ctx->rx_queue_index & 3);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
