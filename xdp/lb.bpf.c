// SPDX-License-Identifier: MIT
/*
 * lb.bpf.c — a layer-4 load balancer built from BPF-to-BPF calls (Katran-style, IPv4).
 *
 * TCP/UDP packets to the virtual IP `vip` (:`vip_port`; 0 = any) are spread over up to
 * MAX_BACKENDS real servers: a flow that is already in `flows` (HASH, 5-tuple -> backend)
 * sticks to its backend; a new flow gets `jump_hash(hash(5-tuple), num_backends)` (Lamping &
 * Veach's jump consistent hash, integer form), is inserted with BPF_NOEXIST, and the packet is
 * rewritten: destination MAC and IP become the backend's, the source MAC the old destination,
 * and the IPv4 and TCP/UDP checksums are updated incrementally (RFC 1624). It leaves through
 * `bpf_redirect_map(&tx_ports, backend.tx_port, XDP_TX)`: a DEVMAP slot holding an ifindex
 * gives XDP_REDIRECT, an empty slot falls back to the flags' low bits, here XDP_TX.
 * Packets for other addresses, non-TCP/UDP, fragments and flows whose backend slot is empty
 * (addr 0) get XDP_PASS.
 *
 * Call graph (every function below is `static __noinline`: a real BPF-to-BPF call, 4 levels):
 *   xdp_lb -> lb_process -> parse_flow
 *                        -> select_backend -> flow_hash -> mix32
 *                                          -> jump_hash
 *                        -> rewrite_packet -> csum_replace4
 * Maps: ARRAY `backends` (struct backend, filled with --map-init), DEVMAP `tx_ports`
 * (ifindex per slot; the kernel only accepts existing ifindexes: use 1 = lo), HASH `flows`,
 * ARRAY `backend_stats` (atomic adds). Helpers: map lookup/update, bpf_redirect_map.
 * Config (.rodata, --const): vip (host order; 0 = every IPv4 destination), vip_port, num_backends.
 *
 * Compile (the committed lb.o was built with exactly this):
 *   clang-19 -target bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c xdp/lb.bpf.c -o xdp/lb.o
 * Example map-init: test/kernel/fixtures/map-init/lb-backends.json (+ lb-devmap.json).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_BACKENDS 16
#define MAX_TX_PORTS 8

const volatile __u32 vip = 0;            /* host order, e.g. 0xc6336401 = 198.51.100.1; 0 = any */
const volatile __u16 vip_port = 0;       /* host order; 0 = any port */
const volatile __u32 num_backends = 4;   /* jump hash buckets, <= MAX_BACKENDS */

struct backend {
	__be32 addr;            /* real server IPv4, network order; 0 = slot unused */
	__u32 tx_port;          /* key into tx_ports (DEVMAP) */
	__u8 mac[ETH_ALEN];     /* next-hop MAC */
	__u8 reserved[2];
};

struct flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];            /* keys are compared bytewise: keep padding explicit and zero */
};

struct flow_state {
	__u32 backend;
	__u32 reserved;
	__u64 packets;
	__u64 bytes;
};

struct backend_counter {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, MAX_TX_PORTS);
	__type(key, __u32);
	__type(value, __u32);   /* ifindex */
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow_key);
	__type(value, struct flow_state);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct backend_counter);
} backend_stats SEC(".maps");

/* Parse result handed down the call chain (on the caller's stack). */
struct flow {
	struct flow_key key;
	__u32 l3_off;           /* offset of the IPv4 header from data */
	__u32 l4_off;
	__u32 len;
};

/* 1: a TCP/UDP flow to the VIP was parsed into *f; 0: not for us. */
static __noinline int parse_flow(struct xdp_md *ctx, struct flow *f)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u16 proto;
	__u32 off = sizeof(*eth);

	if ((void *)(eth + 1) > data_end)
		return 0;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) { /* one 802.1Q tag */
		__be16 *inner = (void *)(eth + 1) + 2;

		if ((void *)(inner + 1) > data_end)
			return 0;
		proto = *inner;
		off += 4;
	}
	if (proto != bpf_htons(ETH_P_IP))
		return 0;
	iph = data + off;
	if ((void *)(iph + 1) > data_end || iph->ihl < 5)
		return 0;
	if (iph->frag_off & bpf_htons(0x3fff)) /* MF or offset: no reliable ports */
		return 0;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return 0;
	if (vip && iph->daddr != bpf_htonl(vip))
		return 0;

	f->l3_off = off;
	f->l4_off = off + iph->ihl * 4;
	f->len = data_end - data;
	f->key.saddr = iph->saddr;
	f->key.daddr = iph->daddr;
	f->key.proto = iph->protocol;
	{
		/* Source and destination port are the first 4 bytes of TCP and UDP alike. */
		__be16 *ports = data + f->l4_off;

		if (f->l4_off > 60 + 18 || (void *)(ports + 2) > data_end)
			return 0;
		f->key.sport = ports[0];
		f->key.dport = ports[1];
	}
	if (vip_port && f->key.dport != bpf_htons(vip_port))
		return 0;
	return 1;
}

