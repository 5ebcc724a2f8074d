#include "common.h"
SEC("xdp") int ok_ipv4_parse(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_DROP;
  if (ip->ihl < 5) return XDP_DROP;
  void *l4 = (void *)ip + ip->ihl * 4;
  if (l4 + 4 > data_end) return XDP_PASS;
  __u16 sport = *(__u16 *)l4;
  if (ip->protocol == IPPROTO_UDP && sport == bpf_htons(53)) return XDP_DROP;
  if (ip->ttl <= 1) return XDP_DROP;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
