// Kernel oracle for bpf_tail_call limits (kernel/bpf/core.c, arch/x86/net/bpf_jit_comp.c): the
// entry makes byte 16 of the packet failing tail calls (empty slot 3 or index 9 >= max_entries per
// byte 17), then tail-calls `counter` (slot 0), which counts its runs in the packet's last byte and
// tail-calls itself. The verdict says whether the first call into `counter` happened (PASS) or not.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

int counter(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (struct xdp_md *));
} jmp SEC(".maps") = {
	.values = { [0] = (void *)&counter },
};

SEC("xdp")
int counter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 60 > end)
		return XDP_ABORTED;
	((__u8 *)data)[59]++;
	bpf_tail_call(ctx, &jmp, 0);
	return XDP_PASS;
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 60 > end)
		return XDP_ABORTED;
	__u8 n = ((__u8 *)data)[16];
	__u32 idx = ((__u8 *)data)[17] ? 9 : 3;
	((__u8 *)data)[59] = 0;
	for (int i = 0; i < 64; i++) {
		if (i >= n)
			break;
		bpf_tail_call(ctx, &jmp, idx);
	}
	bpf_tail_call(ctx, &jmp, 0);
	return XDP_DROP;
}
