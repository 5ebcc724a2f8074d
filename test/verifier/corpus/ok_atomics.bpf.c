/* cflags: -mcpu=v3 (32-bit atomics) */
#include "common.h"
struct val { __u64 a; __u64 b; __u32 c; __u32 d; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct val); } at SEC(".maps");
SEC("xdp") int ok_atomics(struct xdp_md *ctx) {
  __u32 key = 0;
  struct val *v = bpf_map_lookup_elem(&at, &key);
  if (!v) return XDP_PASS;
  __u64 old = __sync_fetch_and_add(&v->a, 2);
  __u64 prev = __sync_lock_test_and_set(&v->b, old);
  __u32 was = __sync_val_compare_and_swap(&v->c, 0, 5);
  __sync_fetch_and_or(&v->d, 1);
  return (prev + was) & 1 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
