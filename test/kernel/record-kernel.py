#!/usr/bin/env python3
"""record-kernel.py - record what the Linux kernel does with an XDP program, packet by packet.

The oracle behind test/kernel/fixtures: loads one XDP program of a clang-compiled eBPF object
(libbpf.so.1 through ctypes; needs root / CAP_BPF+CAP_PERFMON+CAP_NET_ADMIN) and runs every
packet of a capture once with BPF_PROG_TEST_RUN, writing the shapes of xdpsim's CONTRACT.md.

  python3 test/kernel/record-kernel.py OBJECT.o CAPTURE OUTDIR [--prog NAME]
      [--map-init FILE.json] [--const NAME=VALUE ...] [--ifindex N] [--rx-queue N]
      [--verifier-log FILE [--log-level 1|2]] [--bpftool-dir DIR]

CAPTURE: classic pcap (either byte order, us or ns magic) or pcapng (either byte order, any
number of sections / interfaces; EPB, SPB and obsolete PB records; other blocks are skipped),
optionally gzip-compressed; "-" reads stdin. Each record runs on its captured bytes only.
Link types (per pcap file / pcapng interface, upper 16 bits masked off as libpcap does):
  1 Ethernet                     run as is
  113 LINUX_SLL, 276 LINUX_SLL2  synthetic Ethernet header: 12 zero bytes (MACs), then the
  101/12 RAW, 228 IPV4, 229 IPV6   ethertype taken from the packet (SLL protocol field, with
  0 NULL, 108 LOOP                 802.3/802.2 (1/4) turned into an 802.3 length field; IP
                                   version nibble or link type; BSD AF_ value: 2 -> 0x0800,
                                   24/28/30 -> 0x86dd, anything else -> 0x0000), then the
                                   network-layer bytes - the rules of xdpsim's converter.
                                   A record shorter than its link header is a "runt".
  anything else                  not run: {"index": N, "error": "link-type"}

OUTDIR/results.jsonl, one line per record, in capture order:
  {"index": 0, "action": 2, "verdict": "XDP_PASS", "len_in": 60, "len_out": 60, "out": "<hex>"}
  {"index": 7, "error": "runt"}       the kernel refused it: < 14 bytes (EINVAL)
  {"index": 9, "error": "too-big"}    the kernel refused it: > 3520 + 17 * 4096 bytes (ENOMEM)
  {"index": 3, "error": "link-type"}  not an Ethernet-compatible link type (never run)
  "out" is the kernel's data_out (from data_meta to the end of the frame, frags included),
  "action" is the kernel's retval; "verdict" is XDP_ABORTED for any action outside 0..4.
  Any other test_run failure is recorded with its errno name ({"index": N, "error": "EFAULT"}).
OUTDIR/maps.json: every map except .rodata*/.kconfig after the run, entries in `bpftool -j map
  dump` raw byte shape, sorted by key bytes; arrays list every index; DEVMAP/CPUMAP only filled
  slots; per-CPU maps list every possible CPU; global data maps named ".bss"/".data";
  "_skipped" lists maps that cannot be dumped (prog arrays, ring buffers, queues, stacks).
OUTDIR/prog.json: the program run (name, section, tag, xlated/jited sizes, verified insns,
  sub-program tags), every other loaded program of the object, the run's verdict counts, the
  kernel release. On load failure: the errno, the verifier log's first line and the error line
  (exit 2). --verifier-log writes the whole verifier log of every loaded program there (level 1
  by default, 2 with --log-level 2). --bpftool-dir records bpftool's view of the loaded
  programs and maps after the run (prog show, dump xlated, map show/dump; -j JSON and text).
--map-init FILE.json: {"map": [{"key": BYTES, "value": BYTES}, ...]}; BYTES is a list of bytes
  (ints or "0x0a" strings as bpftool prints) or one hex string "0a000001". Per-CPU maps:
  "values": [{"cpu": 0, "value": BYTES}, ...] (unlisted CPUs get zeros) or one "value" for
  every CPU. DEVMAP/DEVMAP_HASH: 4-byte ifindex (padded to struct bpf_devmap_val) - the kernel
  refuses ifindexes that do not exist, use 1 (lo). PROG_ARRAY: "value" may name a program.
--const NAME=VALUE sets a `const volatile` global (.rodata) before load (int or 0x hex;
  negative values are stored in two's complement).
The process is pinned to CPU 0 (or the lowest allowed CPU), so per-CPU maps and
bpf_get_smp_processor_id are deterministic; nothing is pinned in bpffs. Same per-packet
procedure as the project's reference oracle kernel_replay.py (kept outside this repository;
it names refusals by errno and reads only classic Ethernet pcap): check-against-reference.sh
compares the two.
Exit 0 when the run completed (per-packet errors are recorded), 2 on bad input or load failure.
"""
import argparse, ctypes, errno, gzip, json, mmap, os, socket, struct, sys
from ctypes import (POINTER, Structure, byref, c_bool, c_char_p, c_int, c_size_t, c_uint8,
                    c_uint32, c_uint64, c_void_p, sizeof)

