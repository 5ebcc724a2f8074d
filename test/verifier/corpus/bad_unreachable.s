	.section	xdp,"ax",@progbits
	.globl	bad_unreachable
	.type	bad_unreachable,@function
bad_unreachable:
	r0 = 2
	exit
	r0 = 1
	exit
.Lend:
	.size	bad_unreachable, .Lend-bad_unreachable
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
