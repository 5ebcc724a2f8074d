	.section	xdp,"ax",@progbits
	.globl	ok_ret_ptr
	.type	ok_ret_ptr,@function
ok_ret_ptr:
	r0 = r1
	exit
.Lend:
	.size	ok_ret_ptr, .Lend-ok_ret_ptr
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
