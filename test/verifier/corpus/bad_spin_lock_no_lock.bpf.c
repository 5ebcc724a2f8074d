#include "common.h"
struct val { __u64 count; __u32 notalock; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct val); } plain SEC(".maps");
SEC("xdp") int bad_spin_lock_no_lock(struct xdp_md *ctx) {
  __u32 key = 0;
  struct val *v = bpf_map_lookup_elem(&plain, &key);
  if (!v) return XDP_PASS;
  bpf_spin_lock((struct bpf_spin_lock *)&v->notalock);
  v->count++;
  bpf_spin_unlock((struct bpf_spin_lock *)&v->notalock);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
