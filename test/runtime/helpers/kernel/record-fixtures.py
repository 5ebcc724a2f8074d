#!/usr/bin/env python3
"""record-fixtures.py - run the helper oracle programs of this directory in the real kernel and
store what it answered as test fixtures (fixtures/<name>.json), for xdpsim's helper tests.

  sudo python3 record-fixtures.py [--build] [NAME ...]   # default: every test below
  sudo python3 probe-helpers.py > fixtures/xdp-helper-probe.json

Each test is an XDP object (NAME.o, built from NAME.bpf.c with
`clang-19 -target bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c NAME.bpf.c -o NAME.o`) and a list
of packets whose bytes carry the helper arguments. The packets are written to a pcap and replayed
with kernel_replay.py (BPF_PROG_TEST_RUN; $KERNEL_REPLAY, default /work/shared/tools/); a fixture
holds every packet (hex; frames over 4096 bytes as the pattern below plus the argument bytes) with
the kernel's result line (outputs over 4096 bytes as their SHA-256), plus trace_pipe lines for trace_printk
tests (tracefs is mounted on /sys/kernel/tracing if needed) and, for fib_lookup, the network
namespace set-up it ran in with the equivalent xdpsim devices and routes. --build recompiles the
objects first. Recorded on Linux 6.18 (x86-64, JIT on, CONFIG_HZ=250)."""
import json, os, re, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPLAY = os.environ.get("KERNEL_REPLAY", "/work/shared/tools/kernel_replay.py")
TRACE = "/sys/kernel/tracing/trace"


def pattern(n, seed=3):
    """Filler bytes of every test packet: byte i is (7 i + 3) mod 256."""
    return bytearray(((i * 7 + seed) & 0xff) for i in range(n))


def with_params(n, params, at=16):
    p = pattern(n)
    p[at:at + len(params)] = params
    return bytes(p)


BIG = 4096


def compact(pkt, res):
    """Fixture form of a case: big packets as pattern + params, big outputs as a SHA-256."""
    import hashlib
    case = {}
    if len(pkt) > BIG:
        base = pattern(len(pkt))
        diff = [i for i in range(len(pkt)) if pkt[i] != base[i]]
        lo, hi = (diff[0], diff[-1] + 1) if diff else (16, 16)
        case["packet"] = {"pattern": len(pkt), "at": lo, "params": pkt[lo:hi].hex()}
    else:
        case["packet"] = pkt.hex()
    out = res.pop("out", None)
    case.update(res)
    if out is not None and len(out) > 2 * BIG:
        case["out_sha256"] = hashlib.sha256(bytes.fromhex(out)).hexdigest()
    elif out is not None:
        case["out"] = out
    return case


# ---------------------------------------------------------------- adjust_head/tail/meta
def ops(*items):
    b = b""
    for code, arg in items:
        b += struct.pack("<B3xi", code, arg)
    return b.ljust(32, b"\0")


H, T, M, FILL, FILLMETA = 1, 2, 3, 4, 5
ADJUST_CASES = [
    ("nothing", 60, []),
    ("head -216 (max)", 60, [(H, -216)]),
    ("head -217", 60, [(H, -217)]),
    ("head -256", 60, [(H, -256)]),
    ("head -1", 60, [(H, -1)]),
    ("head -3 odd", 61, [(H, -3)]),
    ("head +46 leaves 14", 60, [(H, 46)]),
    ("head +47 below 14", 60, [(H, 47)]),
    ("head -200 then +200", 60, [(H, -200), (H, 200)]),
    ("head -100 twice", 60, [(H, -100), (H, -100)]),
    ("head -116 after -100", 60, [(H, -100), (H, -116)]),
    ("headroom reads zero again", 60, [(H, -32), (FILL, 0), (H, 32), (H, -32)]),
    ("meta -8 then head -216", 60, [(M, -8), (H, -216)]),
    ("meta -8 then head -208", 60, [(M, -8), (FILLMETA, 0), (H, -208)]),
    ("meta -8 head +20 moves meta", 80, [(M, -8), (FILLMETA, 0), (H, 20)]),
    ("meta -4", 60, [(M, -4), (FILLMETA, 0)]),
    ("meta -32", 60, [(M, -32)]),
    ("meta -36", 60, [(M, -36)]),
    ("meta -252", 60, [(M, -252)]),
    ("meta -256", 60, [(M, -256)]),
    ("meta -216", 60, [(M, -216)]),
    ("meta -220", 60, [(M, -220)]),
    ("meta -3 unaligned", 60, [(M, -3)]),
    ("meta +4 past data", 60, [(M, 4)]),
    ("meta -8 +4", 60, [(M, -8), (M, 4)]),
    ("meta -8 +8", 60, [(M, -8), (M, 8)]),
    ("head -16 then meta -200", 60, [(H, -16), (M, -200)]),
    ("head +40 then meta -252 (max 255)", 100, [(H, 40), (M, -252), (FILLMETA, 0)]),
    ("head +40 then meta -256 EACCES", 100, [(H, 40), (M, -256)]),
    ("head +40 then meta -260 EACCES", 100, [(H, 40), (M, -260)]),
    ("meta -252 after head +40, head -4", 100, [(H, 40), (M, -252), (H, -4)]),
    ("tail +1", 60, [(T, 1)]),
    ("tail +3460 (max)", 60, [(T, 3460)]),
    ("tail +3461", 60, [(T, 3461)]),
    ("tail -46 leaves 14", 60, [(T, -46)]),
    ("tail -47", 60, [(T, -47)]),
    ("tail 0", 60, [(T, 0)]),
    ("tail -20 +30 zeroes", 60, [(T, -20), (T, 30)]),
    ("tail grows after head -100", 60, [(H, -100), (T, 3560)]),
    ("tail grows after head -100 +1", 60, [(H, -100), (T, 3561)]),
    ("tail max on 3520", 3520, [(T, 0), (T, 1)]),
    ("head +3506 on 3520", 3520, [(H, 3506)]),
    ("frags: tail +100", 5000, [(T, 100)]),
    ("frags: tail +2616 fills frag", 5000, [(T, 2616)]),
    ("frags: tail +2617", 5000, [(T, 2617)]),
    ("frags: tail -1480 frees frag", 5000, [(T, -1480)]),
    ("frags: tail -1481", 5000, [(T, -1481)]),
    ("frags: tail -1000", 5000, [(T, -1000)]),
    ("frags: tail -4986 leaves 14", 5000, [(T, -4986)]),
    ("frags: tail -4987", 5000, [(T, -4987)]),
    ("frags: tail -1480 then +10", 5000, [(T, -1480), (T, 10)]),
    ("frags: head -216 +20", 5000, [(H, -216), (H, 20)]),
    ("frags: meta -16", 5000, [(M, -16), (FILLMETA, 0)]),
    ("3 frags: tail -200", 3520 + 4096 + 4096 + 100, [(T, -200)]),
    ("3 frags: tail -4196", 3520 + 4096 + 4096 + 100, [(T, -4196)]),
    ("3 frags: tail -4197", 3520 + 4096 + 4096 + 100, [(T, -4197)]),
    ("exactly 3521", 3521, [(T, 4095)]),
    ("exactly 3521 +4096", 3521, [(T, 4096)]),
    ("17 frags", 3520 + 17 * 4096, [(T, -5000), (T, 100)]),
]


