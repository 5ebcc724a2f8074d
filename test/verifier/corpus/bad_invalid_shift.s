	.section	xdp,"ax",@progbits
	.globl	bad_invalid_shift
	.type	bad_invalid_shift,@function
bad_invalid_shift:
	r0 = 2
	r0 <<= 64
	exit
.Lend:
	.size	bad_invalid_shift, .Lend-bad_invalid_shift
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