VERDICTS = ["XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"]
# enum bpf_map_type (linux/bpf.h): maps bpf_map_get_next_key + lookup can dump.
DUMPABLE_MAP_TYPES = {1, 2, 5, 6, 9, 10, 11, 14, 16, 25}  # hash, array, percpu_*, lru_*, lpm, dev/cpumap
PERCPU_MAP_TYPES = {5, 6, 10, 21}   # percpu_hash, percpu_array, lru_percpu_hash, percpu_cgroup_storage
DEVMAP_TYPES = {14, 25}
PROG_ARRAY = 3
BTF_KIND_DATASEC = 15
LOG_BUF_SIZE = 4 << 20             # load-failure log (libbpf retries the load with level 1)
RECORD_LOG_BUF_SIZE = (1 << 30) - 1  # --verifier-log: kernel max (UINT_MAX >> 2); ENOSPC if cut
HEADROOM_SLACK = 4096              # data_out room for adjust_head / adjust_tail growth
ETH_HLEN = 14
MAX_LINEAR = 3520                  # PAGE_SIZE - 256 headroom - 320 skb_shared_info
MAX_FRAGS = 17                     # MAX_SKB_FRAGS
FRAME_LIMIT = MAX_LINEAR + MAX_FRAGS * 4096

ETHERNET_LINKTYPES = {1}


class RecordError(Exception):
    pass


def die(msg):
    print(f"record-kernel: error: {msg}", file=sys.stderr)
    sys.exit(2)


def errname(rc):
    return errno.errorcode.get(abs(rc), f"E{abs(rc)}")


def hexlist(b):
    return [f"0x{x:02x}" for x in b]


# ---------------------------------------------------------------- captures

COMPRESSIONS = [(b"\x28\xb5\x2f\xfd", "zstd"), (b"\xfd7zXZ\x00", "xz"), (b"BZh", "bzip2"),
                (b"\x04\x22\x4d\x18", "lz4")]


def read_capture_bytes(path):
    try:
        if path == "-":
            buf = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                buf = f.read()
    except OSError as exc:
        raise RecordError(f"{path}: {exc.strerror}")
    if buf[:2] == b"\x1f\x8b":
        try:
            buf = gzip.decompress(buf)
        except (OSError, EOFError, ValueError) as exc:
            raise RecordError(f"{path}: corrupt gzip data ({exc})")
    for magic, name in COMPRESSIONS:
        if buf.startswith(magic):
            raise RecordError(f"{path}: {name}-compressed captures are not supported "
                              f"(decompress first; gzip is read transparently)")
    return buf


def read_pcap(path, buf):
    """Classic pcap -> list of (linktype, bytes)."""
    if len(buf) < 24:
        raise RecordError(f"{path}: truncated pcap file header ({len(buf)} of 24 bytes)")
    magic = struct.unpack_from("<I", buf)[0]
    end = {0xA1B2C3D4: "<", 0xA1B23C4D: "<", 0xD4C3B2A1: ">", 0x4D3CB2A1: ">"}[magic]
    major, minor = struct.unpack_from(end + "HH", buf, 4)
    if major != 2:
        raise RecordError(f"{path}: unsupported pcap version {major}.{minor}")
    linktype = struct.unpack_from(end + "I", buf, 20)[0] & 0xFFFF  # LT_LINKTYPE: FCS bits off
    recs, off = [], 24
    while off < len(buf):
        if off + 16 > len(buf):
            raise RecordError(f"{path}: truncated record header at offset {off} "
                              f"(packet {len(recs)})")
        incl_len = struct.unpack_from(end + "I", buf, off + 8)[0]
        if incl_len > 0x40000000:
            raise RecordError(f"{path}: absurd captured length {incl_len} at offset {off} "
                              f"(packet {len(recs)})")
        if off + 16 + incl_len > len(buf):
            raise RecordError(f"{path}: truncated packet {len(recs)} at offset {off}")
        recs.append((linktype, buf[off + 16:off + 16 + incl_len]))
        off += 16 + incl_len
    return recs


