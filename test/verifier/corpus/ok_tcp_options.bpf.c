#include "common.h"
#include <linux/tcp.h>
SEC("xdp") int ok_tcp_options(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_TCP) return XDP_PASS;
  struct tcphdr *tcp = (void *)ip + (ip->ihl & 0xf) * 4;
  if ((void *)(tcp + 1) > data_end) return XDP_PASS;
  __u8 *opt = (void *)(tcp + 1);
  __u32 optlen = tcp->doff * 4 - sizeof(*tcp);
  for (__u32 i = 0; i < 10 && i < optlen; i++) {
    if ((void *)(opt + 2) > data_end) break;
    if (opt[0] == 0) break;
    if (opt[0] == 1) { opt++; continue; }
    if (opt[0] == 2 && opt[1] == 4) return XDP_DROP; /* MSS */
    if (opt[1] < 2) break;
    opt += opt[1] & 0x3f;
  }
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
