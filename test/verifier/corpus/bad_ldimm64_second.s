	.section	xdp,"ax",@progbits
	.globl	bad_ldimm64_second
	.type	bad_ldimm64_second,@function
bad_ldimm64_second:
	.quad 0x0000000100000018
	.quad 0x0000000000000007
	r0 = 2
	exit
.Lend:
	.size	bad_ldimm64_second, .Lend-bad_ldimm64_second
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