def read_pcapng(path, buf):
    """pcapng -> list of (linktype, bytes): EPB, SPB, PB; sections and interfaces tracked."""
    recs, off, end, ifaces = [], 0, None, []
    while off < len(buf):
        if off + 12 > len(buf):
            raise RecordError(f"{path}: truncated block header at offset {off}")
        btype_raw = buf[off:off + 4]
        if btype_raw == b"\x0a\x0d\x0d\x0a":  # Section Header Block: byte order from its magic
            bom = buf[off + 8:off + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                end = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                end = ">"
            else:
                raise RecordError(f"{path}: bad pcapng byte-order magic at offset {off}")
            ifaces = []  # interface ids are per section
        elif end is None:
            raise RecordError(f"{path}: pcapng file does not start with a section header")
        btype, blen = struct.unpack_from(end + "II", buf, off)
        if blen < 12 or blen % 4 or off + blen > len(buf):
            raise RecordError(f"{path}: bad block length {blen} at offset {off} "
                              f"(block type 0x{btype:x}, file size {len(buf)})")
        if struct.unpack_from(end + "I", buf, off + blen - 4)[0] != blen:
            raise RecordError(f"{path}: block length mismatch at offset {off}")
        body = buf[off + 8:off + blen - 4]
        if btype == 1:  # Interface Description Block
            if len(body) < 8:
                raise RecordError(f"{path}: truncated interface description at offset {off}")
            lt, _, snaplen = struct.unpack_from(end + "HHI", body)
            ifaces.append((lt, snaplen))
        elif btype in (6, 2):  # Enhanced Packet Block, obsolete Packet Block
            if len(body) < 20:
                raise RecordError(f"{path}: truncated packet block at offset {off}")
            if btype == 6:
                ifid, _, _, caplen, _ = struct.unpack_from(end + "IIIII", body)
            else:
                ifid, _, _, _, caplen, _ = struct.unpack_from(end + "HHIIII", body)
            if ifid >= len(ifaces):
                raise RecordError(f"{path}: packet block at offset {off} names interface "
                                  f"{ifid}, only {len(ifaces)} defined")
            if 20 + caplen > len(body):
                raise RecordError(f"{path}: packet data overruns its block at offset {off}")
            recs.append((ifaces[ifid][0], body[20:20 + caplen]))
        elif btype == 3:  # Simple Packet Block: interface 0, caplen = min(origlen, snaplen, room)
            if not ifaces:
                raise RecordError(f"{path}: simple packet block at offset {off} before any IDB")
            origlen = struct.unpack_from(end + "I", body)[0]
            caplen = min(origlen, len(body) - 4)
            if ifaces[0][1]:
                caplen = min(caplen, ifaces[0][1])
            recs.append((ifaces[0][0], body[4:4 + caplen]))
        off += blen
    return recs


def read_capture(path):
    buf = read_capture_bytes(path)
    if len(buf) < 4:
        raise RecordError(f"{path}: too short for a capture file ({len(buf)} bytes)")
    magic = struct.unpack_from("<I", buf)[0]
    if magic == 0x0A0D0D0A:
        return read_pcapng(path, buf)
    if magic in (0xA1B2C3D4, 0xA1B23C4D, 0xD4C3B2A1, 0x4D3CB2A1):
        return read_pcap(path, buf)
    raise RecordError(f"{path}: not a pcap or pcapng file (magic 0x{magic:08x})")


AF_ETHERTYPE = {2: 0x0800, 24: 0x86DD, 28: 0x86DD, 30: 0x86DD}  # BSD AF_INET / AF_INET6 values
LINK_HEADER_LEN = {0: 4, 108: 4, 113: 16, 276: 20, 12: 0, 101: 0, 228: 0, 229: 0}


def sll_ethertype(protocol, payload_len):
    """SLL protocol field -> ethertype; ETH_P_802_3 (1) / ETH_P_802_2 (4) become an 802.3
    length field, as the frame looked on an Ethernet wire."""
    if protocol in (0x0001, 0x0004):
        return min(payload_len, 1500)
    return protocol


def to_ethernet(linktype, pkt):
    """-> (frame bytes, None) or (None, error name). Same rules as xdpsim's converter
    (src/pcap/add-ethernet-header.ts): a record shorter than its link header becomes an empty
    frame (a runt); otherwise 12 zero bytes + the synthetic ethertype + the bytes after the
    link header (so an empty raw-IP record becomes a 14-byte frame with ethertype 0)."""
    if linktype in ETHERNET_LINKTYPES:
        return pkt, None
    hlen = LINK_HEADER_LEN.get(linktype)
    if hlen is None:
        return None, "link-type"
    if len(pkt) < hlen:
        return b"", None
    if linktype == 113:    # LINUX_SLL: protocol at offset 14
        etype = sll_ethertype(struct.unpack_from(">H", pkt, 14)[0], len(pkt) - 16)
    elif linktype == 276:  # LINUX_SLL2: protocol at offset 0
        etype = sll_ethertype(struct.unpack_from(">H", pkt, 0)[0], len(pkt) - 20)
    elif linktype in (0, 108):  # BSD NULL / LOOP: AF value in whichever order is < 65536
        af = struct.unpack_from("<I", pkt)[0]
        if af > 0xFFFF:
            af = struct.unpack_from(">I", pkt)[0]
        etype = AF_ETHERTYPE.get(af, 0)
    elif linktype == 228:
        etype = 0x0800
    elif linktype == 229:
        etype = 0x86DD
    else:  # raw IP (101, 12): IP version nibble
        etype = {4: 0x0800, 6: 0x86DD}.get(pkt[0] >> 4, 0) if pkt else 0
    return bytes(12) + struct.pack(">H", etype) + pkt[hlen:], None


# ---------------------------------------------------------------- libbpf


class TestRunOpts(Structure):  # struct bpf_test_run_opts, /usr/include/bpf/bpf.h (libbpf 1.1)
    _fields_ = [("sz", c_size_t), ("data_in", c_void_p), ("data_out", c_void_p),
                ("data_size_in", c_uint32), ("data_size_out", c_uint32),
                ("ctx_in", c_void_p), ("ctx_out", c_void_p),
                ("ctx_size_in", c_uint32), ("ctx_size_out", c_uint32),
                ("retval", c_uint32), ("repeat", c_int), ("duration", c_uint32),
                ("flags", c_uint32), ("cpu", c_uint32), ("batch_size", c_uint32)]


class XdpMd(Structure):  # struct xdp_md, linux/bpf.h
    _fields_ = [(n, c_uint32) for n in ("data", "data_end", "data_meta", "ingress_ifindex",
                                        "rx_queue_index", "egress_ifindex")]


class BpfProgInfo(Structure):  # struct bpf_prog_info, linux/bpf.h (kernel 6.x, 232 bytes)
    _fields_ = [("type", c_uint32), ("id", c_uint32), ("tag", c_uint8 * 8),
                ("jited_prog_len", c_uint32), ("xlated_prog_len", c_uint32),
                ("jited_prog_insns", c_uint64), ("xlated_prog_insns", c_uint64),
                ("load_time", c_uint64), ("created_by_uid", c_uint32), ("nr_map_ids", c_uint32),
                ("map_ids", c_uint64), ("name", ctypes.c_char * 16), ("ifindex", c_uint32),
                ("gpl_compatible", c_uint32), ("netns_dev", c_uint64), ("netns_ino", c_uint64),
                ("nr_jited_ksyms", c_uint32), ("nr_jited_func_lens", c_uint32),
                ("jited_ksyms", c_uint64), ("jited_func_lens", c_uint64),
                ("btf_id", c_uint32), ("func_info_rec_size", c_uint32), ("func_info", c_uint64),
                ("nr_func_info", c_uint32), ("nr_line_info", c_uint32), ("line_info", c_uint64),
                ("jited_line_info", c_uint64), ("nr_jited_line_info", c_uint32),
                ("line_info_rec_size", c_uint32), ("jited_line_info_rec_size", c_uint32),
                ("nr_prog_tags", c_uint32), ("prog_tags", c_uint64), ("run_time_ns", c_uint64),
                ("run_cnt", c_uint64), ("recursion_misses", c_uint64),
                ("verified_insns", c_uint32), ("attach_btf_obj_id", c_uint32),
                ("attach_btf_id", c_uint32), ("_pad", c_uint32)]


P = c_void_p
SIGNATURES = {  # name: (restype, argtypes)
    "bpf_object__open_file": (P, [c_char_p, P]), "bpf_object__load": (c_int, [P]),
    "bpf_object__close": (None, [P]), "bpf_object__btf": (P, [P]),
    "bpf_object__next_program": (P, [P, P]), "bpf_object__next_map": (P, [P, P]),
    "bpf_program__name": (c_char_p, [P]), "bpf_program__section_name": (c_char_p, [P]),
    "bpf_program__set_autoload": (c_int, [P, c_bool]), "bpf_program__fd": (c_int, [P]),
    "bpf_program__set_log_buf": (c_int, [P, P, c_size_t]),
    "bpf_program__set_log_level": (c_int, [P, c_uint32]),
    "bpf_map__name": (c_char_p, [P]), "bpf_map__type": (c_int, [P]),
    "bpf_map__key_size": (c_uint32, [P]), "bpf_map__value_size": (c_uint32, [P]),
    "bpf_map__fd": (c_int, [P]), "bpf_map__is_internal": (c_bool, [P]),
    "bpf_map__set_pin_path": (c_int, [P, c_char_p]),
    "bpf_map__initial_value": (P, [P, POINTER(c_size_t)]),
    "bpf_map__set_initial_value": (c_int, [P, P, c_size_t]),
    "btf__find_by_name_kind": (c_int, [P, c_char_p, c_uint32]),
    "btf__type_by_id": (P, [P, c_uint32]), "btf__name_by_offset": (c_char_p, [P, c_uint32]),
    "bpf_map_update_elem": (c_int, [c_int, P, P, c_uint64]),
    "bpf_map_lookup_elem": (c_int, [c_int, P, P]),
    "bpf_map_get_next_key": (c_int, [c_int, P, P]),
    "bpf_obj_get_info_by_fd": (c_int, [c_int, P, POINTER(c_uint32)]),
    "bpf_prog_test_run_opts": (c_int, [c_int, P]), "libbpf_num_possible_cpus": (c_int, []),
}


def load_libbpf():
    try:
        lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
    except OSError as exc:
        die(f"cannot load libbpf.so.1 ({exc}); install libbpf1")
    for name, (restype, argtypes) in SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def parse_bytes(v, what):
    """BYTES: list of ints / hex strings ("0x0a", as bpftool prints), or one hex string."""
    try:
        if isinstance(v, str):
            s = "".join(v.split()).replace(":", "")
            return bytes.fromhex(s[2:] if s.lower().startswith("0x") else s)
        if isinstance(v, list):
            return bytes(int(b, 16) if isinstance(b, str) else b for b in v)
        if isinstance(v, int):
            return v.to_bytes(4, "little")
    except (ValueError, TypeError, OverflowError):
        pass
    die(f"{what}: cannot parse bytes {v!r}")


class Map:
    def __init__(self, lib, ptr):
        self.ptr, raw = ptr, lib.bpf_map__name(ptr).decode()
        # libbpf names global-data maps "<obj prefix>.bss" etc.; normalise to ".bss".
        self.name = raw[raw.index("."):] if lib.bpf_map__is_internal(ptr) and "." in raw else raw
        self.type, self.fd = lib.bpf_map__type(ptr), -1
        self.key_size, self.value_size = lib.bpf_map__key_size(ptr), lib.bpf_map__value_size(ptr)
        self.percpu = self.type in PERCPU_MAP_TYPES  # kernel: round_up(value_size, 8) per CPU
        self.slot = (self.value_size + 7) // 8 * 8 if self.percpu else self.value_size


def iter_ptrs(next_fn, obj):
    p = next_fn(obj, None)
    while p:
        yield p
        p = next_fn(obj, p)


def runnable(sec):
    return sec.startswith("xdp") and not sec.endswith(("/devmap", "/cpumap"))


def select_programs(lib, obj, want, log_size, log_level):
    """Autoload every program in an "xdp*" section (tail-call targets); pick the one to run:
    --prog NAME, else the first program of an xdp* section (CONTRACT.md's default)."""
    progs = [(p, lib.bpf_program__name(p).decode(), lib.bpf_program__section_name(p).decode())
             for p in iter_ptrs(lib.bpf_object__next_program, obj)]
    if want:
        target = next((x for x in progs if x[1] == want and x[2].startswith("xdp")), None)
        if target is None:
            have = ", ".join(f"{x[1]} (SEC {x[2]})" for x in progs)
            die(f"--prog {want}: no program of that name in an xdp* section (have: {have})")
    else:
        target = next((x for x in progs if runnable(x[2])), None)
        if target is None:
            have = ", ".join(f"{x[1]} (SEC {x[2]})" for x in progs) or "none"
            die(f"no runnable XDP program in the object (have: {have})")
    log_bufs = {}
    for p, name, sec in progs:
        lib.bpf_program__set_autoload(p, sec.startswith("xdp"))
        if sec.startswith("xdp"):
            log_bufs[name] = LogBuf(log_size)
            lib.bpf_program__set_log_buf(p, log_bufs[name].addr, log_size)
            if log_level:
                lib.bpf_program__set_log_level(p, log_level)
    return target, progs, log_bufs


class LogBuf:
    """A verifier log buffer in anonymous mmap memory: pages cost nothing until written, so
    even the kernel's maximum log size (1 GiB) can be offered to every program."""

    def __init__(self, size):
        self.mem = mmap.mmap(-1, size)
        self.addr = ctypes.addressof(ctypes.c_char.from_buffer(self.mem))

    @property
    def value(self):
        return ctypes.string_at(self.addr)  # NUL-terminated text


def set_consts(lib, obj, maps, consts):
    """Write --const values into the .rodata initial image, using libbpf's fixed-up BTF."""
    btf = lib.bpf_object__btf(obj)
    sec_id = lib.btf__find_by_name_kind(btf, b".rodata", BTF_KIND_DATASEC) if btf else -1
    if sec_id < 0 or ".rodata" not in maps:
        die("--const: object has no .rodata BTF DATASEC (need `const volatile` globals and -g)")

    def u32s(addr, n):
        return struct.unpack(f"={n}I", ctypes.string_at(addr, 4 * n))
    sec, layout = lib.btf__type_by_id(btf, sec_id), {}
    for i in range(u32s(sec, 2)[1] & 0xFFFF):
        var_id, off, sz = u32s(sec + 12 + 12 * i, 3)
        name = lib.btf__name_by_offset(btf, u32s(lib.btf__type_by_id(btf, var_id), 1)[0])
        layout[name.decode()] = (off, sz)
    rodata, size = maps[".rodata"], c_size_t()
    ptr = lib.bpf_map__initial_value(rodata.ptr, byref(size))
    image = bytearray(ctypes.string_at(ptr, size.value))
    for name, value in consts:
        if name not in layout:
            die(f"--const {name}: not a const volatile global in .rodata "
                f"(have: {', '.join(sorted(layout)) or 'none'})")
        off, sz = layout[name]
        if -(1 << (8 * sz - 1)) <= value < 0:
            value += 1 << (8 * sz)  # two's complement
        if not 0 <= value < 1 << (8 * sz):
            die(f"--const {name}={value}: does not fit in {sz} byte(s)")
        image[off:off + sz] = value.to_bytes(sz, "little")
    if lib.bpf_map__set_initial_value(rodata.ptr, bytes(image), len(image)):
        die("--const: bpf_map__set_initial_value failed")


def entry_value(m, e, ncpu, what, prog_fds):
    """The value buffer bpf_map_update_elem expects for one --map-init entry."""
    if m.type == PROG_ARRAY and isinstance(e.get("value"), str) and e["value"] in prog_fds:
        return struct.pack("<i", prog_fds[e["value"]])
    if not m.percpu:
        val = parse_bytes(e.get("value"), what + ".value")
        if m.type in DEVMAP_TYPES and len(val) == 4 and m.value_size == 8:
            val += bytes(4)  # struct bpf_devmap_val {ifindex; bpf_prog.fd = 0: no program}
        if len(val) != m.value_size:
            die(f"{what}: value has {len(val)} bytes, map value_size is {m.value_size}")
        return val
    if "values" in e:
        per_cpu = {int(x["cpu"]): parse_bytes(x["value"], what) for x in e["values"]}
    else:
        per_cpu = dict.fromkeys(range(ncpu), parse_bytes(e.get("value"), what + ".value"))
    val = bytearray(m.slot * ncpu)
    for cpu, v in per_cpu.items():
        if not 0 <= cpu < ncpu or len(v) != m.value_size:
            die(f"{what}: cpu {cpu} with {len(v)} value bytes is invalid "
                f"({ncpu} possible CPUs, value_size {m.value_size})")
        val[cpu * m.slot:cpu * m.slot + len(v)] = v
    return bytes(val)


def apply_map_init(lib, maps, path, ncpu, prog_fds):
    try:
        with open(path) as f:
            spec = json.load(f)
    except (OSError, ValueError) as exc:
        die(f"--map-init {path}: {exc}")
    if not isinstance(spec, dict) or not all(isinstance(v, list) for v in spec.values()):
        die(f"--map-init {path}: expected a JSON object of map name -> list of entries")
    for name, entries in spec.items():
        m = maps.get(name)
        if m is None or m.fd < 0:
            die(f"--map-init: no map named '{name}' (have: {', '.join(sorted(maps))})")
        if name.startswith(".rodata") or name == ".kconfig":
            die(f"--map-init: '{name}' is read-only after load; use --const")
        for i, e in enumerate(entries):
            what = f"--map-init {name}[{i}]"
            if not isinstance(e, dict):
                die(f"{what}: expected an object with key and value")
            try:
                key = parse_bytes(e.get("key"), what + ".key")
                val = entry_value(m, e, ncpu, what, prog_fds)
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                die(f"{what}: malformed entry ({exc!r})")
            if len(key) != m.key_size:
                die(f"{what}: key has {len(key)} bytes, map key_size is {m.key_size}")
            rc = lib.bpf_map_update_elem(m.fd, key, val, 0)  # BPF_ANY
            if rc:
                hint = " (devmap ifindex must exist; use 1 = lo)" if m.type in DEVMAP_TYPES else ""
                die(f"{what}: bpf_map_update_elem failed: {errname(rc)}{hint}")


def dump_map(lib, m, ncpu):
    """Entries sorted by key bytes (for arrays get_next_key visits every index)."""
    keys, nxt = [], ctypes.create_string_buffer(max(m.key_size, 1))
    while lib.bpf_map_get_next_key(m.fd, keys[-1] if keys else None, nxt) == 0:
        keys.append(nxt.raw[:m.key_size])
    entries, val = [], ctypes.create_string_buffer(m.slot * (ncpu if m.percpu else 1))
    for k in sorted(keys):
        if lib.bpf_map_lookup_elem(m.fd, k, val):
            continue  # e.g. an empty devmap slot (ENOENT)
        if m.percpu:
            entries.append({"key": hexlist(k), "values": [
                {"cpu": c, "value": hexlist(val.raw[c * m.slot:c * m.slot + m.value_size])}
                for c in range(ncpu)]})
        else:
            entries.append({"key": hexlist(k), "value": hexlist(val.raw[:m.value_size])})
    return entries


def write_maps_json(lib, maps, ncpu, path):
    dumps, skipped = {}, []
    for m in maps.values():
        if m.name.startswith(".rodata") or m.name == ".kconfig":
            continue  # constants, not state
        if m.fd < 0 or m.type not in DUMPABLE_MAP_TYPES:
            skipped.append(m.name)
        else:
            dumps[m.name] = dump_map(lib, m, ncpu)
    parts = []
    for name in sorted(dumps):
        rows = ",\n".join("    " + json.dumps(e) for e in dumps[name])
        parts.append(f"  {json.dumps(name)}: " + (f"[\n{rows}\n  ]" if rows else "[]"))
    parts.append(f'  "_skipped": {json.dumps(sorted(skipped))}')
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(parts) + "\n}\n")


