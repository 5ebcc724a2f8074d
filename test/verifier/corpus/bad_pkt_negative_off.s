	.section	xdp,"ax",@progbits
	.globl	bad_pkt_negative_off
	.type	bad_pkt_negative_off,@function
bad_pkt_negative_off:
	r2 = *(u32 *)(r1 + 0)
	r3 = *(u32 *)(r1 + 4)
	r4 = r2
	r4 += 14
	r0 = 1
	if r4 > r3 goto LBB0_2
	r0 = *(u8 *)(r2 - 1)
LBB0_2:
	exit
.Lend:
	.size	bad_pkt_negative_off, .Lend-bad_pkt_negative_off
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
