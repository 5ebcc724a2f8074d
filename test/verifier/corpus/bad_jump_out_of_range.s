	.section	xdp,"ax",@progbits
	.globl	bad_jump_out_of_range
	.type	bad_jump_out_of_range,@function
bad_jump_out_of_range:
	r0 = 2
	.quad 0x0000000000050005
	exit
.Lend:
	.size	bad_jump_out_of_range, .Lend-bad_jump_out_of_range
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