def prog_info(lib, fd):
    info, n = BpfProgInfo(), c_uint32(sizeof(BpfProgInfo))
    if lib.bpf_obj_get_info_by_fd(fd, byref(info), byref(n)):
        return {"error": errname(ctypes.get_errno())}
    out = {"name": info.name.decode(), "tag": bytes(info.tag).hex(),
           "xlated_len": info.xlated_prog_len, "jited_len": info.jited_prog_len,
           "xlated_insns": info.xlated_prog_len // 8, "verified_insns": info.verified_insns,
           "nr_func_info": info.nr_func_info, "nr_line_info": info.nr_line_info,
           "nr_map_ids": info.nr_map_ids, "gpl_compatible": bool(info.gpl_compatible & 1)}
    ntags = info.nr_prog_tags
    if ntags > 1:  # one tag per sub-program (bpf-to-bpf calls), main program first
        tags = (c_uint8 * (8 * ntags))()
        info2, n = BpfProgInfo(), c_uint32(sizeof(BpfProgInfo))
        info2.nr_prog_tags, info2.prog_tags = ntags, ctypes.addressof(tags)
        if lib.bpf_obj_get_info_by_fd(fd, byref(info2), byref(n)) == 0:
            out["subprog_tags"] = [bytes(tags[8 * i:8 * i + 8]).hex() for i in range(ntags)]
    return out


