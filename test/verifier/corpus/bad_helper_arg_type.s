	.section	xdp,"ax",@progbits
	.globl	bad_helper_arg_type
	.type	bad_helper_arg_type,@function
bad_helper_arg_type:
	r2 = r10
	r2 += -8
	call 1
	r0 = 2
	exit
.Lend:
	.size	bad_helper_arg_type, .Lend-bad_helper_arg_type
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
