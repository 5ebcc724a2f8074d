	.section	xdp,"ax",@progbits
	.globl	bad_st_ctx
	.type	bad_st_ctx,@function
bad_st_ctx:
	*(u32 *)(r1 + 0) = 1
	r0 = 2
	exit
.Lend:
	.size	bad_st_ctx, .Lend-bad_st_ctx
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
