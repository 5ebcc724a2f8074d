	.section	xdp,"ax",@progbits
	.globl	bad_ctx_modified
	.type	bad_ctx_modified,@function
bad_ctx_modified:
	r1 += 4
	r0 = *(u32 *)(r1 + 0)
	exit
.Lend:
	.size	bad_ctx_modified, .Lend-bad_ctx_modified
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
