#!/usr/bin/env python3
"""subset-capture.py - copy selected packets of a pcap / pcapng file, bytes unchanged.

  python3 test/kernel/subset-capture.py IN OUT SPEC

SPEC: comma-separated 0-based packet indexes or ranges, e.g. "0-299,900,901,1200-1201,2499".
Classic pcap: the file header and the chosen records are copied verbatim. pcapng: every
non-packet block (section headers, interface descriptions, name resolution, statistics,
custom blocks) is kept, packet blocks (EPB, SPB, PB) only when chosen, so interface ids and
options stay valid. Used by record-all.sh to keep kernel fixtures of big generated captures
to a few hundred packets. gzip input is not supported (not needed here).
"""
import struct, sys


def parse_spec(spec):
    keep = set()
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        keep.update(range(int(lo), int(hi or lo) + 1))
    return keep


def subset_pcap(buf, keep):
    end = "<" if buf[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out, off, i = [buf[:24]], 24, 0
    while off + 16 <= len(buf):
        n = struct.unpack_from(end + "I", buf, off + 8)[0]
        if i in keep:
            out.append(buf[off:off + 16 + n])
        off += 16 + n
        i += 1
    return b"".join(out)


def subset_pcapng(buf, keep):
    out, off, i, end = [], 0, 0, "<"
    while off + 12 <= len(buf):
        if buf[off:off + 4] == b"\x0a\x0d\x0d\x0a":
            end = "<" if buf[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(end + "II", buf, off)
        if btype in (2, 3, 6):  # packet blocks
            if i in keep:
                out.append(buf[off:off + blen])
            i += 1
        else:
            out.append(buf[off:off + blen])
        off += blen
    return b"".join(out)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, dst, spec = sys.argv[1:]
    with open(src, "rb") as f:
        buf = f.read()
    keep = parse_spec(spec)
    data = subset_pcapng(buf, keep) if buf[:4] == b"\x0a\x0d\x0d\x0a" else subset_pcap(buf, keep)
    with open(dst, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
