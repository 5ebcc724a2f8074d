	.section	xdp,"ax",@progbits
	.globl	bad_ptr_bitwise
	.type	bad_ptr_bitwise,@function
bad_ptr_bitwise:
	r2 = *(u32 *)(r1 + 0)
	r2 &= 255
	r0 = 2
	exit
.Lend:
	.size	bad_ptr_bitwise, .Lend-bad_ptr_bitwise
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
