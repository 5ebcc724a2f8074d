// SPDX-License-Identifier: MIT
/*
 * globals.bpf.c — global variables instead of maps: libbpf turns each ELF data section into
 * a one-entry ARRAY map (key 0, value = the whole section) and the program addresses the
 * variables inside it directly (ld_imm64 with BPF_PSEUDO_MAP_VALUE + offset).
 *   .rodata          `const volatile` config (frozen after load; `--const NAME=VALUE` sets it,
 *                    and the verifier treats the values as known constants) and the
 *                    bpf_printk format strings (`static const char fmt[]`)
 *   .rodata.str1.1   string literals used directly with bpf_trace_printk (mergeable strings)
 *   .data            initialised variables: a sequence number starting at 1000, a text
 *                    buffer, a file-local `static` seed
 *   .bss             zero-initialised counters, a file-local `static` and a function-local
 *                    `static` counter
 * Per frame: classify the ethertype, count frames and bytes per class, remember the largest
 * frame, stamp a sequence number, print a line with bpf_trace_printk (3 args) and
 * bpf_trace_vprintk (bpf_printk with > 3 args), keeping their return values (the number of
 * characters printed) in .bss — so the formatted length, %pI4 included, is observable in
 * maps.json. Frames longer than `max_frame` are dropped, everything else passes.
 * Maps: none declared, only .rodata/.rodata.str1.1/.data/.bss. Helpers: bpf_trace_printk,
 * bpf_trace_vprintk. Output goes to /sys/kernel/tracing/trace_pipe when `verbose` is 1.
 *
 * Compile (the committed globals.o was built with exactly this):
 *   clang-19 -target bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c xdp/globals.bpf.c -o xdp/globals.o
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* ---- .rodata: configuration, frozen at load ---- */
const volatile __u8 verbose = 1;           /* 0: no trace_printk at all */
const volatile __u32 max_frame = 1518;     /* longer frames are dropped */
const volatile __u32 print_every = 1;      /* print one line per N frames (N >= 1) */
const volatile __s32 len_bias = -14;       /* added to the frame length in the printed line */

/* ---- .data: initialised state ---- */
__u32 next_seq = 1000;                     /* first frame gets sequence number 1000 */
char last_class[8] = "none";               /* name of the last frame's class */
static __u32 hash_seed = 0x9e3779b9;       /* file-local, still in .data (rolled per frame) */

/* ---- .bss: zero-initialised state ---- */
__u64 class_frames[4];                     /* ipv4, ipv6, arp, other */
__u64 class_bytes[4];
__u32 max_seen;
__u32 mixed;                               /* running hash of frame lengths */
__s32 last_printk_ret;                     /* bpf_trace_printk return (chars printed) */
__s32 last_vprintk_ret;                    /* bpf_trace_vprintk return */
static __u64 odd_frames;                   /* file-local: frames of odd length */

enum { CLASS_IPV4, CLASS_IPV6, CLASS_ARP, CLASS_OTHER };

static __always_inline void set_class_name(int class)
{
	/* Written a byte at a time: the verifier sees plain stores into the .data map value. */
	const char *name = class == CLASS_IPV4 ? "ipv4" :
			   class == CLASS_IPV6 ? "ipv6" :
			   class == CLASS_ARP ? "arp" : "other";
	int i;

	for (i = 0; i < 6; i++) {
		last_class[i] = name[i];
		if (!name[i])
			break;
	}
}

SEC("xdp")
int xdp_globals(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	static __u32 calls;                /* function-local static: .bss, name "xdp_globals.calls" */
	__u32 len = data_end - data;
	__u32 seq, saddr = 0;
	int class;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;

	switch (eth->h_proto) {
	case bpf_htons(ETH_P_IP): {
		struct iphdr *iph = (void *)(eth + 1);

		class = CLASS_IPV4;
		if ((void *)(iph + 1) <= data_end)
			saddr = iph->saddr;
		break;
	}
	case bpf_htons(ETH_P_IPV6):
		class = CLASS_IPV6;
		break;
	case bpf_htons(ETH_P_ARP):
		class = CLASS_ARP;
		break;
	default:
		class = CLASS_OTHER;
	}

	calls++;
	seq = next_seq++;
	class_frames[class]++;
	class_bytes[class] += len;
	if (len > max_seen)
		max_seen = len;
	if (len & 1)
		odd_frames++;
	mixed = (mixed ^ len) * hash_seed + calls;
	hash_seed = hash_seed * 1103515245 + 12345; /* LCG step: the static must be written */
	set_class_name(class);

	if (verbose && (print_every <= 1 || seq % print_every == 0)) {
		/* A string literal used directly: it lands in .rodata.str1.1. */
		last_printk_ret = bpf_trace_printk("xdp_globals: seq %u len %d src %pI4\n",
						   sizeof("xdp_globals: seq %u len %d src %pI4\n"),
						   seq, (int)len + len_bias, &saddr);
		/* bpf_printk with 4 arguments uses bpf_trace_vprintk; its format is in .rodata. */
		last_vprintk_ret = bpf_printk("class %s frames %llu odd %llu seq 0x%x", last_class,
					      class_frames[class], odd_frames, seq);
	}

	return len > max_frame ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL"; /* bpf_trace_printk is GPL-only */
