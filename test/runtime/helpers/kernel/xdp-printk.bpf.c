// Kernel oracle for bpf_trace_printk formatting (kernel/trace/bpf_trace.c, kernel/bpf/helpers.c
// bpf_bprintf_prepare): packet bytes 16..47 pick a format and three arguments; an argument mode of
// 1 passes a pointer to the 16 string bytes at 48..63 instead. The return value goes to 64..71.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define NFMT 32
static const char fmts[NFMT][32] = {
	"plain text",
	"d=%d i=%i u=%u x=%x",
	"ld=%ld li=%li lu=%lu lx=%lx",
	"lld=%lld lli=%lli llu=%llu",
	"llx=%llx X=%X lX=%lX",
	"c=%c%c%c",
	"s=%s.",
	"p=%p px=%px",
	"pct=%% %d%%",
	"w=[%5d] [%-5d] [%05d]",
	"w=[%+d] [% d] [%08x]",
	"ip4=%pI4 ip4=%pi4",
	"ip6=%pI6",
	"ip6=%pi6",
	"bad=%q",
	"four=%d %d %d %d",
	"sx=%sx",
	"dot=%.2d",
	"nl\n",
	"tab\there",
	"s=%s s=%s",
	"ks=%pks",
	"us=%pus",
	"hh=%hhd",
	"z=%zd",
	"ll=%llc",
	"pK=%pK",
	"S=%pS",
	"lli=%lli",
	"i=%i x=%x",
	"end%",
	"%",
};

struct params {
	__u32 fmt;
	__u8 mode[4];
	__u64 arg[3];
};

SEC("xdp")
int printk(struct xdp_md *ctx)
{
	struct params p;
	char str[16];
	__u64 a[3];
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 72 > end)
		return XDP_ABORTED;
	__builtin_memcpy(&p, data + 16, sizeof(p));
	__builtin_memcpy(str, data + 48, 16);
	__u32 f = p.fmt;
	if (f >= NFMT)
		return XDP_ABORTED;
	for (int i = 0; i < 3; i++)
		a[i] = p.mode[i] == 1 ? (__u64)(long)str : p.arg[i];
	long r;
	if (p.mode[3] == 1) {
		char nonul[4] = { 'a', 'b', 'c', 'd' };
		r = bpf_trace_printk(nonul, sizeof(nonul));
	} else {
		r = bpf_trace_printk(fmts[f], 32, a[0], a[1], a[2]);
	}
	__builtin_memcpy(data + 64, &r, 8);
	return XDP_PASS;
}
