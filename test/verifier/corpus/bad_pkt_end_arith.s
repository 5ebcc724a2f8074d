	.section	xdp,"ax",@progbits
	.globl	bad_pkt_end_arith
	.type	bad_pkt_end_arith,@function
bad_pkt_end_arith:
	r2 = *(u32 *)(r1 + 4)
	r2 += 1
	r0 = 2
	exit
.Lend:
	.size	bad_pkt_end_arith, .Lend-bad_pkt_end_arith
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
