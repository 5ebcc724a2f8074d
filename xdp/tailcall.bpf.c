// SPDX-License-Identifier: MIT
/*
 * tailcall.bpf.c — a protocol pipeline built from tail calls (bpf_tail_call on a PROG_ARRAY).
 *
 * `jmp_table` is a BTF-defined PROG_ARRAY initialised statically
 * (`.values = { [ST_IPV4] = (void *)&parse_ipv4, ... }`): libbpf fills the slots with the
 * programs' fds at load time, so no user space is needed. Chains (one program per stage):
 *   xdp_dispatch -> parse_ipv4 -> handle_tcp -> tcp_syn_guard        (3 tail calls deep)
 *                               -> handle_udp | handle_icmp
 *                               -> tail_recurse -> tail_recurse -> ... (IPv4 protocol
 *                                  `loop_proto`: calls itself until the kernel's limit of
 *                                  33 tail calls per run makes bpf_tail_call fall through)
 *                -> parse_ipv6 -> handle_tcp | handle_udp
 *                              -> slot ST_ICMP6, deliberately empty: the call falls through
 *   ARP and other ethertypes: no slot -> falls through -> XDP_PASS.
 * State travels between stages in a PERCPU_ARRAY (`pkt_state`, reset by the dispatcher).
 * Observable results: `stage_hits` (ARRAY: runs per stage, plus tail-call misses), `paths`
 * (HASH: bitmask of the stages a packet went through -> packets), `syn_count` (HASH per
 * source), `loop_depth` (ARRAY: how many times tail_recurse ran for the last such packet).
 * Run it with --prog xdp_dispatch (the first program in the object; all are SEC("xdp")).
 *
 * Compile (the committed tailcall.o was built with exactly this):
 *   clang-19 -target bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c xdp/tailcall.bpf.c -o xdp/tailcall.o
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u8 loop_proto = 253;   /* IPv4 protocol sent round tail_recurse (RFC 3692) */
const volatile __u32 syn_limit = 8;     /* SYNs per source before tcp_syn_guard drops */

enum stage {
	ST_DISPATCH,
	ST_IPV4,
	ST_IPV6,
	ST_TCP,
	ST_UDP,
	ST_ICMP,
	ST_SYN,
	ST_LOOP,
	ST_ICMP6,       /* no program in this slot: shows a failing bpf_tail_call */
	ST_MAX,
	ST_MISS = ST_MAX, /* stage_hits index counting fall-throughs */
};

/* The PROG_ARRAY's type is named so that it can be declared here (a tentative definition,
 * used by the stages below) and initialised at the end of the file, after the programs it
 * lists: clang lays functions out in the order it first emits them, and functions named in
 * an initialiser are emitted early. Initialising the table last keeps xdp_dispatch the first
 * program of the "xdp" section (xdpsim's default --prog). */
struct jmp_table_def {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, ST_MAX);
	__uint(key_size, sizeof(__u32));
	__array(values, int (struct xdp_md *));
};
struct jmp_table_def jmp_table SEC(".maps");

struct pkt_state {
	__u32 l3_off;   /* offset of the IP header */
	__u32 l4_off;   /* offset of the transport header */
	__u32 path;     /* bit per stage visited */
	__u32 depth;    /* tail_recurse runs */
	__u32 saddr;    /* IPv4 source (network order), 0 for IPv6 */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pkt_state);
} pkt_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ST_MAX + 1);
	__type(key, __u32);
	__type(value, __u64);
} stage_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);     /* path bitmask */
	__type(value, __u64);   /* packets */
} paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);     /* IPv4 source */
	__type(value, __u32);   /* SYNs seen */
} syn_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} loop_depth SEC(".maps");

#define MAX_L4_OFF (14 + 8 + 60)  /* Ethernet + 2 VLAN tags + longest IPv4 header */

static __always_inline struct pkt_state *state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pkt_state, &zero);
}