def adjust_packets():
    return [(name, with_params(n, ops(*o))) for name, n, o in ADJUST_CASES]


# ---------------------------------------------------------------- xdp_load_bytes / store_bytes
SKIP = 0xFFFFFFFF
BYTES_CASES = [
    ("load 0+14 store 20", 60, 0, 14, 20),
    ("load 46+14 (to end)", 60, 46, 14, 0),
    ("load 47+14 EINVAL, dst untouched", 60, 47, 14, 0),
    ("load 0xffff+1 EINVAL", 60, 0xFFFF, 1, 0),
    ("load 0x10000+1 EFAULT", 60, 0x10000, 1, 0),
    ("load 0xfffffffe EFAULT", 60, 0xFFFFFFFE, 1, 0),
    ("store 0+256 EINVAL", 60, SKIP, 256, 0),
    ("store 59+1", 60, SKIP, 1, 59),
    ("store 60+1 EINVAL", 60, SKIP, 1, 60),
    ("3520: load 3519+1", 3520, 3519, 1, 0),
    ("3520: load 3520+1 EINVAL", 3520, 3520, 1, 0),
    ("5000: load 3500+40 across linear/frag", 5000, 3500, 40, 100),
    ("5000: store 3510+40 across", 5000, 0, 40, 3510),
    ("5000: load 4990+10", 5000, 4990, 10, 200),
    ("5000: load 4991+10 EINVAL", 5000, 4991, 10, 200),
    ("5000: load 3520+256 in frag", 5000, 3520, 256, 4700),
    ("11812: load across frag/frag", 11812, 3520 + 4096 - 10, 20, 300),
    ("11812: store across frag/frag", 11812, 16, 32, 3520 + 4096 - 16),
    ("11812: store last bytes", 11812, 0, 100, 11712),
    ("70000: load 0xffff-10+10", 70000, 0xFFFF - 10, 10, 400),
    ("70000: load 0xffff+1", 70000, 0xFFFF, 1, 400),
    ("70000: load 0x10000+1 EFAULT within len", 70000, 0x10000, 1, 400),
    ("70000: store 0x10000+1 EFAULT", 70000, 0, 1, 0x10000),
    ("70000: store 0xff00+256 crosses 0xffff", 70000, 0, 256, 0xFF00),
]


def bytes_packets():
    return [(name, with_params(n, struct.pack("<IIII", lo, ln, so, 0)))
            for name, n, lo, ln, so in BYTES_CASES]


