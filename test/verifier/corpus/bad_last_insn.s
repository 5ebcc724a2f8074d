	.section	xdp,"ax",@progbits
	.globl	bad_last_insn
	.type	bad_last_insn,@function
bad_last_insn:
	r0 = 2
	exit
	r0 = 1
.Lend:
	.size	bad_last_insn, .Lend-bad_last_insn
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
