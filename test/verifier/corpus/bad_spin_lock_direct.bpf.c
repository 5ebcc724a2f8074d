#include "common.h"
struct val { __u64 count; struct bpf_spin_lock lock; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct val); } locked SEC(".maps");
SEC("xdp") int bad_spin_lock_direct(struct xdp_md *ctx) {
  __u32 key = 0;
  struct val *v = bpf_map_lookup_elem(&locked, &key);
  if (!v) return XDP_PASS;
  *(volatile __u32 *)&v->lock = 0; /* the lock word is off limits */
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