/* murmur3's 32-bit finaliser: every input bit affects every output bit. */
static __noinline __u32 mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static __noinline __u64 flow_hash(const struct flow_key *k)
{
	__u32 h1 = mix32(k->saddr ^ 0x9e3779b9);
	__u32 h2 = mix32(k->daddr ^ h1);
	__u32 h3 = mix32(((__u32)k->sport << 16 | k->dport) ^ h2);

	return (__u64)mix32(h3 ^ k->proto) << 32 | (h1 ^ h3);
}

/* Jump consistent hash (arXiv:1406.2294) with integer division instead of doubles. */
static __noinline __u32 jump_hash(__u64 key, __u32 buckets)
{
	__u64 b = 0, j = 0;
	int i;

	for (i = 0; i < 64 && j < buckets; i++) {
		b = j;
		key = key * 2862933555777941757ULL + 1;
		j = (b + 1) * ((1ULL << 31) / ((key >> 33) + 1));
	}
	return b;
}

/* Backend index for this flow: the sticky one from `flows`, or a fresh jump-hash choice. */
static __noinline __u32 select_backend(struct flow *f, int *is_new)
{
	struct flow_state *st = bpf_map_lookup_elem(&flows, &f->key);
	__u32 n = num_backends;

	if (st) {
		*is_new = 0;
		__sync_fetch_and_add(&st->packets, 1);
		__sync_fetch_and_add(&st->bytes, f->len);
		return st->backend;
	}
	if (n == 0 || n > MAX_BACKENDS)
		n = MAX_BACKENDS;
	*is_new = 1;
	return jump_hash(flow_hash(&f->key), n);
}

/* RFC 1624: replace a 32-bit field covered by the checksum at *sum. */
static __noinline void csum_replace4(__sum16 *sum, __be32 from, __be32 to)
{
	__u32 c = (__u16)~*sum;

	c += (__u16)~(from & 0xffff) + (__u16)~(from >> 16);
	c += (to & 0xffff) + (to >> 16);
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	*sum = ~c;
}

/* Point the packet at backend *be: L2 addresses, destination IP, checksums. */
static __noinline int rewrite_packet(struct xdp_md *ctx, struct flow *f, struct backend *be)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u32 l3 = f->l3_off, l4 = f->l4_off;
	__be32 old = f->key.daddr, new = be->addr;

	if ((void *)(eth + 1) > data_end || l3 > 18 || l4 > 78)
		return -1;
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);

	iph = data + l3;
	if ((void *)(iph + 1) > data_end)
		return -1;
	iph->daddr = new;
	csum_replace4(&iph->check, old, new);

	if (f->key.proto == IPPROTO_TCP) {
		struct tcphdr *tcp = data + l4;

		if ((void *)(tcp + 1) > data_end)
			return 0; /* header cut short by the snaplen: leave L4 alone */
		csum_replace4(&tcp->check, old, new);
	} else {
		struct udphdr *udp = data + l4;

		if ((void *)(udp + 1) > data_end)
			return 0;
		if (udp->check) { /* 0 = no checksum (IPv4 only) */
			csum_replace4(&udp->check, old, new);
			if (!udp->check)
				udp->check = 0xffff; /* a computed 0 is sent as all ones */
		}
	}
	return 0;
}

static __noinline int lb_process(struct xdp_md *ctx)
{
	struct flow f = {};
	struct backend *be;
	struct backend_counter *bc;
	__u32 idx;
	int is_new = 0;

	if (!parse_flow(ctx, &f))
		return XDP_PASS;
	idx = select_backend(&f, &is_new);
	be = bpf_map_lookup_elem(&backends, &idx);
	if (!be || !be->addr)
		return XDP_PASS; /* no real server configured in this slot */
	if (is_new) {
		struct flow_state st = { .backend = idx, .packets = 1, .bytes = f.len };

		bpf_map_update_elem(&flows, &f.key, &st, BPF_NOEXIST);
	}
	bc = bpf_map_lookup_elem(&backend_stats, &idx);
	if (bc) {
		__sync_fetch_and_add(&bc->packets, 1);
		__sync_fetch_and_add(&bc->bytes, f.len);
		if (is_new)
			__sync_fetch_and_add(&bc->new_flows, 1);
	}
	if (rewrite_packet(ctx, &f, be))
		return XDP_ABORTED;
	return bpf_redirect_map(&tx_ports, be->tx_port, XDP_TX);
}

SEC("xdp")
int xdp_lb(struct xdp_md *ctx)
{
	return lb_process(ctx);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