INSN_PREFIXES = ("; ", "from ", "func#", "last_idx", "regs=", "parent ", "mark_precise",
                 "Validating", "Func#", "reg type unsupported", "arg#", "caller:", "callee:",
                 "returning from", "frame", "propagating")


def is_trace_line(line):
    s = line.strip()
    if not s or s.startswith(INSN_PREFIXES):
        return True
    head = s.split(":", 1)[0]
    return head.isdigit() or (head.startswith("R") and head[1:].split("_")[0].isdigit())


def verifier_summary(text):
    """(first line of the log, the line that says why the program was rejected)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    reason = ""
    tail = [ln for ln in lines if not ln.startswith(("processed ", "verification time"))]
    for ln in reversed(tail):
        if not is_trace_line(ln):
            reason = ln
            # the first of a block of explanation lines is the kernel's headline
            i = tail.index(ln)
            while i > 0 and not is_trace_line(tail[i - 1]):
                i -= 1
            reason = tail[i]
            break
    return first, reason


def map_id(lib, fd):
    info, n = (c_uint8 * 96)(), c_uint32(96)  # struct bpf_map_info: type, id, ...
    if lib.bpf_obj_get_info_by_fd(fd, info, byref(n)):
        return None
    return struct.unpack_from("<I", bytes(info), 4)[0]


def record_bpftool(lib, outdir, progs, prog_fds, maps):
    """bpftool's own output for every loaded program and map (ids are only valid while this
    process holds the object). Load-specific fields (ids, load time, map ids) are kept as
    printed; consumers must ignore them."""
    import subprocess

    def run(args, path):
        r = subprocess.run(["bpftool", *args], capture_output=True, text=True)
        with open(os.path.join(outdir, path), "w") as f:
            f.write(r.stdout if r.returncode == 0 else f"ERROR ({r.returncode}): {r.stderr}")
    os.makedirs(outdir, exist_ok=True)
    for _, name, sec in progs:
        if name not in prog_fds:
            continue
        info = BpfProgInfo()
        n = c_uint32(sizeof(info))
        lib.bpf_obj_get_info_by_fd(prog_fds[name], byref(info), byref(n))
        pid = str(info.id)
        run(["prog", "show", "id", pid], f"prog-show.{name}.txt")
        run(["-j", "prog", "show", "id", pid], f"prog-show.{name}.json")
        run(["prog", "dump", "xlated", "id", pid], f"xlated.{name}.txt")
        run(["-j", "prog", "dump", "xlated", "id", pid], f"xlated.{name}.json")
    for m in maps.values():
        mid = map_id(lib, m.fd) if m.fd >= 0 else None
        if mid is None:
            continue
        safe = m.name.lstrip(".") if m.name.startswith(".") else m.name
        safe = ("global-" + safe) if m.name.startswith(".") else safe
        run(["map", "show", "id", str(mid)], f"map-show.{safe}.txt")
        run(["-j", "map", "show", "id", str(mid)], f"map-show.{safe}.json")
        if m.type in DUMPABLE_MAP_TYPES or m.name.startswith((".rodata", ".data", ".bss")):
            run(["map", "dump", "id", str(mid)], f"map-dump.{safe}.txt")
            run(["-j", "map", "dump", "id", str(mid)], f"map-dump.{safe}.json")


# ---------------------------------------------------------------- running


def test_run(lib, prog_fd, pkt, md):
    """One BPF_PROG_TEST_RUN; md=None runs without ctx_in. Returns (rc, opts, data_out)."""
    n = len(pkt)
    din = ctypes.create_string_buffer(pkt, max(n, 1))
    dout = ctypes.create_string_buffer(n + HEADROOM_SLACK)
    o = TestRunOpts(sz=sizeof(TestRunOpts), data_in=ctypes.addressof(din),
                    data_out=ctypes.addressof(dout), data_size_in=n,
                    data_size_out=n + HEADROOM_SLACK, repeat=1)
    if md is not None:
        o.ctx_in, o.ctx_size_in = ctypes.addressof(md), sizeof(XdpMd)
    return lib.bpf_prog_test_run_opts(prog_fd, byref(o)), o, dout


def refusal_name(rc, n):
    """CONTRACT.md's names for the two refusals the simulator reproduces; errno names otherwise."""
    if rc == -errno.EINVAL and n < ETH_HLEN:
        return "runt"
    if rc == -errno.ENOMEM and n > FRAME_LIMIT:
        return "too-big"
    return errname(rc)


