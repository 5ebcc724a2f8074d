#!/usr/bin/env python3
"""make-data-files.py - writes the table-driven part of xdpsim's own conformance tests (gen-*.data).

Each ALU / jump file runs a list of cases through one opcode; every case sets r0 to its number and
leaves through `exit` when the result differs from the expectation computed here by an independent
Python model of RFC 9669 §4 (ALU) and §4.3 (jumps). A passing program returns 0.
The expectations were cross-checked against the running kernel with check-with-kernel.py.
Hand-written tests (memory, atomics, calls, faults) live next to these files without the gen- prefix.

    python3 test/conformance/make-data-files.py      # rewrites test/conformance/gen-*.data
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
M64 = (1 << 64) - 1
M32 = (1 << 32) - 1


def s64(x):
    x &= M64
    return x - (1 << 64) if x >> 63 else x


def s32(x):
    x &= M32
    return x - (1 << 32) if x >> 31 else x


def tdiv(a, b):
    """C division: truncate toward zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def alu(op, wide, a, b, off=0):
    """Result (as an unsigned 64-bit value) of dst=a OP src=b; the 32-bit class zero-extends."""
    bits, mask, sx = (64, M64, s64) if wide else (32, M32, s32)
    a &= mask
    b &= mask
    if op == "add":
        r = a + b
    elif op == "sub":
        r = a - b
    elif op == "mul":
        r = a * b
    elif op == "div":
        r = 0 if b == 0 else a // b
    elif op == "sdiv":
        r = 0 if b == 0 else tdiv(sx(a), sx(b))
    elif op == "mod":
        r = a if b == 0 else a % b
    elif op == "smod":
        r = a if b == 0 else sx(a) - tdiv(sx(a), sx(b)) * sx(b)
    elif op == "or":
        r = a | b
    elif op == "and":
        r = a & b
    elif op == "xor":
        r = a ^ b
    elif op == "lsh":
        r = a << (b & (bits - 1))
    elif op == "rsh":
        r = a >> (b & (bits - 1))
    elif op == "arsh":
        r = sx(a) >> (b & (bits - 1))
    elif op == "mov":
        r = b
    elif op == "movsx":
        r = b & ((1 << off) - 1)
        if r >> (off - 1):
            r -= 1 << off
    elif op == "neg":
        r = -a
    else:
        raise ValueError(op)
    return r & mask


def cond(op, wide, a, b):
    mask, sx = (M64, s64) if wide else (M32, s32)
    a &= mask
    b &= mask
    return {
        "jeq": a == b, "jne": a != b, "jset": (a & b) != 0,
        "jgt": a > b, "jge": a >= b, "jlt": a < b, "jle": a <= b,
        "jsgt": sx(a) > sx(b), "jsge": sx(a) >= sx(b), "jslt": sx(a) < sx(b), "jsle": sx(a) <= sx(b),
    }[op]


def hx(v):
    return "0x%x" % (v & M64)


INT64_MIN = 1 << 63
V64 = [0, 1, 2, 7, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
       0x100000000, 0x123456789ABCDEF0, 0x7FFFFFFFFFFFFFFF, INT64_MIN, M64, M64 - 1, 0xFEDCBA9876543210]

