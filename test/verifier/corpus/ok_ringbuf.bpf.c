#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");
struct event { __u32 len; __u32 ifindex; };
SEC("xdp") int ok_ringbuf(struct xdp_md *ctx) {
  struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) return XDP_PASS;
  e->len = ctx->data_end - ctx->data;
  e->ifindex = ctx->ingress_ifindex;
  if (e->len > 1000) { bpf_ringbuf_discard(e, 0); return XDP_DROP; }
  bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
