// Kernel oracle for bpf_map_push_elem / pop_elem / peek_elem on QUEUE and STACK maps
// (kernel/bpf/queue_stack_maps.c): up to 6 ops at packet bytes 16..111; for each op the s8 return
// value and the u32 value buffer after the call at bytes 112 + 5*i. Map state carries over.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 4); __type(value, __u32); } queue SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 4); __type(value, __u32); } stack SEC(".maps");

struct op {
	__u8 code; /* 1 push, 2 pop, 3 peek, 0 nothing */
	__u8 map;  /* 0 queue, 1 stack */
	__u16 pad;
	__u32 value;
	__u64 flags;
};

#define NOPS 6

SEC("xdp")
int qs(struct xdp_md *ctx)
{
	struct op op;
	__u32 v;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 112 + 5 * NOPS > end)
		return XDP_ABORTED;
	for (int i = 0; i < NOPS; i++) {
		__builtin_memcpy(&op, data + 16 + 16 * i, sizeof(op));
		void *m = op.map ? (void *)&stack : (void *)&queue;
		long r = 0;

		v = op.value;
		switch (op.code) {
		case 1: r = bpf_map_push_elem(m, &v, op.flags); break;
		case 2: v = 0xeeeeeeee; r = bpf_map_pop_elem(m, &v); break;
		case 3: v = 0xeeeeeeee; r = bpf_map_peek_elem(m, &v); break;
		default: break;
		}
		__u8 *s = data + 112 + 5 * i;
		s[0] = r;
		__builtin_memcpy(s + 1, &v, 4);
	}
	return XDP_PASS;
}
