#!/usr/bin/env python3
"""make-linktype-capture.py - write test/kernel/captures/linktypes.pcapng (deterministic).

One pcapng section, one interface per link type, a packet or two on each, to pin down how
non-Ethernet link types reach the program (CONTRACT.md: synthetic Ethernet header with zero
MACs and the ethertype from the packet) and which are refused ({"error": "link-type"}):

  if 0  Ethernet (1)        ARP request (60 B)
  if 1  IEEE 802.11 (105)   a data frame                           -> "link-type"
  if 2  LINUX_SLL (113)     ARP (protocol 0x0806); a 10-byte record shorter than the 16-byte
                            header                                  -> runt
  if 3  LINUX_SLL2 (276)    IPv4/UDP; an 802.2 LLC frame (protocol 0x0004) -> 802.3 length
  if 4  RAW (101)           IPv6/UDP; an empty record (-> 14-byte frame, ethertype 0);
                            a record with IP version 5 (-> ethertype 0)
  if 5  NULL (0)            AF 2 written little-endian; AF 24 written big-endian (IPv6);
                            AF 10 (Linux AF_INET6: not an IPv6 value here -> ethertype 0)
  if 6  LOOP (108)          AF 2 big-endian
  if 7  IPV4 (228)          IPv4/ICMP echo request
  if 8  IPV6 (229)          IPv6/UDP
  if 9  USER0 (147)         a private link type                    -> "link-type"
Checksums are valid. Run from the repository root: python3 test/kernel/make-linktype-capture.py
"""
import os, struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "captures", "linktypes.pcapng")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f">{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ttl=64):
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, 0x4000, ttl, proto, 0,
                    bytes(src), bytes(dst))
    return h[:10] + struct.pack(">H", csum(h)) + h[12:] + payload


def udp4(src, dst, sport, dport, data):
    u = struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(bytes(src) + bytes(dst) + struct.pack(">BBH", 0, 17, len(u)) + u) or 0xFFFF
    return ipv4(src, dst, 17, u[:6] + struct.pack(">H", c) + u[8:])


def udp6(src, dst, sport, dport, data):
    u = struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(src + dst + struct.pack(">I3xB", len(u), 17) + u) or 0xFFFF
    u = u[:6] + struct.pack(">H", c) + u[8:]
    return struct.pack(">IHBB", 0x60000000, len(u), 17, 64) + src + dst + u


def icmp_echo(src, dst):
    m = struct.pack(">BBHHH", 8, 0, 0, 0x4242, 1) + b"linktypes!"
    return ipv4(src, dst, 1, m[:2] + struct.pack(">H", csum(m)) + m[4:])


A, B = [10, 0, 0, 1], [10, 0, 0, 2]
A6 = bytes.fromhex("20010db8000000010000000000000001")
B6 = bytes.fromhex("20010db8000000010000000000000002")
ARP = struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, bytes.fromhex("020000000001"),
                  bytes(A), bytes(6), bytes(B))


def block(btype, body):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def idb(linktype):
    return block(1, struct.pack("<HHI", linktype, 0, 0))


def epb(ifid, t, data):
    return block(6, struct.pack("<IIIII", ifid, 0, t, len(data), len(data)) + data)


def main():
    ifaces = [1, 105, 113, 276, 101, 0, 108, 228, 229, 147]
    sll = lambda proto, payload: struct.pack(">HHH8sH", 0, 1, 6, bytes(8), proto) + payload
    sll2 = lambda proto, payload: struct.pack(">HHIHBB8s", proto, 0, 3, 1, 0, 6, bytes(8)) + payload
    pkts = [
        (0, bytes.fromhex("ffffffffffff020000000001") + b"\x08\x06" + ARP + bytes(18)),
        (1, bytes.fromhex("08020000ffffffffffff020000000001020000000002000000") + b"802.11 data"),
        (2, sll(0x0806, ARP)),
        (2, sll(0x0800, b"\x45\x00")[:10]),
        (3, sll2(0x0800, udp4(A, B, 5353, 5353, b"sll2"))),
        (3, sll2(0x0004, b"\x42\x42\x03" + b"spanning tree-ish LLC payload")),
        (4, udp6(A6, B6, 4000, 4001, b"raw ipv6")),
        (4, b""),
        (4, b"\x50" + bytes(19)),
        (5, struct.pack("<I", 2) + icmp_echo(A, B)),
        (5, struct.pack(">I", 24) + udp6(A6, B6, 4000, 4002, b"null af24 be")),
        (5, struct.pack("<I", 10) + udp6(A6, B6, 4000, 4003, b"null af10")),
        (6, struct.pack(">I", 2) + udp4(A, B, 4000, 53, b"loop")),
        (7, icmp_echo(B, A)),
        (8, udp6(B6, A6, 4001, 4000, b"linktype ipv6")),
        (9, b"\x00\x01user0 link type"),
    ]
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out = shb + b"".join(idb(lt) for lt in ifaces)
    out += b"".join(epb(i, 1000 * n, d) for n, (i, d) in enumerate(pkts))
    with open(OUT, "wb") as f:
        f.write(out)
    print(f"{OUT}: {len(pkts)} packets on {len(ifaces)} interfaces")


if __name__ == "__main__":
    main()
