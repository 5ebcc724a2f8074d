// Kernel oracle for bpf_xdp_adjust_head/tail/meta and bpf_xdp_get_buff_len (net/core/filter.c).
// Runs up to 4 ops read from packet bytes 16..47, then writes a summary at the end of the linear area.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* op codes: 1 adjust_head(arg), 2 adjust_tail(arg), 3 adjust_meta(arg),
 * 4 fill data[0..16) with 0xab, 5 fill data_meta[0..4) with 0xcd, 0 nothing */
struct op {
	__u8 code;
	__u8 pad[3];
	__s32 arg;
};

#define MAX_OPS 4

SEC("xdp.frags")
int adjust(struct xdp_md *ctx)
{
	struct op ops[MAX_OPS];
	__s8 rets[MAX_OPS] = {};

	if (bpf_xdp_load_bytes(ctx, 16, ops, sizeof(ops)))
		return XDP_ABORTED;
#pragma unroll
	for (int i = 0; i < MAX_OPS; i++) {
		long r = 0;
		void *data = (void *)(long)ctx->data;
		void *end = (void *)(long)ctx->data_end;
		void *meta = (void *)(long)ctx->data_meta;

		switch (ops[i].code) {
		case 1: r = bpf_xdp_adjust_head(ctx, ops[i].arg); break;
		case 2: r = bpf_xdp_adjust_tail(ctx, ops[i].arg); break;
		case 3: r = bpf_xdp_adjust_meta(ctx, ops[i].arg); break;
		case 4:
			if (data + 16 <= end)
				__builtin_memset(data, 0xab, 16);
			else
				r = 99;
			break;
		case 5:
			if (meta + 4 <= data)
				__builtin_memset(meta, 0xcd, 4);
			else
				r = 99;
			break;
		default: break;
		}
		rets[i] = r;
	}
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	void *meta = (void *)(long)ctx->data_meta;
	__u32 linear = end - data;
	__u32 metalen = data - meta;
	__u32 blen = bpf_xdp_get_buff_len(ctx);
	__u32 off = linear - 11;
	if (off > 4096)
		return XDP_DROP;
	__u8 *s = data + off;
	if ((void *)(s + 11) > end)
		return XDP_DROP;
	s[0] = rets[0]; s[1] = rets[1]; s[2] = rets[2]; s[3] = rets[3];
	s[4] = linear; s[5] = linear >> 8;
	s[6] = metalen;
	s[7] = blen; s[8] = blen >> 8; s[9] = blen >> 16; s[10] = blen >> 24;
	return XDP_PASS;
}
