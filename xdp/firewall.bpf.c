// SPDX-License-Identifier: MIT
/*
 * firewall.bpf.c — the README demo: a small stateless XDP firewall.
 *
 * Parses Ethernet (+ up to two 802.1Q/802.1ad tags), IPv4 (with options) / IPv6 (skipping up
 * to four extension headers), TCP/UDP/ICMP, and decides per packet, in this order:
 *   - XDP_ABORTED  malformed IPv4 header (version != 4, ihl < 5, or total length shorter
 *                  than the header): it shows up in the xdp:xdp_exception tracepoint and in
 *                  xdpsim's aborted.pcap, what you want for "this cannot happen";
 *   - XDP_DROP     truncated headers; source in the blocklist (LPM tries `blocklist_v4` /
 *                  `blocklist_v6`, extendable with --map-init, plus one compiled-in prefix per
 *                  family: 192.0.2.0/24 and 2001:db8:bad::/48, overridable with --const);
 *                  TTL / hop limit below `min_ttl` (default: drop TTL <= 1); TCP to port 23;
 *   - XDP_TX       ICMP echo request to `responder_ipv4` (0 = any address): answered in place
 *                  (MACs and IPs swapped, TTL reset to 64, checksums fixed incrementally);
 *   - XDP_REDIRECT DNS queries (UDP to port 53) steered to `dns_ifindex` with bpf_redirect;
 *   - XDP_PASS     everything else (ARP, other ethertypes, ordinary TCP/UDP/ICMP, IPv6 ...).
 * Counters: `verdict_stats` (PERCPU_ARRAY, packets/bytes per XDP action), `drop_reasons`
 * (ARRAY, atomic adds), `src_stats` (LRU_HASH per source address), hit counts in the LPM values.
 *
 * Maps / helpers: LPM_TRIE x2, PERCPU_ARRAY, ARRAY, LRU_HASH; bpf_map_lookup_elem,
 * bpf_map_update_elem, bpf_redirect. Config: `const volatile` globals in .rodata (--const).
 *
 * Compile (the committed firewall.o was built with exactly this):
 *   clang-19 -target bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c xdp/firewall.bpf.c -o xdp/firewall.o
 * Run:  npx xdpsim run xdp/firewall.o pcaps/sample.pcap
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

#ifndef AF_INET
#define AF_INET  2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#define MAX_VLAN_DEPTH 2
#define MAX_V6_EXT_HDRS 4

/* ---- configuration (.rodata; `xdpsim run --const NAME=VALUE` / libbpf before load) ---- */
const volatile __u32 responder_ipv4 = 0;          /* host order, e.g. 0xc0a80001; 0 = any */
const volatile __u32 dns_ifindex = 1;             /* steer DNS queries here; 0 = don't */
const volatile __u8 block_telnet = 1;             /* drop TCP to port 23 */
const volatile __u8 min_ttl = 2;                  /* drop TTL / hop limit below this */
const volatile __u32 builtin_v4_net = 0xc0000200; /* 192.0.2.0 (TEST-NET-1), host order */
const volatile __u8 builtin_v4_len = 24;          /* 0 disables the built-in v4 rule */
const volatile __u64 builtin_v6_net = 0x20010db80bad0000ULL; /* 2001:db8:bad:: (high 64 bits) */
const volatile __u8 builtin_v6_len = 48;          /* 0 disables; at most 64 */

/* ---- maps ---- */
struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* LPM keys: prefix length first, then the address bytes in network order. */
struct lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* required for LPM tries */
	__uint(max_entries, 1024);
	__type(key, struct lpm_v4_key);
	__type(value, __u64); /* hit counter */
} blocklist_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct lpm_v6_key);
	__type(value, __u64);
} blocklist_v6 SEC(".maps");

struct verdict_counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_REDIRECT + 1); /* index = XDP action */
	__type(key, __u32);
	__type(value, struct verdict_counter);
} verdict_stats SEC(".maps");

enum drop_reason {
	REASON_TRUNCATED,    /* header does not fit in the frame */
	REASON_MALFORMED,    /* bad IPv4 version / ihl / total length (XDP_ABORTED) */
	REASON_BLOCKLIST,    /* source matched blocklist_v4 / blocklist_v6 */
	REASON_BUILTIN,      /* source matched the compiled-in prefix */
	REASON_TTL,          /* TTL / hop limit below min_ttl */
	REASON_TELNET,       /* TCP to port 23 */
	REASON_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, REASON_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drop_reasons SEC(".maps");

struct src_key {
	__u32 family;   /* AF_INET / AF_INET6 */
	__u8 addr[16];  /* IPv4: first 4 bytes, rest zero */
};

struct src_counter {
	__u64 packets;
	__u64 bytes;
	__u64 dropped;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct src_key);
	__type(value, struct src_counter);
} src_stats SEC(".maps");