def run_packets(lib, prog_fd, recs, ifindex, rxq, out_path):
    counts, errors, use_ctx = {}, {}, True
    with open(out_path, "w") as out:
        for i, (linktype, raw) in enumerate(recs):
            pkt, err = to_ethernet(linktype, raw)
            if err:
                rec = {"index": i, "error": err}
            else:
                # Kernel rules: data_meta 0, data_end == len, egress_ifindex 0, rx queue exists.
                md = XdpMd(data=0, data_end=len(pkt), data_meta=0, ingress_ifindex=ifindex,
                           rx_queue_index=rxq, egress_ifindex=0)
                rc, o, dout = test_run(lib, prog_fd, pkt, md if use_ctx else None)
                if rc == -errno.EINVAL and use_ctx and len(pkt) >= ETH_HLEN:
                    retry = test_run(lib, prog_fd, pkt, None)
                    if retry[0] == 0:  # the kernel rejects our ctx_in
                        if (ifindex, rxq) != (1, 0):
                            die(f"the kernel refuses xdp_md ingress_ifindex={ifindex} "
                                f"rx_queue_index={rxq} (EINVAL): the device must exist and "
                                f"have that many rx queues (lo has one)")
                        print("record-kernel: note: kernel rejected ctx_in (EINVAL); running "
                              "without ctx from now on (ingress lo, rx queue 0)", file=sys.stderr)
                        use_ctx, (rc, o, dout) = False, retry
                if rc:
                    rec = {"index": i, "error": refusal_name(rc, len(pkt))}
                else:
                    verdict = VERDICTS[o.retval] if o.retval < len(VERDICTS) else "XDP_ABORTED"
                    counts[verdict] = counts.get(verdict, 0) + 1
                    rec = {"index": i, "action": o.retval, "verdict": verdict,
                           "len_in": len(pkt), "len_out": o.data_size_out,
                           "out": dout.raw[:o.data_size_out].hex()}
            if "error" in rec:
                errors[rec["error"]] = errors.get(rec["error"], 0) + 1
            out.write(json.dumps(rec) + "\n")
    return counts, errors


