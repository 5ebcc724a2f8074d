	.section	xdp,"ax",@progbits
	.globl	bad_r0_uninit
	.type	bad_r0_uninit,@function
bad_r0_uninit:
	r2 = *(u32 *)(r1 + 16)
	if r2 == 0 goto LBB0_2
	r0 = 2
LBB0_2:
	exit
.Lend:
	.size	bad_r0_uninit, .Lend-bad_r0_uninit
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