# ---------------------------------------------------------------- csum_diff
def csum_packets():
    import random
    rnd = random.Random(1234)
    cases = []

    def case(name, fs, ts, seed, frm, to):
        params = struct.pack("<IIQ", fs, ts, seed) + bytes(frm).ljust(64, b"\0") + bytes(to).ljust(64, b"\0")
        cases.append((name, with_params(168, params)))

    same = bytes(rnd.randrange(256) for _ in range(64))
    case("identical 20", 20, 20, 0, same, same)
    case("identical zeros", 8, 8, 0, b"", b"")
    case("both empty seed 0", 0, 0, 0, b"", b"")
    case("both empty seed 0x12345678", 0, 0, 0x12345678, b"", b"")
    case("both empty seed 0xffffffff", 0, 0, 0xFFFFFFFF, b"", b"")
    case("seed high bits ignored", 0, 0, 0xABCD00000001, b"", b"")
    case("to only 4", 0, 4, 0, b"", b"\x45\x00\x00\x54")
    case("to only zeros seed 0", 0, 4, 0, b"", b"")
    case("from only 4", 4, 0, 0, b"\x45\x00\x00\x54", b"")
    case("from only zeros seed 0", 4, 0, 0, b"", b"")
    case("from only ffffffff seed 0", 4, 0, 0, b"\xff" * 4, b"")
    case("from ffffffff to zeros", 4, 4, 0, b"\xff" * 4, b"")
    case("from zeros to ffffffff", 4, 4, 0, b"", b"\xff" * 4)
    case("from ffff to zeros", 2, 2, 0, b"\xff\xff", b"")
    case("from 00ff00ff to 0", 4, 4, 0, b"\x00\xff\x00\xff", b"")
    case("from ffffffff*2 to zeros seed 1", 8, 8, 1, b"\xff" * 8, b"")
    case("ip ttl change", 4, 4, 0, b"\x40\x11\x00\x00", b"\x3f\x11\x00\x00")
    case("odd sizes 3/5", 3, 5, 7, same[:3], same[10:15])
    case("sizes 64/64", 64, 64, 0x1234, same, same[::-1])
    case("sizes 1/0", 1, 0, 0x10000, b"\x80", b"")
    case("sizes 0/1", 0, 1, 0xFFFF, b"", b"\x80")
    for i in range(40):
        fs, ts = rnd.randrange(65), rnd.randrange(65)
        seed = rnd.choice([0, 0xFFFFFFFF, rnd.randrange(1 << 32), rnd.randrange(1 << 16)])
        frm = bytes(rnd.choice([0, 0xFF, rnd.randrange(256)]) for _ in range(64))
        to = bytes(rnd.choice([0, 0xFF, rnd.randrange(256)]) for _ in range(64))
        case(f"random {i} {fs}/{ts}", fs, ts, seed, frm, to)
    return cases


# ---------------------------------------------------------------- check_mtu
MTU_CASES = [
    ("lo, len 60", 60, 1, 0, 0, 0),
    ("ifindex 0 = ingress lo", 60, 0, 0, 0, 0),
    ("unknown ifindex", 60, 9999, 1234, 0, 0),
    ("flags 1", 60, 1, 1234, 0, 1),
    ("flags 1<<32", 60, 1, 1234, 0, 1 << 32),
    ("len_diff to mtu+14", 60, 1, 0, 65550 - 60, 0),
    ("len_diff past mtu+14", 60, 1, 0, 65551 - 60, 0),
    ("negative len_diff", 60, 1, 0, -100, 0),
    ("mtu_len in 1500", 60, 1, 1500, 0, 0),
    ("mtu_len in 65536", 60, 1, 65536, 0, 0),
    ("mtu_len in 65537", 60, 1, 65537, 0, 0),
    ("mtu_len in 65536 diff 1", 60, 1, 65536, 1, 0),
    ("mtu_len in 0xffffffff", 60, 1, 0xFFFFFFFF, 0, 0),
    ("frags: linear only", 5000, 1, 0, 65550 - 3520, 0),
    ("frags: linear only +1", 5000, 1, 0, 65551 - 3520, 0),
    ("huge negative diff", 60, 1, 0, -0x80000000, 0),
]


def mtu_packets():
    return [(name, with_params(n, struct.pack("<IIiIQ", ifx, ml, ld, 0, fl)))
            for name, n, ifx, ml, ld, fl in MTU_CASES]


# ---------------------------------------------------------------- redirect / redirect_map
DEVMAP, DEVHASH, CPUMAP, XSKMAP, REDIRECT = 0, 1, 2, 3, 4
BCAST, EXCL = 1 << 3, 1 << 4
REDIRECT_CASES = [
    ("devmap filled slot", DEVMAP, 1, 0),
    ("devmap empty slot", DEVMAP, 0, 0),
    ("devmap empty fallback DROP", DEVMAP, 0, 1),
    ("devmap empty fallback PASS", DEVMAP, 0, 2),
    ("devmap empty fallback TX", DEVMAP, 0, 3),
    ("devmap filled flags PASS", DEVMAP, 1, 2),
    ("devmap key >= max fallback PASS", DEVMAP, 5, 2),
    ("devmap flags 4", DEVMAP, 0, 4),
    ("devmap flags 4 filled", DEVMAP, 1, 4),
    ("devmap broadcast empty", DEVMAP, 0, BCAST),
    ("devmap broadcast+exclude", DEVMAP, 0, BCAST | EXCL),
    ("devmap exclude only, empty, PASS", DEVMAP, 0, EXCL | 2),
    ("devmap exclude only, filled", DEVMAP, 1, EXCL),
    ("devmap broadcast key out of range", DEVMAP, 77, BCAST | 1),
    ("devmap key 1 + 2^32", DEVMAP, 1 + (1 << 32), 2),
    ("devmap flags 1<<32", DEVMAP, 1, 1 << 32),
    ("devmap flags 32", DEVMAP, 1, 32),
    ("devhash filled key 7", DEVHASH, 7, 0),
    ("devhash missing key 1 fallback DROP", DEVHASH, 1, 1),
    ("devhash broadcast", DEVHASH, 1, BCAST),
    ("cpumap filled 0", CPUMAP, 0, 0),
    ("cpumap empty 1 fallback PASS", CPUMAP, 1, 2),
    ("cpumap key 5 fallback DROP", CPUMAP, 5, 1),
    ("cpumap broadcast rejected", CPUMAP, 0, BCAST),
    ("cpumap flags 4", CPUMAP, 1, 4),
    ("xskmap empty fallback PASS", XSKMAP, 0, 2),
    ("xskmap empty no fallback", XSKMAP, 1, 0),
    ("xskmap broadcast rejected", XSKMAP, 0, BCAST),
    ("redirect ifindex 5", REDIRECT, 5, 0),
    ("redirect ifindex 0", REDIRECT, 0, 0),
    ("redirect flags 1", REDIRECT, 1, 1),
    ("redirect flags 1<<32", REDIRECT, 1, 1 << 32),
]


