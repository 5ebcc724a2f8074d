// SPDX-License-Identifier: MIT
/*
 * adjust.bpf.c — growing and shrinking frames at both ends: encapsulation, decapsulation,
 * snapping, trailers, VLAN push and XDP metadata. Five independent SEC("xdp") programs
 * (pick one with --prog; xdp_encap is the first and the default):
 *   xdp_encap      IPv4 -> IPv4-in-IPv4 to `tunnel_dst`: bpf_xdp_adjust_head(-20), Ethernet
 *                  header moved to the new front, outer header checksummed with bpf_csum_diff;
 *                  XDP_TX. Other frames pass untouched.
 *   xdp_decap      IPIP (4) / 6in4 (41) tunnels: outer IPv4 header (options included) removed
 *                  with bpf_xdp_adjust_head(+ihl*4), ethertype rewritten; XDP_PASS.
 *   xdp_snap       frames longer than `snap_len` cut with bpf_xdp_adjust_tail(negative); uses
 *                  bpf_xdp_get_buff_len, so frames beyond the linear area (frags) are cut too.
 *   xdp_trailer    pads runts to 60 bytes and appends an 8-byte trailer ("XDPS" + sequence
 *                  number, big-endian) with bpf_xdp_adjust_tail(positive) and
 *                  bpf_xdp_store_bytes; when growing fails the frame passes unchanged.
 *   xdp_vlan_meta  bpf_xdp_adjust_meta(-8) writes {mark, original length} in front of the
 *                  frame, then pushes an 802.1Q tag (`vlan_id`) with bpf_xdp_adjust_head(-4):
 *                  the kernel moves the metadata along with data. BPF_PROG_TEST_RUN's data_out
 *                  starts at data_meta, so the 8 metadata bytes lead the recorded output.
 * Counters in .bss (`stats`): successes and failures per operation.
 *
 * Compile (the committed adjust.o was built with exactly this):
 *   clang-19 -target bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c xdp/adjust.bpf.c -o xdp/adjust.o
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u32 tunnel_src = 0xc0000201;  /* 192.0.2.1, host order */
const volatile __u32 tunnel_dst = 0xc6336401;  /* 198.51.100.1 */
const volatile __u32 snap_len = 128;           /* xdp_snap: keep this many bytes */
const volatile __u16 vlan_id = 100;            /* xdp_vlan_meta: VID (PCP/DEI 0) */
const volatile __u32 meta_mark = 0x58445053;   /* "XDPS" */

struct {
	__u64 encap, encap_fail;
	__u64 decap, decap_fail;
	__u64 snapped, snap_fail;
	__u64 trailers, trailer_fail;
	__u64 vlan_pushed, meta_fail;
	__u32 trailer_seq;
	__u32 last_snap_from;   /* buff_len before the last cut */
} stats;

struct meta {
	__u32 mark;
	__u32 orig_len;
};

struct trailer {
	char magic[4];
	__be32 seq;
};

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp")
int xdp_encap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, eth_copy;
	struct iphdr *inner = (void *)(eth + 1), *outer;
	__u16 inner_len;
	__u8 tos;

	if ((void *)(inner + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	inner_len = bpf_ntohs(inner->tot_len);
	tos = inner->tos;
	__builtin_memcpy(&eth_copy, eth, sizeof(eth_copy));

	/* Make room for the outer header; every packet pointer is invalid afterwards. */
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr))) {
		__sync_fetch_and_add(&stats.encap_fail, 1);
		return XDP_ABORTED;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > data_end)
		return XDP_ABORTED;

	__builtin_memcpy(eth, &eth_copy, sizeof(*eth));
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = tos;
	outer->tot_len = bpf_htons(inner_len + sizeof(*outer));
	outer->id = 0;
	outer->frag_off = bpf_htons(0x4000); /* DF */
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = bpf_htonl(tunnel_src);
	outer->daddr = bpf_htonl(tunnel_dst);
	/* One's-complement sum of the 20 header bytes (from = NULL: nothing to subtract). */
	outer->check = csum_fold(bpf_csum_diff(0, 0, (__be32 *)outer, sizeof(*outer), 0));
	__sync_fetch_and_add(&stats.encap, 1);
	return XDP_TX;
}

