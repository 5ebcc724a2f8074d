#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } flows SEC(".maps");
struct acc { __u64 total; __u32 n; };
static long visit(void *map, __u32 *key, __u64 *val, struct acc *a) {
  a->total += *val;
  a->n++;
  /* a->n is compared against a constant on every iteration, so it stays precise: the verifier
     cannot tell the iterations apart and gives up at 1M instructions (6.18 behaviour) */
  return a->n >= 32;
}
SEC("xdp") int bad_for_each_map_counter(struct xdp_md *ctx) {
  struct acc a = {};
  bpf_for_each_map_elem(&flows, visit, &a, 0);
  return a.total > 1000 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
