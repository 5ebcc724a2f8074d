	.section	xdp,"ax",@progbits
	.globl	bad_alu32_ptr
	.type	bad_alu32_ptr,@function
bad_alu32_ptr:
	r2 = *(u32 *)(r1 + 0)
	w2 += 1
	r0 = 2
	exit
.Lend:
	.size	bad_alu32_ptr, .Lend-bad_alu32_ptr
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
