	.section	xdp,"ax",@progbits
	.globl	ok_pkt_var_off
	.type	ok_pkt_var_off,@function
ok_pkt_var_off:
	r2 = *(u32 *)(r1 + 0)
	r3 = *(u32 *)(r1 + 4)
	r4 = *(u8 *)(r1 + 16)
	r4 &= 15
	r2 += r4
	r5 = r2
	r5 += 4
	r0 = 1
	if r5 > r3 goto LBB0_2
	r0 = *(u32 *)(r2 + 0)
LBB0_2:
	exit
.Lend:
	.size	ok_pkt_var_off, .Lend-ok_pkt_var_off
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
