// SPDX-License-Identifier: MIT
/*
 * v4.bpf.c — TCP sequence tracking compiled for eBPF ISA v4 (-mcpu=v4, kernel >= 6.6).
 *
 * Per TCP/IPv4 flow (HASH `tcp_flows`) it keeps the last sequence number and computes the
 * signed, wrap-around-safe delta of every new segment: negative deltas are retransmissions or
 * reordering; segments more than `max_back` bytes behind the flow are dropped (XDP_DROP),
 * everything else passes. It also tracks the TTL change relative to the flow's first packet
 * and a signed running average. The arithmetic is written with signed types on purpose, so
 * that clang emits the v4 instructions (checked with `llvm-objdump-19 -d xdp/v4.o`):
 *   ldsx      r = *(s8 *)(r + off), *(s16 *), *(s32 *)  sign-extending loads of the
 *             __s8 / __s16 / __s32 fields of struct flow_state
 *   movsx     r1 = (s32)r2, w1 = (s8)w2, ...            (__s64)(__s32) casts
 *   bswap     r1 = bswap16/32 r1                        bpf_ntohs / bpf_ntohl
 *   sdiv/smod r1 s/= r2, r1 s%= r2 (64 and 32 bit)      signed average / bucket
 *   gotol     gotol +0                                  (long jump; clang only emits it for
 *             jumps beyond +-32767 insns, so one is written with inline asm)
 * and, from v2/v3: 32-bit jumps (`if w1 s< w2 goto`), ALU32, atomic fetch-add / xchg /
 * cmpxchg on the .bss counters.
 * Maps: HASH `tcp_flows`, .bss globals. Config: `max_back` (.rodata).
 *
 * Compile (the committed v4.o was built with exactly this):
 *   clang-19 -target bpf -mcpu=v4 -O2 -g -I/usr/include/x86_64-linux-gnu -c xdp/v4.bpf.c -o xdp/v4.o
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __s32 max_back = 1 << 20;  /* drop segments further behind the flow (bytes) */
const volatile __s32 avg_bucket = 1000;   /* bucket width for the signed delta histogram */

struct flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
};

struct flow_state {
	__u32 last_seq;      /* host order */
	__s32 min_delta;     /* most negative sequence delta seen */
	__s64 sum_delta;     /* sum of all deltas (for the signed average) */
	__s64 avg_delta;     /* sum_delta / (packets - 1): sdiv */
	__u32 packets;
	__s16 window_change; /* signed change of the advertised window (last two segments) */
	__u8 first_ttl;
	__s8 ttl_drift;      /* ttl - first_ttl: the route changed when this moves */
	__s32 bucket;        /* smod of the last delta: position in an avg_bucket-wide bucket */
	__u16 last_window;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, struct flow_state);
} tcp_flows SEC(".maps");

__u64 segments;          /* .bss counters, updated with atomic instructions */
__u64 retransmits;
__u64 dropped;
__u64 last_flow_packets; /* atomic fetch-add result */
__u32 last_verdict;      /* atomic xchg */
__u32 max_ttl_drift_seen;/* atomic cmpxchg loop */
__s64 sum_of_drifts;     /* sum of sign-extended __s8 drifts */
__s64 drift_moves;       /* sum of (new drift - previous drift), both sign-extended */
__s64 worst_reorder;     /* most negative per-flow min_delta, as 64-bit */

static __always_inline void note_drift(__s8 drift)
{
	__u32 mag = drift < 0 ? -(__s32)drift : drift;
	__u32 old = max_ttl_drift_seen;

	if (mag > old)
		__sync_val_compare_and_swap(&max_ttl_drift_seen, old, mag);
	__sync_fetch_and_add(&sum_of_drifts, (__s64)drift);
}

SEC("xdp")
int xdp_tcp_seq(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct flow_key key = {};
	struct flow_state *st;
	struct tcphdr *tcp;
	__u32 seq;
	__s32 delta;
	int verdict = XDP_PASS;

	/* A long jump (BPF_JMP32 | BPF_JA, 32-bit offset in imm) to the next instruction. */
	asm volatile("gotol +0");

	if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (iph->protocol != IPPROTO_TCP || iph->ihl != 5)
		return XDP_PASS;
	tcp = (void *)(iph + 1);
	if ((void *)(tcp + 1) > data_end)
		return XDP_PASS;

	__sync_fetch_and_add(&segments, 1);
	key.saddr = iph->saddr;
	key.daddr = iph->daddr;
	key.sport = tcp->source;
	key.dport = tcp->dest;
	seq = bpf_ntohl(tcp->seq); /* bswap32 */

	st = bpf_map_lookup_elem(&tcp_flows, &key);
	if (!st) {
		struct flow_state init = {
			.last_seq = seq,
			.packets = 1,
			.first_ttl = iph->ttl,
			.last_window = bpf_ntohs(tcp->window), /* bswap16 */
		};

		bpf_map_update_elem(&tcp_flows, &key, &init, BPF_NOEXIST);
		__sync_lock_test_and_set(&last_verdict, XDP_PASS);
		return XDP_PASS;
	}

	/* Previous values straight from the map value: sign-extending loads (ldsx). */
	__s64 prev_drift = st->ttl_drift;                       /* *(s8 *) */
	__s64 prev_min = st->min_delta;                         /* *(s32 *) */

	if (prev_min < worst_reorder)
		worst_reorder = prev_min;

	/* Serial-number arithmetic (RFC 1982): the u32 difference read as signed. */
	delta = (__s32)(seq - st->last_seq);
	last_flow_packets = __sync_fetch_and_add(&st->packets, 1);
	st->sum_delta += (__s64)delta;                          /* movsx r, (s32) */
	st->avg_delta = st->sum_delta / (__s64)last_flow_packets; /* sdiv */
	st->bucket = delta % avg_bucket;                        /* smod (32-bit) */
	st->window_change = (__s16)(bpf_ntohs(tcp->window) - st->last_window);
	st->last_window = bpf_ntohs(tcp->window);
	st->ttl_drift = (__s8)(iph->ttl - st->first_ttl);
	note_drift(st->ttl_drift);
	drift_moves += (__s64)st->ttl_drift - prev_drift;

	if (delta < 0) {                                        /* jmp32 signed */
		__sync_fetch_and_add(&retransmits, 1);
		if (delta < st->min_delta)                      /* ldsx *(s32 *) */
			st->min_delta = delta;
		if (delta < -max_back) {
			__sync_fetch_and_add(&dropped, 1);
			verdict = XDP_DROP;
		}
	} else {
		st->last_seq = seq;
	}
	/* Sign-extended 16-bit load feeding 64-bit arithmetic. */
	sum_of_drifts += (__s64)st->window_change / 256;        /* ldsx *(s16 *), sdiv */
	__sync_lock_test_and_set(&last_verdict, verdict);       /* atomic xchg */
	return verdict;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