/* ---- helpers ---- */

/* Per-packet parse state, kept on the stack. */
struct pkt {
	void *data;
	void *data_end;
	struct src_key src;
	__u64 len;
};

static __always_inline void count_reason(enum drop_reason r)
{
	__u32 key = r;
	__u64 *v = bpf_map_lookup_elem(&drop_reasons, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* Every verdict goes through here: per-CPU verdict counters + per-source counters. */
static __always_inline int finish(struct pkt *p, int action)
{
	__u32 key = action;
	struct verdict_counter *vc = bpf_map_lookup_elem(&verdict_stats, &key);

	if (vc) { /* per-CPU value: no atomics needed */
		vc->packets++;
		vc->bytes += p->len;
	}
	if (p->src.family) {
		struct src_counter *sc = bpf_map_lookup_elem(&src_stats, &p->src);
		int dropped = action == XDP_DROP || action == XDP_ABORTED;

		if (sc) {
			__sync_fetch_and_add(&sc->packets, 1);
			__sync_fetch_and_add(&sc->bytes, p->len);
			if (dropped)
				__sync_fetch_and_add(&sc->dropped, 1);
		} else {
			struct src_counter init = { .packets = 1, .bytes = p->len, .dropped = dropped };

			bpf_map_update_elem(&src_stats, &p->src, &init, BPF_NOEXIST);
		}
	}
	return action;
}

static __always_inline int drop(struct pkt *p, enum drop_reason r)
{
	count_reason(r);
	return finish(p, XDP_DROP);
}

/* RFC 1624 incremental checksum update for one 16-bit word: HC' = ~(~HC + ~m + m'). */
static __always_inline void csum_replace2(__sum16 *sum, __u16 old, __u16 new)
{
	__u32 c = (__u16)~*sum + (__u16)~old + new;

	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	*sum = ~c;
}

static __always_inline int v4_builtin_match(__u32 saddr_host)
{
	__u8 len = builtin_v4_len;
	__u32 mask;

	if (len == 0)
		return 0;
	mask = len >= 32 ? 0xffffffff : ~(0xffffffffU >> len);
	return (saddr_host & mask) == (builtin_v4_net & mask);
}

static __always_inline int v6_builtin_match(const struct in6_addr *a)
{
	__u8 len = builtin_v6_len;
	__u64 hi, mask;

	if (len == 0)
		return 0;
	hi = ((__u64)bpf_ntohl(a->in6_u.u6_addr32[0]) << 32) | bpf_ntohl(a->in6_u.u6_addr32[1]);
	mask = len >= 64 ? ~0ULL : ~(~0ULL >> len);
	return (hi & mask) == (builtin_v6_net & mask);
}

/* Turn an ICMP echo request into the reply, in place. */
static __always_inline int icmp_echo_reply(struct pkt *p, struct ethhdr *eth, struct iphdr *iph,
					   struct icmphdr *icmp)
{
	__u8 mac[ETH_ALEN];
	__be32 addr;
	__u16 old_word, new_word;

	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);

	/* Swapping saddr/daddr keeps the IP checksum (same words, other order). */
	addr = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = addr;

	/* TTL and protocol share one 16-bit word of the header checksum. */
	old_word = *(__u16 *)&iph->ttl;
	iph->ttl = 64;
	new_word = *(__u16 *)&iph->ttl;
	csum_replace2(&iph->check, old_word, new_word);

	/* Type and code share the first word of the ICMP message. */
	old_word = *(__u16 *)&icmp->type;
	icmp->type = ICMP_ECHOREPLY;
	new_word = *(__u16 *)&icmp->type;
	csum_replace2(&icmp->checksum, old_word, new_word);
	return finish(p, XDP_TX);
}

static __always_inline int handle_ipv4(struct pkt *p, struct ethhdr *eth, struct iphdr *iph)
{
	void *data_end = p->data_end;
	struct lpm_v4_key key = { .prefixlen = 32 };
	__u64 *hits;
	void *l4;

	if ((void *)(iph + 1) > data_end)
		return drop(p, REASON_TRUNCATED);
	/* A header that cannot be right: wrong version, shorter than 20 bytes, or longer than
	 * the datagram it belongs to. (A total length beyond the frame is left alone: captures
	 * cut by their snaplen look like that.) */
	if (iph->version != 4 || iph->ihl < 5 || bpf_ntohs(iph->tot_len) < iph->ihl * 4) {
		count_reason(REASON_MALFORMED);
		return finish(p, XDP_ABORTED);
	}

	p->src.family = AF_INET;
	__builtin_memcpy(p->src.addr, &iph->saddr, 4);

	__builtin_memcpy(key.addr, &iph->saddr, 4);
	hits = bpf_map_lookup_elem(&blocklist_v4, &key);
	if (hits) {
		__sync_fetch_and_add(hits, 1);
		return drop(p, REASON_BLOCKLIST);
	}
	if (v4_builtin_match(bpf_ntohl(iph->saddr)))
		return drop(p, REASON_BUILTIN);
	if (iph->ttl < min_ttl)
		return drop(p, REASON_TTL);

	/* Non-first fragments carry no L4 header. */
	if (iph->frag_off & bpf_htons(0x1fff))
		return finish(p, XDP_PASS);

	l4 = (void *)iph + iph->ihl * 4;
	switch (iph->protocol) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return drop(p, REASON_TRUNCATED);
		if (block_telnet && tcp->dest == bpf_htons(23))
			return drop(p, REASON_TELNET);
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return drop(p, REASON_TRUNCATED);
		if (dns_ifindex && udp->dest == bpf_htons(53))
			return finish(p, bpf_redirect(dns_ifindex, 0));
		break;
	}
	case IPPROTO_ICMP: {
		struct icmphdr *icmp = l4;

		if ((void *)(icmp + 1) > data_end)
			return drop(p, REASON_TRUNCATED);
		if (icmp->type == ICMP_ECHO && icmp->code == 0 &&
		    (responder_ipv4 == 0 || bpf_ntohl(iph->daddr) == responder_ipv4))
			return icmp_echo_reply(p, eth, iph, icmp);
		break;
	}
	}
	return finish(p, XDP_PASS);
}