/* Count a visit to stage `st` and remember it in the packet's path. */
static __always_inline struct pkt_state *enter(enum stage st)
{
	struct pkt_state *s = state();
	__u32 key = st;
	__u64 *hits = bpf_map_lookup_elem(&stage_hits, &key);

	if (hits)
		__sync_fetch_and_add(hits, 1);
	if (s)
		s->path |= 1U << st;
	return s;
}

/* Terminal stage: account the path and return the verdict. */
static __always_inline int done(struct pkt_state *s, int verdict)
{
	__u32 path = s ? s->path : 0;
	__u64 one = 1, *n = bpf_map_lookup_elem(&paths, &path);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&paths, &path, &one, BPF_NOEXIST);
	return verdict;
}

/* bpf_tail_call only returns when it failed (empty slot or tail-call limit reached). */
static __always_inline int tail(struct xdp_md *ctx, struct pkt_state *s, enum stage next)
{
	__u32 key = ST_MISS;
	__u64 *miss;

	bpf_tail_call(ctx, &jmp_table, next);
	miss = bpf_map_lookup_elem(&stage_hits, &key);
	if (miss)
		__sync_fetch_and_add(miss, 1);
	return done(s, XDP_PASS);
}

SEC("xdp")
int xdp_dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct pkt_state *s = state();
	__u32 off = sizeof(*eth);
	__u16 proto;
	int i;

	if (!s)
		return XDP_ABORTED;
	__builtin_memset(s, 0, sizeof(*s)); /* per-CPU scratch survives from the last packet */
	s = enter(ST_DISPATCH);
	if ((void *)(eth + 1) > data_end)
		return done(s, XDP_DROP);
	proto = eth->h_proto;
	for (i = 0; i < 2; i++) {
		__be16 *inner = data + off + 2;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(inner + 1) > data_end)
			return done(s, XDP_DROP);
		proto = *inner;
		off += 4;
	}
	if (!s)
		return XDP_ABORTED;
	s->l3_off = off;
	if (proto == bpf_htons(ETH_P_IP))
		return tail(ctx, s, ST_IPV4);
	if (proto == bpf_htons(ETH_P_IPV6))
		return tail(ctx, s, ST_IPV6);
	return done(s, XDP_PASS);
}

SEC("xdp")
int parse_ipv4(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt_state *s = enter(ST_IPV4);
	struct iphdr *iph;
	__u32 off;

	if (!s)
		return XDP_ABORTED;
	off = s->l3_off;
	if (off > 22)
		return done(s, XDP_ABORTED);
	iph = data + off;
	if ((void *)(iph + 1) > data_end || iph->ihl < 5)
		return done(s, XDP_DROP);
	s->l4_off = off + iph->ihl * 4;
	s->saddr = iph->saddr;
	if (iph->frag_off & bpf_htons(0x1fff))
		return done(s, XDP_PASS);
	if (iph->protocol == loop_proto)
		return tail(ctx, s, ST_LOOP);
	switch (iph->protocol) {
	case IPPROTO_TCP:
		return tail(ctx, s, ST_TCP);
	case IPPROTO_UDP:
		return tail(ctx, s, ST_UDP);
	case IPPROTO_ICMP:
		return tail(ctx, s, ST_ICMP);
	}
	return done(s, XDP_PASS);
}

SEC("xdp")
int parse_ipv6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt_state *s = enter(ST_IPV6);
	struct ipv6hdr *ip6;
	__u32 off;

	if (!s)
		return XDP_ABORTED;
	off = s->l3_off;
	if (off > 22)
		return done(s, XDP_ABORTED);
	ip6 = data + off;
	if ((void *)(ip6 + 1) > data_end)
		return done(s, XDP_DROP);
	s->l4_off = off + sizeof(*ip6);
	switch (ip6->nexthdr) {  /* extension headers are not followed here */
	case IPPROTO_TCP:
		return tail(ctx, s, ST_TCP);
	case IPPROTO_UDP:
		return tail(ctx, s, ST_UDP);
	case IPPROTO_ICMPV6:
		return tail(ctx, s, ST_ICMP6); /* empty slot */
	}
	return done(s, XDP_PASS);
}

