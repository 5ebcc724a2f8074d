// Kernel oracle for bpf_xdp_load_bytes / bpf_xdp_store_bytes across linear data and frags
// (net/core/filter.c). Params at packet bytes 16..31; results at the end of the linear area.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct params {
	__u32 load_off;   /* 0xffffffff: skip the load */
	__u32 len;        /* 1..256 */
	__u32 store_off;  /* 0xffffffff: skip the store */
	__u32 pad;
};

SEC("xdp.frags")
int bytes(struct xdp_md *ctx)
{
	__u8 buf[256];
	struct params p;
	long r1 = 100, r2 = 100;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 32 > end)
		return XDP_ABORTED;
	__builtin_memcpy(&p, data + 16, sizeof(p));
	__builtin_memset(buf, 0xee, sizeof(buf));
	__u32 len = p.len;
	if (len < 1 || len > 256)
		return XDP_ABORTED;
	if (p.load_off != 0xffffffff)
		r1 = bpf_xdp_load_bytes(ctx, p.load_off, buf, len);
	if (p.store_off != 0xffffffff)
		r2 = bpf_xdp_store_bytes(ctx, p.store_off, buf, len);

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	__u32 off = (__u32)(end - data) - 2;
	if (off > 4096)
		return XDP_DROP;
	__u8 *s = data + off;
	if ((void *)(s + 2) > end)
		return XDP_DROP;
	s[0] = r1;
	s[1] = r2;
	return XDP_PASS;
}
