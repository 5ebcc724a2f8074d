	.section	xdp,"ax",@progbits
	.globl	bad_atomic_ctx
	.type	bad_atomic_ctx,@function
bad_atomic_ctx:
	r2 = 1
	lock *(u32 *)(r1 + 0) += r2
	r0 = 2
	exit
.Lend:
	.size	bad_atomic_ctx, .Lend-bad_atomic_ctx
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
