	.section	xdp,"ax",@progbits
	.globl	bad_invalid_opcode
	.type	bad_invalid_opcode,@function
bad_invalid_opcode:
	r0 = 2
	.quad 0x00000000000000ff
	exit
.Lend:
	.size	bad_invalid_opcode, .Lend-bad_invalid_opcode
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