OPS = {
    # op: (pairs of (dst, src) for the register form, immediates for the immediate form)
    "add": ([(1, 2), (M64, 1), (0xFFFFFFFF, 1), (0x7FFFFFFFFFFFFFFF, 1), (0xFFFFFFFF80000000, 0x80000000),
             (0x123456789ABCDEF0, 0xFEDCBA9876543210)], [1, -1, 0x7FFFFFFF, -0x80000000]),
    "sub": ([(3, 1), (0, 1), (0x100000000, 1), (INT64_MIN, 1), (0x123456789ABCDEF0, 0xFEDCBA9876543210)],
            [1, -1, 0x7FFFFFFF, -0x80000000]),
    "mul": ([(3, 7), (M64, M64), (0xFFFFFFFF, 0xFFFFFFFF), (0x100000001, 0x100000001), (0x123456789ABCDEF0, 0xFEDCBA9876543210),
             (INT64_MIN, 2), (0x80000000, 0x80000000)], [3, -1, 0x7FFFFFFF, -0x80000000]),
    "div": ([(7, 2), (M64, 3), (0x123456789ABCDEF0, 0x10000), (M64, M64 - 1), (5, 0), (0xFFFFFFFF00000005, 0),
             (INT64_MIN, M64), (0x100000000, 0x100000001), (0xFEDCBA9876543210, 0x123456789)], [3, -1, 0x10000, -0x80000000]),
    "sdiv": ([(7, 2), (s64(-7) & M64, 2), (7, M64 - 1), (INT64_MIN, M64), (INT64_MIN, 1), (5, 0),
              (0xFEDCBA9876543210, 0x123456789), (0xFEDCBA9876543210, 0xFFFFFFFF00000000)], [3, -3, -1, 0x10000]),
    "mod": ([(7, 2), (M64, 10), (0x123456789ABCDEF0, 0x10001), (5, 0), (0xFFFFFFFF00000005, 0),
             (M64, M64 - 1), (0xFEDCBA9876543210, 0x123456789)], [3, -1, 0x10000, 7]),
    "smod": ([(7, 2), (s64(-7) & M64, 2), (7, s64(-2) & M64), (s64(-7) & M64, s64(-2) & M64), (INT64_MIN, M64),
              (5, 0), (0xFFFFFFFF00000005, 0), (0xFEDCBA9876543210, 0x123456789)], [3, -3, -1, 0x10000]),
    "or": ([(0xF0, 0x0F), (0xFFFF0000FFFF0000, 0x0000FFFF0000FFFF), (0, INT64_MIN)], [0x0F, -1, -0x80000000]),
    "and": ([(0xFF, 0x0F), (0xFFFF0000FFFF0000, 0xFF00FF00FF00FF00), (M64, 0)], [0x0F, -1, -0x80000000]),
    "xor": ([(0xFF, 0x0F), (0xFFFF0000FFFF0000, M64), (0x123456789ABCDEF0, 0x123456789ABCDEF0)], [0x0F, -1, -0x80000000]),
    "lsh": ([(1, 0), (1, 1), (1, 31), (1, 32), (1, 63), (1, 64), (0x123456789ABCDEF0, 68), (M64, 127), (3, 0xFFFFFFFF00000021)],
            [0, 1, 31, 32, 63]),
    "rsh": ([(INT64_MIN, 63), (M64, 1), (M64, 32), (M64, 64), (0x123456789ABCDEF0, 36), (M64, 0xFFFFFFFF00000021)],
            [0, 1, 31, 32, 63]),
    "arsh": ([(INT64_MIN, 63), (M64, 1), (0x8000000080000000, 32), (0x8000000080000000, 31), (INT64_MIN, 64),
              (0x7FFFFFFFFFFFFFFF, 62), (0xF000000000000000, 0xFFFFFFFF00000024)], [0, 1, 31, 32, 63]),
    "mov": ([(0, 0x123456789ABCDEF0), (M64, 0), (0, M64)], [0, 1, -1, 0x7FFFFFFF, -0x80000000]),
}
# 32-bit variants of the interesting shift amounts (imm < 32; registers may hold anything)
SHIFT32_IMM = [0, 1, 15, 31]


def case_lines(n, note, setup, check_reg, expect):
    out = [f"# case {n}: {note}"]
    out += setup
    out.append(f"lddw r9, {hx(expect)}")
    out.append(f"mov r0, {n}")
    out.append(f"jne {check_reg}, r9, exit")
    return out


def write(name, title, body, result="0x0", mem=None):
    path = os.path.join(HERE, name)
    text = f"# {title}\n# Generated by make-data-files.py (expectations from its Python model, checked against the kernel).\n"
    text += "-- asm\n" + "\n".join(body) + "\n"
    if mem is not None:
        text += "-- mem\n" + mem + "\n"
    text += f"-- result\n{result}\n"
    with open(path, "w") as f:
        f.write(text)


def alu_files():
    for op, (pairs, imms) in OPS.items():
        for wide in (True, False):
            sfx = "" if wide else "32"
            cls = "alu64" if wide else "alu32"
            # register source
            body, n = [], 0
            for a, b in pairs:
                n += 1
                exp = alu(op, wide, a, b)
                body += case_lines(n, f"{hx(a)} {op}{sfx} {hx(b)} = {hx(exp)}",
                                   [f"lddw r1, {hx(a)}", f"lddw r2, {hx(b)}", f"{op}{sfx} r1, r2"], "r1", exp)
                # the source register is not modified
                body += [f"lddw r9, {hx(b)}", f"mov r0, {n}", "jne r2, r9, exit"]
            body += ["mov r0, 0", "exit"]
            write(f"gen-{cls}-{op}-reg.data", f"{op}{sfx} with a register source ({cls} class, RFC 9669 §4.1)", body)
            # immediate source
            body, n = [], 0
            imm_list = imms if wide or op not in ("lsh", "rsh", "arsh") else SHIFT32_IMM
            for imm in imm_list:
                for a in ([0x123456789ABCDEF0, M64, 0xFFFFFFFF80000000] if op != "mov" else [0xFFFFFFFFFFFFFFFF]):
                    n += 1
                    exp = alu(op, wide, a, imm & M64)
                    body += case_lines(n, f"{hx(a)} {op}{sfx} imm {imm} = {hx(exp)}",
                                       [f"lddw r1, {hx(a)}", f"{op}{sfx} r1, {imm}"], "r1", exp)
            body += ["mov r0, 0", "exit"]
            write(f"gen-{cls}-{op}-imm.data", f"{op}{sfx} with an immediate source, sign-extended for alu64 ({cls}, RFC 9669 §4.1)", body)


