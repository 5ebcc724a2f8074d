	.section	xdp,"ax",@progbits
	.globl	ok_pkt_end_lt
	.type	ok_pkt_end_lt,@function
ok_pkt_end_lt:
	r2 = *(u32 *)(r1 + 0)
	r3 = *(u32 *)(r1 + 4)
	r4 = r2
	r4 += 20
	r0 = 1
	if r3 < r4 goto LBB0_2
	r0 = *(u32 *)(r2 + 16)
LBB0_2:
	exit
.Lend:
	.size	ok_pkt_end_lt, .Lend-ok_pkt_end_lt
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
