// Kernel oracle for bpf_check_mtu from XDP (net/core/filter.c bpf_xdp_check_mtu): arguments at
// packet bytes 16..39, result (s32 ret, u32 mtu_len after the call) at bytes 40..47.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct params {
	__u32 ifindex;
	__u32 mtu_len;
	__s32 len_diff;
	__u32 pad;
	__u64 flags;
};

SEC("xdp")
int mtu(struct xdp_md *ctx)
{
	struct params p;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 48 > end)
		return XDP_ABORTED;
	__builtin_memcpy(&p, data + 16, sizeof(p));
	__u32 mtu_len = p.mtu_len;
	__s32 r = bpf_check_mtu(ctx, p.ifindex, &mtu_len, p.len_diff, p.flags);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + 48 > end)
		return XDP_ABORTED;
	__builtin_memcpy(data + 40, &r, 4);
	__builtin_memcpy(data + 44, &mtu_len, 4);
	return XDP_PASS;
}