static __always_inline int handle_ipv6(struct pkt *p, struct ipv6hdr *ip6)
{
	void *data_end = p->data_end;
	struct lpm_v6_key key = { .prefixlen = 128 };
	struct ipv6_opt_hdr *ext;
	__u64 *hits;
	__u8 nexthdr;
	void *l4;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return drop(p, REASON_TRUNCATED);

	p->src.family = AF_INET6;
	__builtin_memcpy(p->src.addr, &ip6->saddr, 16);

	__builtin_memcpy(key.addr, &ip6->saddr, 16);
	hits = bpf_map_lookup_elem(&blocklist_v6, &key);
	if (hits) {
		__sync_fetch_and_add(hits, 1);
		return drop(p, REASON_BLOCKLIST);
	}
	if (v6_builtin_match(&ip6->saddr))
		return drop(p, REASON_BUILTIN);
	if (ip6->hop_limit < min_ttl)
		return drop(p, REASON_TTL);

	/* Walk hop-by-hop / routing / destination options / fragment headers. */
	nexthdr = ip6->nexthdr;
	l4 = ip6 + 1;
	for (i = 0; i < MAX_V6_EXT_HDRS; i++) {
		ext = l4;
		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
		    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_FRAGMENT)
			break;
		if ((void *)(ext + 1) > data_end)
			return drop(p, REASON_TRUNCATED);
		if (nexthdr == IPPROTO_FRAGMENT) {
			/* 8-byte fragment header: offset in bits 3..15 of bytes 2-3. */
			__be16 *frag = (void *)ext + 2;

			if ((void *)(frag + 1) > data_end)
				return drop(p, REASON_TRUNCATED);
			if (*frag & bpf_htons(0xfff8))
				return finish(p, XDP_PASS); /* not the first fragment */
			nexthdr = ext->nexthdr;
			l4 = (void *)ext + 8;
		} else {
			nexthdr = ext->nexthdr;
			l4 = (void *)ext + (ext->hdrlen + 1) * 8;
		}
	}

	if (nexthdr == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return drop(p, REASON_TRUNCATED);
		if (block_telnet && tcp->dest == bpf_htons(23))
			return drop(p, REASON_TELNET);
	} else if (nexthdr == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return drop(p, REASON_TRUNCATED);
		if (dns_ifindex && udp->dest == bpf_htons(53))
			return finish(p, bpf_redirect(dns_ifindex, 0));
	}
	return finish(p, XDP_PASS);
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct pkt p = {
		.data = data,
		.data_end = data_end,
		.len = data_end - data,
	};
	void *l3 = eth + 1;
	__u16 proto;
	int i;

	if (l3 > data_end)
		return drop(&p, REASON_TRUNCATED);
	proto = eth->h_proto;

	/* Up to two VLAN tags: 802.1ad (QinQ service tag) and/or 802.1Q. */
	for (i = 0; i < MAX_VLAN_DEPTH; i++) {
		struct vlan_hdr *vlan = l3;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vlan + 1) > data_end)
			return drop(&p, REASON_TRUNCATED);
		proto = vlan->encap_proto;
		l3 = vlan + 1;
	}

	if (proto == bpf_htons(ETH_P_IP))
		return handle_ipv4(&p, eth, l3);
	if (proto == bpf_htons(ETH_P_IPV6))
		return handle_ipv6(&p, l3);
	return finish(&p, XDP_PASS); /* ARP, LLDP, MPLS, ... */
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
