	.section	xdp,"ax",@progbits
	.globl	bad_helper_key_type
	.type	bad_helper_key_type,@function
bad_helper_key_type:
	r6 = r1
	r1 = 0 ll
	r2 = r6
	call 1
	r0 = 2
	exit
.Lend:
	.size	bad_helper_key_type, .Lend-bad_helper_key_type
	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
