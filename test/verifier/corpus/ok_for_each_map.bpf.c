#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } flows SEC(".maps");
struct acc { __u64 total; };
static long visit(void *map, __u32 *key, __u64 *val, struct acc *a) {
  a->total += *val; /* imprecise: iterations converge */
  return 0;
}
SEC("xdp") int ok_for_each_map(struct xdp_md *ctx) {
  struct acc a = {};
  bpf_for_each_map_elem(&flows, visit, &a, 0);
  return a.total > 1000 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
