	.section	xdp,"ax",@progbits
	.globl	bad_misaligned_stack
	.type	bad_misaligned_stack,@function
bad_misaligned_stack:
	r1 = 0
	*(u32 *)(r10 - 6) = r1
	r0 = 2
	exit
.Lend:
	.size	bad_misaligned_stack, .Lend-bad_misaligned_stack
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
