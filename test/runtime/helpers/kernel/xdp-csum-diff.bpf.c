// Kernel oracle for bpf_csum_diff (net/core/filter.c): sizes and seed at packet bytes 16..31,
// `from` bytes at 32..95, `to` bytes at 96..159; the 8-byte result goes to the end of the packet.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct params {
	__u32 from_size;
	__u32 to_size;
	__u64 seed;
};

SEC("xdp")
int csum(struct xdp_md *ctx)
{
	__u8 from[64], to[64];
	struct params p;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 168 > end)
		return XDP_ABORTED;
	__builtin_memcpy(&p, data + 16, sizeof(p));
	__builtin_memcpy(from, data + 32, 64);
	__builtin_memcpy(to, data + 96, 64);
	__u32 fs = p.from_size, ts = p.to_size;
	if (fs > 64 || ts > 64)
		return XDP_ABORTED;
	__s64 r = bpf_csum_diff((__be32 *)from, fs, (__be32 *)to, ts, p.seed);
	__builtin_memcpy(data + 160, &r, 8);
	return XDP_PASS;
}
