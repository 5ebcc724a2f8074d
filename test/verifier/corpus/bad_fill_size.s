	.section	xdp,"ax",@progbits
	.globl	bad_fill_size
	.type	bad_fill_size,@function
bad_fill_size:
	*(u64 *)(r10 - 8) = r1
	r0 = *(u32 *)(r10 - 8)
	exit
.Lend:
	.size	bad_fill_size, .Lend-bad_fill_size
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
