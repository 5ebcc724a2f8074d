	.section	xdp,"ax",@progbits
	.globl	bad_stack_read_oob
	.type	bad_stack_read_oob,@function
bad_stack_read_oob:
	r0 = *(u64 *)(r10 - 520)
	exit
.Lend:
	.size	bad_stack_read_oob, .Lend-bad_stack_read_oob
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
