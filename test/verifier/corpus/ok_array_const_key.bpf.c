#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } counters SEC(".maps");
SEC("xdp") int ok_array_const_key(struct xdp_md *ctx) {
  __u32 key __attribute__((aligned(8))) = 2; /* 8-aligned spill of a constant: lookup cannot fail */
  __u64 *v = bpf_map_lookup_elem(&counters, &key);
  __sync_fetch_and_add(v, 1);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