def redirect_packets():
    return [(name, with_params(60, struct.pack("<IIQQ", w, 0, k, f)))
            for name, w, k, f in REDIRECT_CASES]


REDIRECT_MAP_INIT = {
    "devmap": [{"key": "01000000", "value": "01000000"}],
    "devhash": [{"key": "07000000", "value": "01000000"}],
    "cpumap": [{"key": "00000000", "value": "4000000000000000"}],
}


# ---------------------------------------------------------------- bpf_loop
LOOP_CASES = [
    ("nr 0", 0, 99, 0),
    ("nr 5 no stop", 5, 99, 0),
    ("nr 5 stop at 2", 5, 2, 0),
    ("nr 5 stop at 0", 5, 0, 0),
    ("nr 5 stop at 4", 5, 4, 0),
    ("nr 2^23", 1 << 23, 0xFFFFFFFF, 0),
    ("nr 2^23+1", (1 << 23) + 1, 0, 0),
    ("nr 0xffffffff", 0xFFFFFFFF, 0, 0),
    ("flags 1", 5, 99, 1),
    ("flags 1<<32", 5, 99, 1 << 32),
    ("flags 1, nr 0", 0, 99, 1),
    ("flags 1, nr too big", (1 << 23) + 1, 0, 1),
]


def loop_packets():
    return [(name, with_params(60, struct.pack("<IIQ", n, st, f))) for name, n, st, f in LOOP_CASES]


# ---------------------------------------------------------------- queue / stack
PUSH, POP, PEEK = 1, 2, 3
Q, S = 0, 1
QS_PACKETS = [
    ("queue fill", [(PUSH, Q, 1, 0), (PUSH, Q, 2, 0), (PUSH, Q, 3, 0), (PUSH, Q, 4, 0),
                    (PUSH, Q, 5, 0), (PEEK, Q, 0, 0)]),
    ("queue EXIST drops oldest", [(PUSH, Q, 5, 2), (POP, Q, 0, 0), (POP, Q, 0, 0), (POP, Q, 0, 0),
                                  (POP, Q, 0, 0), (POP, Q, 0, 0)]),
    ("stack fill", [(PUSH, S, 1, 0), (PUSH, S, 2, 0), (PUSH, S, 3, 0), (PUSH, S, 4, 0),
                    (PUSH, S, 5, 0), (PEEK, S, 0, 0)]),
    ("stack EXIST drops bottom", [(PUSH, S, 5, 2), (POP, S, 0, 0), (POP, S, 0, 0), (POP, S, 0, 0),
                                  (POP, S, 0, 0), (POP, S, 0, 0)]),
    ("bad flags", [(PUSH, Q, 7, 1), (PUSH, Q, 8, 3), (PUSH, Q, 9, 4), (PEEK, Q, 0, 0),
                   (PUSH, Q, 10, 0), (POP, Q, 0, 0)]),
    ("flags 1<<32, empty peek", [(PUSH, S, 11, 1 << 32), (PEEK, S, 0, 0), (PUSH, S, 12, 0),
                                 (PEEK, S, 0, 0), (PEEK, S, 0, 0), (POP, S, 0, 0)]),
    ("left in maps", [(PUSH, Q, 0x11223344, 0), (PUSH, S, 0x55667788, 0), (PUSH, Q, 0x99, 2),
                      (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0)]),
]


def qs_packets():
    out = []
    for name, ops_ in QS_PACKETS:
        b = b"".join(struct.pack("<BBHIQ", c, m, 0, v, f) for c, m, v, f in ops_)
        out.append((name, with_params(160, b)))
    return out


