#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } counters SEC(".maps");
SEC("xdp") int bad_array_misc_key(struct xdp_md *ctx) {
  __u32 key = 2;
  __u64 *v = bpf_map_lookup_elem(&counters, &key); /* key spilled at fp-4: STACK_MISC, not a constant */
  __sync_fetch_and_add(v, 1);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
