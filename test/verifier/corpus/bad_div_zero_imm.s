	.section	xdp,"ax",@progbits
	.globl	bad_div_zero_imm
	.type	bad_div_zero_imm,@function
bad_div_zero_imm:
	r0 = 2
	r0 /= 0
	exit
.Lend:
	.size	bad_div_zero_imm, .Lend-bad_div_zero_imm
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