SEC("xdp")
int xdp_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, eth_copy;
	struct iphdr *outer = (void *)(eth + 1);
	int hlen;

	if ((void *)(outer + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (outer->protocol == IPPROTO_IPIP)
		eth_copy.h_proto = bpf_htons(ETH_P_IP);
	else if (outer->protocol == IPPROTO_IPV6)
		eth_copy.h_proto = bpf_htons(ETH_P_IPV6);
	else
		return XDP_PASS;
	if (outer->ihl < 5 || (outer->frag_off & bpf_htons(0x3fff)))
		return XDP_PASS; /* malformed or fragmented tunnel packet: leave it to the stack */
	hlen = outer->ihl * 4;
	__builtin_memcpy(eth_copy.h_dest, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth_copy.h_source, eth->h_source, ETH_ALEN);

	if (bpf_xdp_adjust_head(ctx, hlen)) {
		__sync_fetch_and_add(&stats.decap_fail, 1);
		return XDP_ABORTED;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, &eth_copy, sizeof(*eth));
	__sync_fetch_and_add(&stats.decap, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_snap(struct xdp_md *ctx)
{
	int len = bpf_xdp_get_buff_len(ctx); /* linear part + frags */

	if (len <= (int)snap_len)
		return XDP_PASS;
	stats.last_snap_from = len;
	if (bpf_xdp_adjust_tail(ctx, (int)snap_len - len)) {
		__sync_fetch_and_add(&stats.snap_fail, 1);
		return XDP_DROP;
	}
	__sync_fetch_and_add(&stats.snapped, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_trailer(struct xdp_md *ctx)
{
	int len = bpf_xdp_get_buff_len(ctx);
	int grow = sizeof(struct trailer);
	struct trailer t = { .magic = { 'X', 'D', 'P', 'S' } };

	if (len < 60)
		grow += 60 - len; /* pad to the Ethernet minimum first (grown bytes are zero) */
	if (bpf_xdp_adjust_tail(ctx, grow)) {
		__sync_fetch_and_add(&stats.trailer_fail, 1);
		return XDP_PASS; /* no tailroom: the frame goes on without a trailer */
	}
	t.seq = bpf_htonl(stats.trailer_seq++);
	/* bpf_xdp_store_bytes reaches the end of the frame even when it lies in a frag. */
	if (bpf_xdp_store_bytes(ctx, len + grow - sizeof(t), &t, sizeof(t)))
		return XDP_ABORTED;
	__sync_fetch_and_add(&stats.trailers, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_vlan_meta(struct xdp_md *ctx)
{
	void *data, *data_end, *data_meta;
	struct meta *meta;
	__u8 macs[2 * ETH_ALEN];
	__be16 *tag;
	__u32 len = ctx->data_end - ctx->data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta))) {
		__sync_fetch_and_add(&stats.meta_fail, 1);
		return XDP_PASS;
	}
	data_meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	meta = data_meta;
	if ((void *)(meta + 1) > data)
		return XDP_ABORTED;
	meta->mark = meta_mark;
	meta->orig_len = len;

	data_end = (void *)(long)ctx->data_end;
	if (data + 2 * ETH_ALEN > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(macs, data, sizeof(macs));
	/* 4 more bytes in front: the kernel memmove()s the metadata to the new data - 8. */
	if (bpf_xdp_adjust_head(ctx, -4))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + 2 * ETH_ALEN + 4 > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, macs, sizeof(macs));
	tag = data + 2 * ETH_ALEN;
	tag[0] = bpf_htons(ETH_P_8021Q);
	tag[1] = bpf_htons(vlan_id & 0x0fff);
	__sync_fetch_and_add(&stats.vlan_pushed, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
