// Kernel oracle for the smaller helpers: bpf_strtol/strtoul/strncmp, bpf_snprintf,
// bpf_probe_read_kernel(_str), bpf_perf_event_output and the ring buffer helpers. Params at packet
// bytes 16..63 (op, len, flags, 32-byte buffer); results at 64..111 (ret, value, 32 output bytes).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, __u32); } perf SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } rb SEC(".maps");

struct params {
	__u32 op;
	__u32 len; /* 1..32 */
	__u64 flags;
	char buf[32];
};

static const char hello[] = "hello";
static const char fmt[] = "%d-%s-%x";

SEC("xdp")
int misc(struct xdp_md *ctx)
{
	struct params p;
	char out[32];
	__u64 val = 0xeeeeeeeeeeeeeeeeULL;
	__u64 data[3];
	long r = 0;
	void *d = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (d + 112 > end)
		return XDP_ABORTED;
	__builtin_memcpy(&p, d + 16, sizeof(p));
	__builtin_memset(out, 0xee, sizeof(out));
	__u32 len = p.len;
	if (len < 1 || len > 32)
		return XDP_ABORTED;
	switch (p.op) {
	case 1: r = bpf_strtol(p.buf, len, p.flags, (long *)&val); break;
	case 2: r = bpf_strtoul(p.buf, len, p.flags, (unsigned long *)&val); break;
	case 3: r = bpf_strncmp(p.buf, len, hello); break;
	case 4:
		data[0] = p.flags;
		data[1] = (__u64)(long)p.buf;
		data[2] = p.flags >> 8;
		r = bpf_snprintf(out, len, fmt, data, sizeof(data));
		break;
	case 5: r = bpf_probe_read_kernel_str(out, len, p.buf); break;
	case 6: r = bpf_probe_read_kernel(out, len, (void *)p.flags); break;
	case 7: r = bpf_perf_event_output(ctx, &perf, p.flags, p.buf, len); break;
	case 8:
		r = bpf_ringbuf_output(&rb, p.buf, len, p.flags);
		val = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
		data[0] = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
		data[1] = bpf_ringbuf_query(&rb, BPF_RB_CONS_POS);
		data[2] = bpf_ringbuf_query(&rb, BPF_RB_PROD_POS);
		__builtin_memcpy(out, data, 24);
		break;
	case 9: {
		void *rec = bpf_ringbuf_reserve(&rb, 16, p.flags);
		r = rec ? 1 : 0;
		if (rec) {
			__builtin_memcpy(rec, p.buf, 16);
			if (len & 1)
				bpf_ringbuf_discard(rec, 0);
			else
				bpf_ringbuf_submit(rec, 0);
		}
		val = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
		data[0] = bpf_ringbuf_query(&rb, 99);
		data[1] = bpf_ringbuf_query(&rb, BPF_RB_CONS_POS);
		data[2] = bpf_ringbuf_query(&rb, BPF_RB_PROD_POS);
		__builtin_memcpy(out, data, 24);
		break;
	}
	default: break;
	}
	__builtin_memcpy(d + 64, &r, 8);
	__builtin_memcpy(d + 72, &val, 8);
	__builtin_memcpy(d + 80, out, 32);
	return XDP_PASS;
}