def parse_const(text):
    name, _, value = text.partition("=")
    try:
        if name.strip():
            return name.strip(), int(value, 0)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE, decimal or 0x hex")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("object"), ap.add_argument("capture"), ap.add_argument("outdir")
    ap.add_argument("--prog", help="function name of the XDP program to run")
    ap.add_argument("--map-init", help="JSON file: map name -> [{key, value}]")
    ap.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                    type=parse_const, help="set a const volatile global; repeatable")
    ap.add_argument("--ifindex", type=int, default=1, help="xdp_md.ingress_ifindex (default 1)")
    ap.add_argument("--rx-queue", type=int, default=0, help="xdp_md.rx_queue_index (default 0)")
    ap.add_argument("--verifier-log", metavar="FILE",
                    help="write the verifier log of every loaded program to FILE")
    ap.add_argument("--log-level", type=int, default=1, choices=(1, 2),
                    help="verifier log level for --verifier-log (default 1)")
    ap.add_argument("--bpftool-dir", metavar="DIR",
                    help="after the run, record bpftool's view of the loaded programs and maps "
                         "(prog show, dump xlated text/JSON, map show/dump JSON) in DIR")
    args = ap.parse_args()
    if args.ifindex:
        try:
            socket.if_indextoname(args.ifindex)
        except OSError:
            die(f"--ifindex {args.ifindex}: no such interface in this network namespace")
    return args


