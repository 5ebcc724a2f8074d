// SPDX-License-Identifier: MIT
/*
 * frags.bpf.c — verifying (and repairing) TCP/UDP checksums of frames of any size, jumbo and
 * GSO super-frames included, in a multi-buffer XDP program (SEC("xdp.frags")).
 *
 * Frames larger than the linear area (3520 bytes under BPF_PROG_TEST_RUN) continue in frags
 * that direct packet access cannot reach, so the whole L4 segment is read with
 * bpf_xdp_load_bytes, 256 bytes per iteration of a bpf_loop callback, and summed with
 * bpf_csum_diff (the one's-complement sum over the pseudo-header + segment). A checksum that
 * does not verify is rewritten in place with bpf_xdp_store_bytes when `fix_csum` is 1
 * (typical for GSO frames captured before the NIC filled the checksum) and the frame passes;
 * with `fix_csum` 0 it is dropped. bpf_check_mtu tells whether the frame's linear part, the
 * same plus `encap_overhead` bytes of a tunnel header, and the whole multi-buffer frame fit
 * the MTU of `mtu_ifindex` (0 = the ingress device); frames that would not fit are counted. Sizes go into a log2 histogram.
 * IPv4 (no fragments) and IPv6 without extension headers; everything else passes unchecked.
 *
 * Maps: ARRAY `size_hist`, PERCPU_ARRAY `csum_stats`, .bss. Helpers: bpf_xdp_get_buff_len,
 * bpf_xdp_load_bytes, bpf_xdp_store_bytes, bpf_loop, bpf_csum_diff, bpf_check_mtu.
 *
 * Compile (the committed frags.o was built with exactly this):
 *   clang-19 -target bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c xdp/frags.bpf.c -o xdp/frags.o
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define CHUNK 256
#define MAX_CHUNKS 512  /* 128 KiB: more than any frame BPF_PROG_TEST_RUN accepts */

const volatile __u8 fix_csum = 1;         /* 1: repair bad checksums, 0: drop those frames */
const volatile __u32 mtu_ifindex = 0;     /* bpf_check_mtu device; 0 = the ingress device */
const volatile __s32 encap_overhead = 50; /* VXLAN over IPv4: would it still fit? */

enum {
	CS_CHECKED,     /* segments whose checksum was computed */
	CS_GOOD,
	CS_BAD,
	CS_FIXED,
	CS_NO_CSUM,     /* UDP over IPv4 with checksum 0 */
	CS_SKIPPED,     /* not TCP/UDP, fragments, extension headers, truncated */
	CS_LOAD_ERR,    /* bpf_xdp_load_bytes / store_bytes failed */
	CS_MTU_EXCEEDED,
	CS_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} csum_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 18);  /* bucket = bit length of the frame length */
	__type(key, __u32);
	__type(value, __u64);
} size_hist SEC(".maps");

/* Last frame's details, for debugging from user space (.bss). */
__u32 last_buff_len;
__u32 last_linear_len;
__u32 last_mtu;
__s32 last_mtu_ret;
__s32 last_mtu_encap_ret;
__s32 last_mtu_full_ret;
__u32 last_loops;
__u16 last_csum_found;
__u16 last_csum_wanted;

struct sum_ctx {
	struct xdp_md *xdp;
	__u32 off;      /* next byte to read */
	__u32 end;      /* one past the segment */
	__u32 sum;      /* running one's-complement sum (bpf_csum_diff seed) */
	int err;
};

static void count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&csum_stats, &what);

	if (v)
		*v += 1;
}

static __always_inline __u16 fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* bpf_loop callback: add the next (up to) CHUNK bytes of the segment to the sum. */
static long sum_chunk(__u64 index, struct sum_ctx *c)
{
	__u8 buf[CHUNK] = {};
	__u64 len; /* 64-bit: a u32 would be checked on a zero-extended copy the verifier
		    * does not link back to the register passed to the helper */

	if (c->off >= c->end)
		return 1; /* done: stop the loop */
	len = (__u64)c->end - c->off;
	if (len > CHUNK)
		len = CHUNK;
	/* clang knows 1 <= len <= CHUNK here and would drop the check below, but the verifier
	 * lost the lower bound in the subtraction: hide len from the optimiser, keep the check. */
	asm volatile("" : "+r"(len));
	if (len < 1 || len > CHUNK)
		return 1;
	if (bpf_xdp_load_bytes(c->xdp, c->off, buf, len)) {
		c->err = 1;
		return 1;
	}
	/* The tail is zero-padded to a multiple of 4 (chunks start at even offsets, so the
	 * padding is the zero byte RFC 1071 appends to an odd-length segment). */
	len = (len + 3) & ~3ULL;
	if (len > CHUNK)
		len = CHUNK;
	c->sum = bpf_csum_diff(0, 0, (__be32 *)buf, len, c->sum);
	c->off += CHUNK;
	return 0;
}

/* Pseudo-headers, laid out as they are summed (RFC 768 / 793, RFC 8200 section 8.1). */
struct pseudo_v4 {
	__be32 saddr, daddr;
	__u8 zero, proto;
	__be16 len;
};