# ---------------------------------------------------------------- trace_printk
PK_CASES = [
    # name, fmt index, modes (3 args + nonul flag), args, 16 string bytes
    ("plain", 0, [0, 0, 0, 0], [0, 0, 0], b""),
    ("d i u x negative", 1, [0, 0, 0, 0], [0xFFFFFFFFFFFFFFFF, 0x80000000, 0xFFFFFFFE], b""),
    ("d i u x int truncation", 1, [0, 0, 0, 0], [0x1_0000_0005, 0x7FFFFFFF, 0x1_FFFF_FFFF], b""),
    ("l variants", 2, [0, 0, 0, 0], [0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF], b""),
    ("ll variants", 3, [0, 0, 0, 0], [0x8000000000000000, 12345678901234, 0xFFFFFFFFFFFFFFFF], b""),
    ("llx X lX", 4, [0, 0, 0, 0], [0xDEADBEEFCAFEF00D, 0xABCDEF, 0x1_0000_ABCD], b""),
    ("chars", 5, [0, 0, 0, 0], [ord("h"), ord("i") + 0x100, ord("!")], b""),
    ("string", 6, [1, 0, 0, 0], [0, 0, 0], b"hello\0world"),
    ("string 15 chars", 6, [1, 0, 0, 0], [0, 0, 0], b"abcdefghijklmno"),
    ("string bad pointer", 6, [0, 0, 0, 0], [0x1000, 0, 0], b""),
    ("string null pointer", 6, [0, 0, 0, 0], [0, 0, 0], b""),
    ("percent", 8, [0, 0, 0, 0], [42, 0, 0], b""),
    ("widths", 9, [0, 0, 0, 0], [42, 42, 42], b""),
    ("widths negative", 9, [0, 0, 0, 0], [-7 & 0xFFFFFFFFFFFFFFFF, -7 & 0xFFFFFFFFFFFFFFFF, -7 & 0xFFFFFFFFFFFFFFFF], b""),
    ("plus space zero-x", 10, [0, 0, 0, 0], [5, 5, 0xBEEF], b""),
    ("ipv4", 11, [1, 1, 0, 0], [0, 0, 0], b"\x0a\x01\x02\x03"),
    ("ipv6 I6", 12, [1, 0, 0, 0], [0, 0, 0], bytes.fromhex("20010db8000000000000000000000001")),
    ("ipv6 i6", 13, [1, 0, 0, 0], [0, 0, 0], bytes.fromhex("20010db8000000000000000000000001")),
    ("bad conversion", 14, [0, 0, 0, 0], [0, 0, 0], b""),
    ("four conversions", 15, [0, 0, 0, 0], [1, 2, 3], b""),
    ("%s followed by letter", 16, [1, 0, 0, 0], [0, 0, 0], b"abc"),
    ("precision", 17, [0, 0, 0, 0], [5, 0, 0], b""),
    ("newline", 18, [0, 0, 0, 0], [0, 0, 0], b""),
    ("tab", 19, [0, 0, 0, 0], [0, 0, 0], b""),
    ("two strings", 20, [1, 1, 0, 0], [0, 0, 0], b"xy"),
    ("pks", 21, [1, 0, 0, 0], [0, 0, 0], b"kernel"),
    ("pus", 22, [1, 0, 0, 0], [0, 0, 0], b"user"),
    ("hh", 23, [0, 0, 0, 0], [0x1FF, 0, 0], b""),
    ("z", 24, [0, 0, 0, 0], [5, 0, 0], b""),
    ("llc", 25, [0, 0, 0, 0], [65, 0, 0], b""),
    ("pK", 26, [0, 0, 0, 0], [0x1234, 0, 0], b""),
    ("pS", 27, [0, 0, 0, 0], [0, 0, 0], b""),
    ("lli min", 28, [0, 0, 0, 0], [0x8000000000000000, 0, 0], b""),
    ("i x zero", 29, [0, 0, 0, 0], [0, 0, 0], b""),
    ("trailing percent", 30, [0, 0, 0, 0], [0, 0, 0], b""),
    ("lone percent", 31, [0, 0, 0, 0], [0, 0, 0], b""),
    ("no NUL in fmt", 0, [0, 0, 0, 1], [0, 0, 0], b""),
    ("px (p is hashed: not compared)", 7, [0, 0, 0, 0], [0x1234, 0xFFFF888812345678, 0], b""),
    ("d i u x with 3 args", 29, [0, 0, 0, 0], [0xFFFFFFFFFFFFFFFF, 0x80000000, 0], b""),
    ("c=%c zero char", 5, [0, 0, 0, 0], [0x41, 0, 0x42], b""),
]


def printk_packets():
    out = []
    for name, f, modes, args, sb in PK_CASES:
        params = struct.pack("<I4B3Q", f, *modes, *args) + sb.ljust(16, b"\0")[:16]
        out.append((name, with_params(80, params)))
    return out


# ---------------------------------------------------------------- tail calls
TAIL_CASES = [("0 failing calls", 0, 0), ("1 failing call (empty slot)", 1, 0),
              ("32 failing calls (empty slot)", 32, 0), ("33 failing calls (empty slot)", 33, 0),
              ("40 failing calls (empty slot)", 40, 0), ("33 failing calls (index >= max)", 33, 1),
              ("40 failing calls (index >= max)", 40, 1)]


def tail_packets():
    return [(name, with_params(60, bytes([n, oob]))) for name, n, oob in TAIL_CASES]