def pin_cpu():
    allowed = os.sched_getaffinity(0)
    cpu = 0 if 0 in allowed else min(allowed)
    os.sched_setaffinity(0, {cpu})  # test_run runs on the calling CPU: fix it for per-CPU maps
    return cpu


def main():
    args = parse_args()
    try:
        recs = read_capture(args.capture)  # validate input before touching the kernel
    except RecordError as exc:
        die(str(exc))
    cpu = pin_cpu()
    lib = load_libbpf()
    ncpu = lib.libbpf_num_possible_cpus()
    obj = lib.bpf_object__open_file(args.object.encode(), None)
    if not obj:
        die(f"{args.object}: bpf_object__open_file failed: {errname(ctypes.get_errno())}")
    os.makedirs(args.outdir, exist_ok=True)
    prog_json = {"object": os.path.basename(args.object), "kernel": os.uname().release}
    try:
        recording = bool(args.verifier_log)
        (prog, prog_name, prog_sec), progs, log_bufs = select_programs(
            lib, obj, args.prog, RECORD_LOG_BUF_SIZE if recording else LOG_BUF_SIZE,
            args.log_level if recording else 0)
        maps = {}
        for p in iter_ptrs(lib.bpf_object__next_map, obj):
            lib.bpf_map__set_pin_path(p, None)  # never pin, never reuse a pinned map
            m = Map(lib, p)
            maps[m.name] = m
        if args.const:
            set_consts(lib, obj, maps, args.const)
        rc = lib.bpf_object__load(obj)
        if recording:
            with open(args.verifier_log, "w") as f:
                for name, buf in log_bufs.items():
                    f.write(f"=== {name} (log level {args.log_level}) ===\n")
                    f.write(buf.value.decode(errors="replace").rstrip("\n") + "\n")
        if rc:
            failed = [(n, b.value.decode(errors="replace")) for n, b in log_bufs.items()
                      if b.value]
            for name, text in failed:
                print(f"--- verifier log: {name} ---\n{text}", file=sys.stderr)
            first, reason = verifier_summary(failed[-1][1]) if failed else ("", "")
            prog_json.update({"loaded": False, "error": errname(rc),
                              "failed_program": failed[-1][0] if failed else None,
                              "verifier_log_first_line": first, "verifier_error": reason})
            with open(os.path.join(args.outdir, "prog.json"), "w") as f:
                json.dump(prog_json, f, indent=2)
                f.write("\n")
            die(f"{args.object}: bpf_object__load failed: {errname(rc)}"
                + (f": {reason}" if reason else ""))
        for m in maps.values():
            m.fd = lib.bpf_map__fd(m.ptr)
        prog_fds = {n: lib.bpf_program__fd(p) for p, n, s in progs if s.startswith("xdp")}
        if args.map_init:
            apply_map_init(lib, maps, args.map_init, ncpu, prog_fds)
        counts, errors = run_packets(lib, prog_fds[prog_name], recs, args.ifindex,
                                     args.rx_queue, os.path.join(args.outdir, "results.jsonl"))
        write_maps_json(lib, maps, ncpu, os.path.join(args.outdir, "maps.json"))
        if args.bpftool_dir:
            record_bpftool(lib, args.bpftool_dir, progs, prog_fds, maps)
        info = prog_info(lib, prog_fds[prog_name])
        prog_json.update({"loaded": True, "program": prog_name, "section": prog_sec, **info,
                          "other_programs": [
                              {"program": n, "section": s, **prog_info(lib, prog_fds[n])}
                              for _, n, s in progs if s.startswith("xdp") and n != prog_name],
                          "possible_cpus": ncpu, "cpu": cpu, "packets": len(recs),
                          "verdicts": {v: counts.get(v, 0) for v in VERDICTS},
                          "errors": dict(sorted(errors.items()))})
        with open(os.path.join(args.outdir, "prog.json"), "w") as f:
            json.dump(prog_json, f, indent=2)
            f.write("\n")
    finally:
        lib.bpf_object__close(obj)
    verdicts = " ".join(f"{v}={counts.get(v, 0)}" for v in VERDICTS)
    errs = "".join(f" {k}={v}" for k, v in sorted(errors.items()))
    print(f"prog={prog_name} tag={info.get('tag')} packets={len(recs)} {verdicts}{errs} cpu={cpu}")


if __name__ == "__main__":
    main()
