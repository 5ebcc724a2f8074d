// Kernel oracle for bpf_redirect and bpf_redirect_map on DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP
// (net/core/filter.c, include/linux/filter.h __bpf_xdp_redirect_map): params at bytes 16..39,
// the helper's return value (low 32 bits) at bytes 40..43; the program itself returns XDP_PASS.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct { __uint(type, BPF_MAP_TYPE_DEVMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } devmap SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } devhash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CPUMAP); __uint(max_entries, 2); __type(key, __u32); __type(value, struct bpf_cpumap_val); } cpumap SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_XSKMAP); __uint(max_entries, 2); __type(key, __u32); __type(value, __u32); } xskmap SEC(".maps");

struct params {
	__u32 which; /* 0 devmap, 1 devhash, 2 cpumap, 3 xskmap, 4 bpf_redirect(key) */
	__u32 pad;
	__u64 key;
	__u64 flags;
};

SEC("xdp")
int redir(struct xdp_md *ctx)
{
	struct params p;
	long r;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 48 > end)
		return XDP_ABORTED;
	__builtin_memcpy(&p, data + 16, sizeof(p));
	switch (p.which) {
	case 0: r = bpf_redirect_map(&devmap, p.key, p.flags); break;
	case 1: r = bpf_redirect_map(&devhash, p.key, p.flags); break;
	case 2: r = bpf_redirect_map(&cpumap, p.key, p.flags); break;
	case 3: r = bpf_redirect_map(&xskmap, p.key, p.flags); break;
	default: r = bpf_redirect(p.key, p.flags); break;
	}
	__s32 r32 = r;
	__builtin_memcpy(data + 40, &r32, 4);
	return XDP_PASS;
}