# ---------------------------------------------------------------- fib_lookup (in a netns; "dummy0" is a veth, ifindex 2)
FIB_NETNS = """
ip link set lo up
ip link add peer0 type veth peer name dummy0
ip link set peer0 up
ip link set dummy0 address 02:00:00:00:00:01 mtu 1500 up
ip addr add 10.0.0.1/24 dev dummy0
ip -6 addr add 2001:db8::1/64 dev dummy0 nodad
sysctl -qw net.ipv4.conf.all.forwarding=1
sysctl -qw net.ipv6.conf.all.forwarding=1
ip route add 10.1.0.0/16 via 10.0.0.2 dev dummy0
ip route add 10.2.0.0/16 dev dummy0 mtu lock 1400
ip route add blackhole 10.3.0.0/16
ip route add unreachable 10.4.0.0/16
ip route add prohibit 10.5.0.0/16
ip route add 10.6.0.0/16 via 10.0.0.2 dev dummy0 metric 7 src 10.0.0.1
ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev dummy0 nud permanent
ip neigh add 10.2.0.7 lladdr 02:00:00:00:00:07 dev dummy0 nud permanent
ip -6 route add 2001:db8:1::/48 via 2001:db8::2 dev dummy0
ip -6 neigh add 2001:db8::2 lladdr 02:00:00:00:00:02 dev dummy0 nud permanent
"""
# The same host for xdpsim: devices and routes in parseFibRoute's JSON format. Neighbour entries
# are host routes with a dmac; the kernel's preferred source (the device address) is "src".
FIB_SIM = {
    "devices": [{"ifindex": 1, "mtu": 65536}, {"ifindex": 2, "mtu": 1500}, {"ifindex": 3, "mtu": 1500}],
    "routes": [
        {"prefix": "10.0.0.0/24", "ifindex": 2, "smac": "02:00:00:00:00:01", "src": "10.0.0.1"},
        {"prefix": "10.0.0.2/32", "ifindex": 2, "smac": "02:00:00:00:00:01", "dmac": "02:00:00:00:00:02", "src": "10.0.0.1"},
        {"prefix": "10.1.0.0/16", "ifindex": 2, "gateway": "10.0.0.2", "smac": "02:00:00:00:00:01", "dmac": "02:00:00:00:00:02", "src": "10.0.0.1"},
        {"prefix": "10.2.0.0/16", "ifindex": 2, "mtu": 1400, "smac": "02:00:00:00:00:01", "src": "10.0.0.1"},
        {"prefix": "10.2.0.7/32", "ifindex": 2, "mtu": 1400, "smac": "02:00:00:00:00:01", "dmac": "02:00:00:00:00:07", "src": "10.0.0.1"},
        {"prefix": "10.3.0.0/16", "ifindex": 1, "type": "blackhole"},
        {"prefix": "10.4.0.0/16", "ifindex": 1, "type": "unreachable"},
        {"prefix": "10.5.0.0/16", "ifindex": 1, "type": "prohibit"},
        {"prefix": "10.6.0.0/16", "ifindex": 2, "gateway": "10.0.0.2", "metric": 7, "smac": "02:00:00:00:00:01", "dmac": "02:00:00:00:00:02", "src": "10.0.0.1"},
        {"prefix": "2001:db8::/64", "ifindex": 2, "metric": 256, "smac": "02:00:00:00:00:01", "src": "2001:db8::1"},
        {"prefix": "2001:db8::2/128", "ifindex": 2, "metric": 256, "smac": "02:00:00:00:00:01", "dmac": "02:00:00:00:00:02", "src": "2001:db8::1"},
        {"prefix": "2001:db8:1::/48", "ifindex": 2, "gateway": "2001:db8::2", "smac": "02:00:00:00:00:01", "dmac": "02:00:00:00:00:02", "src": "2001:db8::1"},
    ],
}
DIRECT, OUTPUT, SKIP_NEIGH, TBID, SRC = 1, 2, 4, 8, 16


def fib_params(family, ifindex, dst, tot_len=0, src=None, tbid=0, tos=0):
    import ipaddress
    p = bytearray(64)
    p[0] = family
    struct.pack_into("<HI", p, 6, tot_len, ifindex)
    p[12] = tos
    a = ipaddress.ip_address(dst).packed
    p[32:32 + len(a)] = a
    if src:
        s_ = ipaddress.ip_address(src).packed
        p[16:16 + len(s_)] = s_
    struct.pack_into("<I", p, 48, tbid)
    return bytes(p)


FIB_CASES = [
    ("v4 via gateway", fib_params(2, 2, "10.1.2.3"), 0),
    ("v4 via gateway, input lo", fib_params(2, 1, "10.1.2.3"), 0),
    ("v4 via gateway SKIP_NEIGH", fib_params(2, 2, "10.1.2.3"), SKIP_NEIGH),
    ("v4 gateway neighbour itself", fib_params(2, 2, "10.0.0.2"), 0),
    ("v4 direct, no neighbour", fib_params(2, 2, "10.2.0.5"), 0),
    ("v4 direct, neighbour", fib_params(2, 2, "10.2.0.7"), 0),
    ("v4 route mtu 1400, tot_len 1400", fib_params(2, 2, "10.2.0.7", tot_len=1400), 0),
    ("v4 route mtu 1400, tot_len 1401", fib_params(2, 2, "10.2.0.7", tot_len=1401), 0),
    ("v4 device mtu, tot_len 1501", fib_params(2, 2, "10.1.2.3", tot_len=1501), 0),
    ("v4 blackhole", fib_params(2, 2, "10.3.0.1"), 0),
    ("v4 unreachable", fib_params(2, 2, "10.4.0.1"), 0),
    ("v4 prohibit", fib_params(2, 2, "10.5.0.1"), 0),
    ("v4 no route", fib_params(2, 2, "192.168.0.1"), 0),
    ("v4 metric 7, SRC prefsrc", fib_params(2, 2, "10.6.1.1"), SRC),
    ("v4 SRC from device", fib_params(2, 2, "10.1.2.3"), SRC),
    ("v4 DIRECT", fib_params(2, 2, "10.1.2.3"), DIRECT),
    ("v4 DIRECT|TBID main", fib_params(2, 2, "10.1.2.3", tbid=254), DIRECT | TBID),
    ("v4 DIRECT|TBID 100 (no such table)", fib_params(2, 2, "10.1.2.3", tbid=100), DIRECT | TBID),
    ("v4 TBID without DIRECT", fib_params(2, 2, "10.1.2.3", tbid=100), TBID),
    ("v4 OUTPUT", fib_params(2, 2, "10.1.2.3"), OUTPUT),
    ("unknown ifindex", fib_params(2, 99, "10.1.2.3"), 0),
    ("family 7", fib_params(7, 2, "10.1.2.3"), 0),
    ("flags 0x40", fib_params(2, 2, "10.1.2.3"), 0x40),
    ("v6 via gateway", fib_params(10, 2, "2001:db8:1::5"), 0),
    ("v6 neighbour on link", fib_params(10, 2, "2001:db8::2"), 0),
    ("v6 on link, no neighbour", fib_params(10, 2, "2001:db8::9"), 0),
    ("v6 no route", fib_params(10, 2, "2001:db9::1"), 0),
    ("v6 tot_len 1501", fib_params(10, 2, "2001:db8:1::5", tot_len=1501), 0),
    ("v6 SRC", fib_params(10, 2, "2001:db8:1::5"), SRC),
    ("v6 SKIP_NEIGH", fib_params(10, 2, "2001:db8:1::5"), SKIP_NEIGH),
]


