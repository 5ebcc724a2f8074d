	.section	xdp,"ax",@progbits
	.globl	bad_fp_write
	.type	bad_fp_write,@function
bad_fp_write:
	r10 = 0
	r0 = 2
	exit
.Lend:
	.size	bad_fp_write, .Lend-bad_fp_write
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