SEC("xdp")
int handle_tcp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt_state *s = enter(ST_TCP);
	struct tcphdr *tcp;
	__u32 off;

	if (!s)
		return XDP_ABORTED;
	off = s->l4_off;
	if (off > MAX_L4_OFF)
		return done(s, XDP_ABORTED);
	tcp = data + off;
	if ((void *)(tcp + 1) > data_end)
		return done(s, XDP_DROP);
	if (tcp->syn && !tcp->ack && s->saddr)
		return tail(ctx, s, ST_SYN);
	return done(s, XDP_PASS);
}

SEC("xdp")
int handle_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt_state *s = enter(ST_UDP);
	struct udphdr *udp;
	__u32 off;

	if (!s)
		return XDP_ABORTED;
	off = s->l4_off;
	if (off > MAX_L4_OFF)
		return done(s, XDP_ABORTED);
	udp = data + off;
	if ((void *)(udp + 1) > data_end)
		return done(s, XDP_DROP);
	if (udp->len && bpf_ntohs(udp->len) < sizeof(*udp))
		return done(s, XDP_DROP); /* impossible UDP length */
	return done(s, XDP_PASS);
}

SEC("xdp")
int handle_icmp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt_state *s = enter(ST_ICMP);
	struct icmphdr *icmp;
	__u32 off;

	if (!s)
		return XDP_ABORTED;
	off = s->l4_off;
	if (off > MAX_L4_OFF)
		return done(s, XDP_ABORTED);
	icmp = data + off;
	if ((void *)(icmp + 1) > data_end)
		return done(s, XDP_DROP);
	/* Redirects and source quench are never wanted from the outside. */
	if (icmp->type == ICMP_REDIRECT || icmp->type == ICMP_SOURCE_QUENCH)
		return done(s, XDP_DROP);
	return done(s, XDP_PASS);
}

SEC("xdp")
int tcp_syn_guard(struct xdp_md *ctx)
{
	struct pkt_state *s = enter(ST_SYN);
	__u32 one = 1, *n, src;

	if (!s)
		return XDP_ABORTED;
	src = s->saddr;
	n = bpf_map_lookup_elem(&syn_count, &src);
	if (!n) {
		bpf_map_update_elem(&syn_count, &src, &one, BPF_NOEXIST);
		return done(s, XDP_PASS);
	}
	__sync_fetch_and_add(n, 1); /* -mcpu=v1: the fetched value cannot be used */
	if (*n > syn_limit)
		return done(s, XDP_DROP);
	return done(s, XDP_PASS);
}

SEC("xdp")
int tail_recurse(struct xdp_md *ctx)
{
	struct pkt_state *s = enter(ST_LOOP);
	__u32 zero = 0, *last;

	if (!s)
		return XDP_ABORTED;
	s->depth++;
	bpf_tail_call(ctx, &jmp_table, ST_LOOP); /* succeeds until the limit (33 per run) */
	last = bpf_map_lookup_elem(&loop_depth, &zero);
	if (last)
		*last = s->depth;
	return done(s, XDP_DROP);
}

/* Static initialisation: libbpf puts each program's fd into its slot at load time. */
struct jmp_table_def jmp_table SEC(".maps") = {
	.values = {
		[ST_IPV4] = (void *)&parse_ipv4,
		[ST_IPV6] = (void *)&parse_ipv6,
		[ST_TCP] = (void *)&handle_tcp,
		[ST_UDP] = (void *)&handle_udp,
		[ST_ICMP] = (void *)&handle_icmp,
		[ST_SYN] = (void *)&tcp_syn_guard,
		[ST_LOOP] = (void *)&tail_recurse,
		/* [ST_ICMP6] left empty on purpose */
	},
};

char LICENSE[] SEC("license") = "Dual MIT/GPL";
