	.section	xdp,"ax",@progbits
	.globl	ok_pkt_jge
	.type	ok_pkt_jge,@function
ok_pkt_jge:
	r2 = *(u32 *)(r1 + 0)
	r3 = *(u32 *)(r1 + 4)
	r4 = r2
	r4 += 14
	r0 = 1
	if r4 >= r3 goto LBB0_2
	r0 = *(u8 *)(r2 + 14)
LBB0_2:
	exit
.Lend:
	.size	ok_pkt_jge, .Lend-ok_pkt_jge
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
