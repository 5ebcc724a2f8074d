	.section	xdp,"ax",@progbits
	.globl	bad_ptr_cmp.unpriv
	.type	bad_ptr_cmp.unpriv,@function
bad_ptr_cmp.unpriv:
	r0 = 2
	if r1 == r10 goto LBB0_2
	r0 = 1
LBB0_2:
	exit
.Lend:
	.size	bad_ptr_cmp.unpriv, .Lend-bad_ptr_cmp.unpriv
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