def movsx_neg_files():
    body, n = [], 0
    for wide, bits_list in ((True, (8, 16, 32)), (False, (8, 16))):
        for bits in bits_list:
            for v in (0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0x1234567890ABCDEF, 0xFFFFFFFFFFFFFF7F):
                n += 1
                exp = alu("movsx", wide, 0, v, bits)
                mn = f"movsx{bits}{'64' if wide else '32'}"
                body += case_lines(n, f"{mn} {hx(v)} = {hx(exp)}",
                                   [f"lddw r1, 0xdeadbeefdeadbeef", f"lddw r2, {hx(v)}", f"{mn} r1, r2"], "r1", exp)
    body += ["mov r0, 0", "exit"]
    write("gen-movsx.data", "movsx: sign-extending register moves, 8/16/32 → 64 and 8/16 → 32 (RFC 9669 §4.1, ISA v4)", body)

    body, n = [], 0
    for wide in (True, False):
        for v in (0, 1, M64, INT64_MIN, 0x80000000, 0xFFFFFFFF00000001, 0x123456789ABCDEF0):
            n += 1
            exp = alu("neg", wide, v, 0)
            mn = "neg" if wide else "neg32"
            body += case_lines(n, f"{mn} {hx(v)} = {hx(exp)}", [f"lddw r1, {hx(v)}", f"{mn} r1"], "r1", exp)
    body += ["mov r0, 0", "exit"]
    write("gen-neg.data", "neg and neg32: two's complement negation, 32-bit zero-extends (RFC 9669 §4.1)", body)


def bswap(v, bits):
    return int.from_bytes((v & ((1 << bits) - 1)).to_bytes(bits // 8, "little"), "big")


def byteswap_files():
    body, n = [], 0
    vals = (0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x00000000000000FF)
    for kind in ("be", "le", "swap"):
        for bits in (16, 32, 64):
            for v in vals:
                n += 1
                if kind == "le":
                    exp = v & ((1 << bits) - 1)
                else:
                    exp = bswap(v, bits)
                mn = f"{'bswap' if kind == 'swap' else kind}{bits}"
                body += case_lines(n, f"{mn} {hx(v)} = {hx(exp)}", [f"lddw r1, {hx(v)}", f"{mn} r1"], "r1", exp)
    body += ["mov r0, 0", "exit"]
    write("gen-byteswap.data", "be16/32/64 and le16/32/64 (host little-endian: le truncates), bswap16/32/64 (RFC 9669 §4.2)", body)


JUMP_OPS = ["jeq", "jne", "jset", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle"]
JUMP_PAIRS = [(1, 1), (1, 2), (2, 1), (M64, 1), (1, M64), (M64, M64), (INT64_MIN, 0x7FFFFFFFFFFFFFFF),
              (0x7FFFFFFFFFFFFFFF, INT64_MIN), (0x100000001, 1), (1, 0x100000001), (0xFFFFFFFF, 0x80000000),
              (0x80000000, 0xFFFFFFFF), (0x1FFFFFFFF, 0x0FFFFFFFF), (0xF0, 0x0F), (0x80000000, 0)]
JUMP_IMMS = [(1, 1), (2, 1), (0, 1), (M64, -1), (0xFFFFFFFF, -1), (1, -1), (0x80000000, -0x80000000),
             (0xFFFFFFFF80000000, -0x80000000), (0x100000000, 0), (0x100000001, 1), (0xF0, 0x0F), (0x7FFFFFFF, 0x7FFFFFFF)]


def jump_files():
    for op in JUMP_OPS:
        for wide in (True, False):
            sfx = "" if wide else "32"
            cls = "jmp" if wide else "jmp32"
            for src in ("reg", "imm"):
                body, n = [], 0
                cases = JUMP_PAIRS if src == "reg" else JUMP_IMMS
                for a, b in cases:
                    n += 1
                    taken = cond(op, wide, a, b & M64)
                    opnd = "r2" if src == "reg" else str(b)
                    setup = [f"lddw r1, {hx(a)}"] + ([f"lddw r2, {hx(b)}"] if src == "reg" else [])
                    body.append(f"# case {n}: {op}{sfx} {hx(a)}, {opnd if src == 'imm' else hx(b)} is {'taken' if taken else 'not taken'}")
                    body += setup
                    body.append(f"mov r0, {n}")
                    if taken:
                        body += [f"{op}{sfx} r1, {opnd}, ok{n}", "exit", f"ok{n}:"]
                    else:
                        body += [f"{op}{sfx} r1, {opnd}, exit"]
                body += ["mov r0, 0", "exit"]
                what = "immediate sign-extended to 64 bits" if wide else "low 32 bits only"
                write(f"gen-{cls}-{op}-{src}.data",
                      f"{op}{sfx} with a {'register' if src == 'reg' else 'immediate'} source ({what}; RFC 9669 §4.3)", body)


if __name__ == "__main__":
    for f in os.listdir(HERE):
        if f.startswith("gen-") and f.endswith(".data"):
            os.remove(os.path.join(HERE, f))
    alu_files()
    movsx_neg_files()
    byteswap_files()
    jump_files()
    print(len([f for f in os.listdir(HERE) if f.startswith("gen-")]), "files written")
