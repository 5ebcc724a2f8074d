	.section	xdp,"ax",@progbits
	.globl	bad_ret_ptr.unpriv
	.type	bad_ret_ptr.unpriv,@function
bad_ret_ptr.unpriv:
	r0 = r1
	exit
.Lend:
	.size	bad_ret_ptr.unpriv, .Lend-bad_ret_ptr.unpriv
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
