#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } cnt SEC(".maps");
SEC("xdp") int bad_map_in_loop(struct xdp_md *ctx) {
  /* 6.18 reports "infinite loop detected": k lives on the stack (its address is taken) and the
     loop head state repeats exactly while the verifier treats the spilled k as imprecise */
  for (__u32 k = 0; k < 8; k++) {
    __u64 *v = bpf_map_lookup_elem(&cnt, &k);
    if (v) *v += k;
  }
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
