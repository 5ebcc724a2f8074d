	.section	xdp,"ax",@progbits
	.globl	bad_pkt_end_le
	.type	bad_pkt_end_le,@function
bad_pkt_end_le:
	r2 = *(u32 *)(r1 + 0)
	r3 = *(u32 *)(r1 + 4)
	r4 = r2
	r4 += 20
	r0 = 1
	if r3 <= r4 goto LBB0_2
	r0 = *(u32 *)(r2 + 18)
LBB0_2:
	exit
.Lend:
	.size	bad_pkt_end_le, .Lend-bad_pkt_end_le
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
