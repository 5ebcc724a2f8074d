	.section	xdp,"ax",@progbits
	.globl	bad_reg_uninit
	.type	bad_reg_uninit,@function
bad_reg_uninit:
	r0 = r5
	exit
.Lend:
	.size	bad_reg_uninit, .Lend-bad_reg_uninit
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