def fib_packets():
    return [(name, with_params(100, prm + struct.pack("<I", fl))) for name, prm, fl in FIB_CASES]


# ---------------------------------------------------------------- strings, snprintf, probe_read, perf, ringbuf
STRTOL, STRTOUL, STRNCMP, SNPRINTF, READ_STR, READ, PERF, RB_OUTPUT, RB_RESERVE = range(1, 10)
MISC_CASES = [
    ("strtol 123", STRTOL, 3, 0, b"123"),
    ("strtol leading space, minus, trailing junk", STRTOL, 5, 0, b" -42x"),
    ("strtol base 0 hex", STRTOL, 4, 0, b"0x1f"),
    ("strtol base 10 stops at x", STRTOL, 4, 10, b"0x1f"),
    ("strtol base 16 '0x' only", STRTOL, 2, 16, b"0x"),
    ("strtol base 0 octal", STRTOL, 3, 0, b"017"),
    ("strtol base 8 digit 8", STRTOL, 2, 8, b"78"),
    ("strtol plus sign", STRTOL, 2, 0, b"+5"),
    ("strtol INT64_MAX", STRTOL, 19, 0, b"9223372036854775807"),
    ("strtol INT64_MAX+1", STRTOL, 19, 0, b"9223372036854775808"),
    ("strtol INT64_MIN", STRTOL, 20, 0, b"-9223372036854775808"),
    ("strtol -0", STRTOL, 2, 0, b"-0"),
    ("strtol only spaces", STRTOL, 3, 0, b"   "),
    ("strtol minus only", STRTOL, 1, 0, b"-"),
    ("strtol letters", STRTOL, 3, 0, b"abc"),
    ("strtol len 2 of 12345", STRTOL, 2, 0, b"12345"),
    ("strtol NUL inside", STRTOL, 4, 0, b"12\x003"),
    ("strtol base 3", STRTOL, 1, 3, b"1"),
    ("strtol flags 0x20", STRTOL, 1, 0x20, b"1"),
    ("strtol flags 1<<32", STRTOL, 1, 1 << 32, b"1"),
    ("strtol 32 digits overflow", STRTOL, 32, 0, b"1" * 32),
    ("strtoul UINT64_MAX", STRTOUL, 20, 0, b"18446744073709551615"),
    ("strtoul UINT64_MAX+1", STRTOUL, 20, 0, b"18446744073709551616"),
    ("strtoul negative", STRTOUL, 2, 0, b"-1"),
    ("strtoul hex base 16 with 0X", STRTOUL, 6, 16, b"0XfFeE"),
    ("strncmp equal", STRNCMP, 5, 0, b"hello"),
    ("strncmp greater", STRNCMP, 5, 0, b"hellp"),
    ("strncmp shorter", STRNCMP, 5, 0, b"hell"),
    ("strncmp longer", STRNCMP, 32, 0, b"hello world"),
    ("strncmp prefix len 3", STRNCMP, 3, 0, b"help"),
    ("strncmp high byte", STRNCMP, 5, 0, b"h\xffllo"),
    ("snprintf fits", SNPRINTF, 32, 0x1234, b"str"),
    ("snprintf truncated", SNPRINTF, 5, 0x1234, b"str"),
    ("snprintf size 1", SNPRINTF, 1, 7, b"x"),
    ("read_str short", READ_STR, 32, 0, b"abc"),
    ("read_str size 2", READ_STR, 2, 0, b"abc"),
    ("read_str no NUL", READ_STR, 32, 0, b"z" * 32),
    ("read_kernel user address", READ, 8, 0x1000, b""),
    ("read_kernel NULL", READ, 8, 0, b""),
    ("read_kernel unmapped", READ, 8, 0xFFFFFFFFFFFF0000, b""),
    ("read_str empty string", READ_STR, 8, 0, b""),
    ("perf index 0: no event", PERF, 4, 0, b"abcd"),
    ("perf index 5 >= max_entries", PERF, 4, 5, b"abcd"),
    ("perf current cpu", PERF, 4, 0xFFFFFFFF, b"abcd"),
    ("perf unknown flag bits", PERF, 4, 1 << 52, b"abcd"),
    ("perf sample 100 of 112 bytes", PERF, 4, 100 << 32, b"abcd"),
    ("perf sample 200 > frame", PERF, 4, 200 << 32, b"abcd"),
    ("ringbuf output 8", RB_OUTPUT, 8, 0, b"12345678"),
    ("ringbuf output 3", RB_OUTPUT, 3, 0, b"abc"),
    ("ringbuf output flags 4", RB_OUTPUT, 3, 4, b"abc"),
    ("ringbuf output NO_WAKEUP", RB_OUTPUT, 32, 1, b"q" * 32),
    ("ringbuf reserve+submit", RB_RESERVE, 2, 0, b"r" * 16),
    ("ringbuf reserve+discard", RB_RESERVE, 1, 0, b"d" * 16),
    ("ringbuf reserve flags 1", RB_RESERVE, 2, 1, b""),
]


