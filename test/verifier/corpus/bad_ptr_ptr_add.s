	.section	xdp,"ax",@progbits
	.globl	bad_ptr_ptr_add
	.type	bad_ptr_ptr_add,@function
bad_ptr_ptr_add:
	r2 = *(u32 *)(r1 + 0)
	r3 = *(u32 *)(r1 + 4)
	r2 += r3
	r0 = 2
	exit
.Lend:
	.size	bad_ptr_ptr_add, .Lend-bad_ptr_ptr_add
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
