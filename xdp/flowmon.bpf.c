// SPDX-License-Identifier: MIT
/*
 * flowmon.bpf.c — flow telemetry: which flows exist, where they go, who talks most, and
 * events for a collector in user space.
 *
 * Per IPv4 packet:
 *   - destination looked up in `routes` (LPM_TRIE, filled with --map-init: prefix -> site id
 *     and action); action 1 = blackhole -> XDP_DROP, and the source is pushed on the STACK
 *     `last_dropped` (4 deep, no overwrite: a full stack refuses with -E2BIG);
 *   - 5-tuple counted in `flows` (LRU_HASH, 1024); a new flow emits an event into the
 *     RINGBUF `events` (bpf_ringbuf_reserve/submit; every 4th is built on the stack and sent
 *     with bpf_ringbuf_output instead, and flows to site 0 are reserved then discarded) and
 *     its key is pushed onto the QUEUE `new_flows` with BPF_EXIST (the oldest falls out);
 *   - source counted in `top_talkers`, a deliberately small LRU_HASH (16): on busy captures it
 *     evicts, so the recorded map shows the kernel's LRU choice;
 *   - bytes per IP protocol in `proto_bytes` (PERCPU_HASH), read back for CPU 0 and for the
 *     last possible CPU with bpf_map_lookup_percpu_elem.
 * Nothing consumes the ring buffer during a replay, so once its 4096 bytes are used up
 * (discarded records included) reservations fail; how far it got is kept in .bss together
 * with bpf_ringbuf_query values and the queue/stack return codes. Everything else passes.
 *
 * Maps: LPM_TRIE, LRU_HASH x2, RINGBUF, QUEUE, STACK, PERCPU_HASH, .bss. Helpers:
 * bpf_ringbuf_reserve/submit/discard/output/query, bpf_map_push_elem/peek_elem,
 * bpf_map_lookup_percpu_elem.
 *
 * Compile (the committed flowmon.o was built with exactly this):
 *   clang-19 -target bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c xdp/flowmon.bpf.c -o xdp/flowmon.o
 * Example map-init: test/kernel/fixtures/map-init/flowmon-routes.json
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u32 last_cpu = 1;  /* highest CPU to read back with lookup_percpu_elem */

struct route_key {
	__u32 prefixlen;
	__be32 addr;
};

struct route {
	__u32 site;     /* 0 = unknown */
	__u32 action;   /* 0 = forward, 1 = blackhole */
};

struct flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
	__u32 first_seen;   /* packet sequence number of the flow's first packet */
	__u32 site;
};

struct event {
	struct flow_key key;
	__u32 site;
	__u32 seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 256);
	__type(key, struct route_key);
	__type(value, struct route);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __be32);
	__type(value, __u64);
} top_talkers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, struct flow_key);
} new_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 4);
	__type(value, __be32);
} last_dropped SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_bytes SEC(".maps");

/* .bss: what user space would otherwise have to poll for. */
__u32 seq;
__u32 events_reserved, events_output, events_discarded, events_lost;
__u64 rb_avail_data, rb_ring_size, rb_cons_pos, rb_prod_pos;
__s32 last_queue_push, last_stack_push, stack_full;
struct flow_key oldest_new_flow;
__u64 proto_bytes_cpu0, proto_bytes_last_cpu;
__u32 last_cpu_missing;

static __always_inline void emit_event(struct flow_key *k, __u32 site)
{
	struct event *e;

	if ((seq & 3) == 3) {
		/* Copy-based API: build on the stack, bpf_ringbuf_output copies it in. */
		struct event ev = { .key = *k, .site = site, .seq = seq };

		if (bpf_ringbuf_output(&events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP) == 0)
			events_output++;
		else
			events_lost++;
		return;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		events_lost++;
		return;
	}
	if (site == 0) {
		/* Unknown destination: not worth reporting. A discarded record keeps its space
		 * until the consumer moves past it. */
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		events_discarded++;
		return;
	}
	e->key = *k;
	e->site = site;
	e->seq = seq;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	events_reserved++;
}

SEC("xdp")
int xdp_flowmon(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct route_key rk = { .prefixlen = 32 };
	struct flow_key key = {};
	struct flow_stats *fs;
	struct route *rt;
	__u32 site = 0, proto;
	__u64 len = data_end - data, *v, one = 1;
	int verdict = XDP_PASS;

	seq++;
	if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || iph->ihl < 5)
		return XDP_PASS;

	key.saddr = iph->saddr;
	key.daddr = iph->daddr;
	key.proto = iph->protocol;
	if ((iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP) &&
	    !(iph->frag_off & bpf_htons(0x1fff))) {
		__be16 *ports = (void *)iph + iph->ihl * 4;

		if ((void *)(ports + 2) <= data_end) {
			key.sport = ports[0];
			key.dport = ports[1];
		}
	}

	/* Where does it go? */
	rk.addr = iph->daddr;
	rt = bpf_map_lookup_elem(&routes, &rk);
	if (rt) {
		site = rt->site;
		if (rt->action == 1) {
			__be32 src = iph->saddr;

			last_stack_push = bpf_map_push_elem(&last_dropped, &src, 0);
			if (last_stack_push)
				stack_full++;
			verdict = XDP_DROP;
		}
	}

	/* Flow table. */
	fs = bpf_map_lookup_elem(&flows, &key);
	if (fs) {
		fs->packets++;
		fs->bytes += len;
	} else {
		struct flow_stats init = { .packets = 1, .bytes = len, .first_seen = seq,
					   .site = site };

		bpf_map_update_elem(&flows, &key, &init, BPF_ANY);
		emit_event(&key, site);
		last_queue_push = bpf_map_push_elem(&new_flows, &key, BPF_EXIST);
		bpf_map_peek_elem(&new_flows, &oldest_new_flow);
	}
	rb_avail_data = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	rb_ring_size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	rb_cons_pos = bpf_ringbuf_query(&events, BPF_RB_CONS_POS);
	rb_prod_pos = bpf_ringbuf_query(&events, BPF_RB_PROD_POS);

	/* Top talkers (small LRU). */
	v = bpf_map_lookup_elem(&top_talkers, &key.saddr);
	if (v)
		(*v)++;
	else
		bpf_map_update_elem(&top_talkers, &key.saddr, &one, BPF_NOEXIST);

	/* Bytes per protocol, per CPU. */
	proto = iph->protocol;
	v = bpf_map_lookup_elem(&proto_bytes, &proto);
	if (v)
		*v += len;
	else
		bpf_map_update_elem(&proto_bytes, &proto, &len, BPF_NOEXIST);
	v = bpf_map_lookup_percpu_elem(&proto_bytes, &proto, 0);
	proto_bytes_cpu0 = v ? *v : 0;
	v = bpf_map_lookup_percpu_elem(&proto_bytes, &proto, last_cpu);
	if (v)
		proto_bytes_last_cpu = *v;
	else
		last_cpu_missing++;
	return verdict;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