def misc_packets():
    return [(name, with_params(112, struct.pack("<IIQ", op, ln, fl) + buf.ljust(32, b"\0")[:32]))
            for name, op, ln, fl, buf in MISC_CASES]


TESTS = {
    "xdp-misc-helpers": {"packets": misc_packets},
    "xdp-fib-lookup": {"packets": fib_packets, "netns": FIB_NETNS, "sim": FIB_SIM},
    "xdp-adjust": {"packets": adjust_packets},
    "xdp-bytes": {"packets": bytes_packets},
    "xdp-csum-diff": {"packets": csum_packets},
    "xdp-check-mtu": {"packets": mtu_packets},
    "xdp-redirect": {"packets": redirect_packets, "map_init": REDIRECT_MAP_INIT},
    "xdp-loop": {"packets": loop_packets},
    "xdp-queue-stack": {"packets": qs_packets},
    "xdp-printk": {"packets": printk_packets, "trace": True},
    "xdp-tail-call": {"packets": tail_packets, "args": ["--prog", "entry"]},
}


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 1_700_000_000 + i, 0, len(p), len(p)))
            f.write(p)


TRACE_LINE = re.compile(r"^ *(\S+)-(\d+)\s+\[(\d+)\] (.{5}) +(\d+\.\d+): bpf_trace_printk: ", re.M)


def read_trace():
    with open(TRACE) as f:
        text = f.read()
    marks = list(TRACE_LINE.finditer(text))
    msgs = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        msgs.append(text[m.end():end][:-1])  # trace adds one "\n" after each message
    return msgs, text


def record(name):
    spec = TESTS[name]
    cases = spec["packets"]()
    obj = os.path.join(HERE, name + ".o")
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "in.pcap")
        write_pcap(pcap, [p for _, p in cases])
        cmd = [sys.executable, REPLAY, obj, pcap, os.path.join(tmp, "out")]
        if "map_init" in spec:
            mi = os.path.join(tmp, "map-init.json")
            with open(mi, "w") as f:
                json.dump(spec["map_init"], f)
            cmd += ["--map-init", mi]
        cmd += spec.get("args", [])
        if spec.get("trace"):
            with open(TRACE, "w") as f:
                f.write("")
        if "netns" in spec:  # a private network namespace with the test's devices and routes
            setup = "; ".join(l for l in spec["netns"].strip().splitlines())
            cmd = ["unshare", "-n", "sh", "-ec", setup + '; exec "$@"', "sh"] + cmd
        subprocess.run(cmd, check=True)
        with open(os.path.join(tmp, "out", "results.jsonl")) as f:
            results = [json.loads(l) for l in f]
        with open(os.path.join(tmp, "out", "maps.json")) as f:
            maps = json.load(f)
        trace = read_trace()[0] if spec.get("trace") else None
    out = {"object": name + ".o", "kernel": os.uname().release,
           "map_init": spec.get("map_init"), "cases": []}
    if "netns" in spec:
        out["netns"] = spec["netns"].strip().splitlines()
        out["sim"] = spec["sim"]
    for i, ((cname, pkt), res) in enumerate(zip(cases, results)):
        res = dict(res)
        res.pop("index", None)
        out["cases"].append({"name": cname, **compact(pkt, res)})
    if trace is not None:
        out["trace"] = trace
    out["maps"] = maps
    path = os.path.join(HERE, "fixtures", name + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{name}: {len(cases)} cases -> {os.path.relpath(path)}")


def build(name):
    src, obj = os.path.join(HERE, name + ".bpf.c"), os.path.join(HERE, name + ".o")
    subprocess.run(["clang-19", "-target", "bpf", "-O2", "-g", "-I/usr/include/x86_64-linux-gnu",
                    "-c", src, "-o", obj], check=True)


def main():
    args = sys.argv[1:]
    rebuild = "--build" in args
    names = [a for a in args if a != "--build"] or list(TESTS)
    if any(TESTS[n].get("trace") for n in names) and not os.path.exists(TRACE):
        subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"], check=True)
    for n in names:
        if rebuild:
            build(n)
        record(n)


if __name__ == "__main__":
    main()
