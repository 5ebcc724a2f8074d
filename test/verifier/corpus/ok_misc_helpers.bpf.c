#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } cpu_seen SEC(".maps");
SEC("xdp") int ok_misc_helpers(struct xdp_md *ctx) {
  __u64 t = bpf_ktime_get_ns() + bpf_jiffies64();
  __u32 r = bpf_get_prandom_u32();
  __u32 cpu = bpf_get_smp_processor_id();
  __u64 *v = bpf_map_lookup_elem(&cpu_seen, &cpu);
  if (v) *v = t;
  return r & 1 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
