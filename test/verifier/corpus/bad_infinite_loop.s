	.section	xdp,"ax",@progbits
	.globl	bad_infinite_loop
	.type	bad_infinite_loop,@function
bad_infinite_loop:
	r0 = 0
LBB0_1:
	r0 = 0
	goto LBB0_1
.Lend:
	.size	bad_infinite_loop, .Lend-bad_infinite_loop
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
