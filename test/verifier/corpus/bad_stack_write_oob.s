	.section	xdp,"ax",@progbits
	.globl	bad_stack_write_oob
	.type	bad_stack_write_oob,@function
bad_stack_write_oob:
	r1 = 1
	*(u64 *)(r10 + 8) = r1
	r0 = 2
	exit
.Lend:
	.size	bad_stack_write_oob, .Lend-bad_stack_write_oob
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
