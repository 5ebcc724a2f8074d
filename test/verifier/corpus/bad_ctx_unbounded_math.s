	.section	xdp,"ax",@progbits
	.globl	bad_ctx_unbounded_math
	.type	bad_ctx_unbounded_math,@function
bad_ctx_unbounded_math:
	r6 = r1
	call 5
	r1 = r6
	r1 += r0
	r0 = *(u32 *)(r1 + 0)
	exit
.Lend:
	.size	bad_ctx_unbounded_math, .Lend-bad_ctx_unbounded_math
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
