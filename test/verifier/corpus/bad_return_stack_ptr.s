	.text
	.type	sub,@function
sub:
	r0 = r10
	r0 += -8
	exit
.Lsub_end:
	.size	sub, .Lsub_end-sub
	.section	xdp,"ax",@progbits
	.globl	bad_return_stack_ptr
	.type	bad_return_stack_ptr,@function
bad_return_stack_ptr:
	call sub
	r0 = 2
	exit
.Lend:
	.size	bad_return_stack_ptr, .Lend-bad_return_stack_ptr
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
