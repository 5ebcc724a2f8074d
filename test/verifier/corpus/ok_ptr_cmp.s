	.section	xdp,"ax",@progbits
	.globl	ok_ptr_cmp
	.type	ok_ptr_cmp,@function
ok_ptr_cmp:
	r0 = 2
	if r1 == r10 goto LBB0_2
	r0 = 1
LBB0_2:
	exit
.Lend:
	.size	ok_ptr_cmp, .Lend-ok_ptr_cmp
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
