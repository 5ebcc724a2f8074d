// Kernel oracle for bpf_loop (kernel/bpf/bpf_iter.c): nr_loops, stop index and flags at packet
// bytes 16..31; the return value and the callback count at bytes 32..47.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct params {
	__u32 nr;
	__u32 stop; /* callback returns 1 when index == stop */
	__u64 flags;
};

struct lctx {
	__u32 count;
	__u32 stop;
	__u64 last;
};

static long cb(__u64 index, void *c)
{
	struct lctx *l = c;

	l->count++;
	l->last = index;
	return index == l->stop ? 1 : 0;
}

SEC("xdp")
int loop(struct xdp_md *ctx)
{
	struct params p;
	struct lctx l = {};
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 48 > end)
		return XDP_ABORTED;
	__builtin_memcpy(&p, data + 16, sizeof(p));
	l.stop = p.stop;
	__s64 r = bpf_loop(p.nr, cb, &l, p.flags);
	__builtin_memcpy(data + 32, &r, 8);
	__builtin_memcpy(data + 40, &l.count, 4);
	__u32 last = l.last;
	__builtin_memcpy(data + 44, &last, 4);
	return XDP_PASS;
}
