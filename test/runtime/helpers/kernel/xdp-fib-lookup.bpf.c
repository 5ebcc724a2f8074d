// Kernel oracle for bpf_fib_lookup from XDP (net/core/filter.c bpf_xdp_fib_lookup): a struct
// bpf_fib_lookup at packet bytes 16..79 and the flags at 80..83 go in; the struct as the helper left
// it is written back at 16..79 and the return value at 84..87. Run in a netns with known routes.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup p;
	__u32 flags;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 88 > end)
		return XDP_ABORTED;
	__builtin_memcpy(&p, data + 16, sizeof(p));
	__builtin_memcpy(&flags, data + 80, 4);
	__s32 r = bpf_fib_lookup(ctx, &p, sizeof(p), flags);
	__builtin_memcpy(data + 16, &p, sizeof(p));
	__builtin_memcpy(data + 84, &r, 4);
	return XDP_PASS;
}