struct pseudo_v6 {
	struct in6_addr saddr, daddr;
	__be32 len;
	__u8 zero[3], proto;
};

SEC("xdp.frags")
int xdp_frags_csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct sum_ctx sc = { .xdp = ctx };
	__u32 buff_len = bpf_xdp_get_buff_len(ctx);
	__u32 l4_off, l4_len, csum_off, mtu = 0, bucket = 0, tmp;
	__u16 found, wanted;
	__u8 proto;
	long loops;

	last_buff_len = buff_len;
	last_linear_len = data_end - data;
	for (tmp = buff_len; tmp && bucket < 17; tmp >>= 1)
		bucket++;
	{
		__u64 *h = bpf_map_lookup_elem(&size_hist, &bucket);

		if (h)
			__sync_fetch_and_add(h, 1);
	}

	/* MTU checks. *mtu_len is an input too: 0 = check the frame's linear length (for XDP the
	 * helper never looks at frags), non-zero = check that L3 length instead; on return it
	 * holds the device MTU. So the whole multi-buffer frame is checked by passing its L3
	 * length, and mtu must be reset to 0 before reusing it. */
	last_mtu_ret = bpf_check_mtu(ctx, mtu_ifindex, &mtu, 0, 0);
	last_mtu = mtu;
	mtu = 0;
	last_mtu_encap_ret = bpf_check_mtu(ctx, mtu_ifindex, &mtu, encap_overhead, 0);
	mtu = buff_len > ETH_HLEN ? buff_len - ETH_HLEN : 1;
	last_mtu_full_ret = bpf_check_mtu(ctx, mtu_ifindex, &mtu, 0, 0);
	if (last_mtu_ret || last_mtu_encap_ret || last_mtu_full_ret)
		count(CS_MTU_EXCEEDED);

	if ((void *)(eth + 1) > data_end)
		goto skip;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);
		struct pseudo_v4 ph;

		if ((void *)(iph + 1) > data_end || iph->ihl < 5 ||
		    (iph->frag_off & bpf_htons(0x3fff)))
			goto skip;
		proto = iph->protocol;
		l4_off = sizeof(*eth) + iph->ihl * 4;
		if (bpf_ntohs(iph->tot_len) < iph->ihl * 4)
			goto skip;
		l4_len = bpf_ntohs(iph->tot_len) - iph->ihl * 4;
		ph.saddr = iph->saddr;
		ph.daddr = iph->daddr;
		ph.zero = 0;
		ph.proto = proto;
		ph.len = bpf_htons(l4_len);
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			goto skip;
		sc.sum = bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct pseudo_v6 ph = {};

		if ((void *)(ip6 + 1) > data_end)
			goto skip;
		proto = ip6->nexthdr;
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			goto skip; /* extension headers (jumbograms too) are not followed */
		l4_off = sizeof(*eth) + sizeof(*ip6);
		l4_len = bpf_ntohs(ip6->payload_len);
		__builtin_memcpy(&ph.saddr, &ip6->saddr, sizeof(ph.saddr));
		__builtin_memcpy(&ph.daddr, &ip6->daddr, sizeof(ph.daddr));
		ph.len = bpf_htonl(l4_len);
		ph.proto = proto;
		sc.sum = bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
	} else {
		goto skip;
	}
	if (l4_off + l4_len > buff_len)
		goto skip; /* cut by the capture's snaplen: cannot verify */
	csum_off = l4_off + (proto == IPPROTO_TCP ? 16 : 6);
	if (bpf_xdp_load_bytes(ctx, csum_off, &found, sizeof(found))) {
		count(CS_LOAD_ERR);
		return XDP_PASS;
	}
	if (proto == IPPROTO_UDP && found == 0 && eth->h_proto == bpf_htons(ETH_P_IP)) {
		count(CS_NO_CSUM);
		return XDP_PASS;
	}

	sc.off = l4_off;
	sc.end = l4_off + l4_len;
	loops = bpf_loop(MAX_CHUNKS, sum_chunk, &sc, 0);
	last_loops = loops;
	if (sc.err || loops < 0) {
		count(CS_LOAD_ERR);
		return XDP_PASS;
	}
	count(CS_CHECKED);
	last_csum_found = found;
	if (fold(sc.sum) == 0xffff) {
		last_csum_wanted = found;
		count(CS_GOOD);
		return XDP_PASS;
	}
	/* sum - found + wanted must be 0xffff: wanted = ~(sum + ~found). */
	wanted = ~fold((__u64)fold(sc.sum) + (__u16)~found);
	if (proto == IPPROTO_UDP && wanted == 0)
		wanted = 0xffff;
	last_csum_wanted = wanted;
	count(CS_BAD);
	if (!fix_csum)
		return XDP_DROP;
	if (bpf_xdp_store_bytes(ctx, csum_off, &wanted, sizeof(wanted))) {
		count(CS_LOAD_ERR);
		return XDP_DROP;
	}
	count(CS_FIXED);
	return XDP_PASS;
skip:
	count(CS_SKIPPED);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
