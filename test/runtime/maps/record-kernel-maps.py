#!/usr/bin/env python3
"""record-kernel-maps.py - record what the running kernel's BPF maps do for scripted operations.

Creates real maps with libbpf's bpf_map_create (ctypes over libbpf.so.1, needs root) and runs a
fixed list of operations on them, from both sides the kernel has:
  - syscall side: update / lookup / delete / get_next_key / push / pop / peek, as bpftool does;
  - program side: a tiny XDP program (hand-assembled, loaded with bpf_prog_load, run with
    BPF_PROG_TEST_RUN on CPU 0) calls bpf_map_lookup_elem / update / delete / push / pop / peek
    on the map with arguments it reads from a helper ARRAY map, and writes the result back there.
Every result (return code as an errno name, bytes read) is written next to the operation, so the
simulator's tests replay the same list and compare (test/runtime/maps/kernel-replay.test.ts).

  sudo python3 test/runtime/maps/record-kernel-maps.py [OUT.json]
      (default OUT: kernel-maps.json next to this script)

The process is pinned to CPU 0, so per-CPU values and LRU local lists are deterministic.
"""
import ctypes, errno, json, mmap, os, platform, sys
from ctypes import (POINTER, Structure, byref, c_char_p, c_int, c_size_t, c_uint32, c_uint64,
                    c_void_p, sizeof)

# enum bpf_map_type (include/uapi/linux/bpf.h)
HASH, ARRAY, PROG_ARRAY, PERCPU_HASH, PERCPU_ARRAY = 1, 2, 3, 5, 6
LRU_HASH, LRU_PERCPU_HASH, LPM_TRIE, DEVMAP, CPUMAP, XSKMAP = 9, 10, 11, 14, 16, 17
QUEUE, STACK, DEVMAP_HASH, RINGBUF = 22, 23, 25, 27
# map_flags
NO_PREALLOC, NO_COMMON_LRU, RDONLY, WRONLY, RDONLY_PROG, WRONLY_PROG, MMAPABLE = 1, 2, 8, 16, 128, 256, 1024
ANY, NOEXIST, EXIST, F_LOCK = 0, 1, 2, 4
ERRNAMES = dict(errno.errorcode)
ERRNAMES[524] = "ENOTSUPP"  # kernel-internal, leaks to user space for some map ops


class MapCreateOpts(Structure):  # struct bpf_map_create_opts (libbpf 1.1)
    _fields_ = [("sz", c_size_t), ("btf_fd", c_uint32), ("btf_key_type_id", c_uint32),
                ("btf_value_type_id", c_uint32), ("btf_vmlinux_value_type_id", c_uint32),
                ("inner_map_fd", c_uint32), ("map_flags", c_uint32), ("map_extra", c_uint64),
                ("numa_node", c_uint32), ("map_ifindex", c_uint32)]


class ProgLoadOpts(Structure):  # struct bpf_prog_load_opts (libbpf 1.1)
    _fields_ = [("sz", c_size_t), ("attempts", c_int), ("expected_attach_type", c_uint32),
                ("prog_btf_fd", c_uint32), ("prog_flags", c_uint32), ("prog_ifindex", c_uint32),
                ("kern_version", c_uint32), ("attach_btf_id", c_uint32),
                ("attach_prog_fd", c_uint32), ("attach_btf_obj_fd", c_uint32),
                ("fd_array", c_void_p), ("func_info", c_void_p), ("func_info_cnt", c_uint32),
                ("func_info_rec_size", c_uint32), ("line_info", c_void_p),
                ("line_info_cnt", c_uint32), ("line_info_rec_size", c_uint32),
                ("log_level", c_uint32), ("log_size", c_uint32), ("log_buf", c_char_p)]


class TestRunOpts(Structure):  # struct bpf_test_run_opts (libbpf 1.1)
    _fields_ = [("sz", c_size_t), ("data_in", c_void_p), ("data_out", c_void_p),
                ("data_size_in", c_uint32), ("data_size_out", c_uint32),
                ("ctx_in", c_void_p), ("ctx_out", c_void_p),
                ("ctx_size_in", c_uint32), ("ctx_size_out", c_uint32),
                ("retval", c_uint32), ("repeat", c_int), ("duration", c_uint32),
                ("flags", c_uint32), ("cpu", c_uint32), ("batch_size", c_uint32)]


P = c_void_p
lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
for _name, _res, _args in [
        ("bpf_map_create", c_int, [c_int, c_char_p, c_uint32, c_uint32, c_uint32, P]),
        ("bpf_map_update_elem", c_int, [c_int, P, P, c_uint64]),
        ("bpf_map_lookup_elem", c_int, [c_int, P, P]),
        ("bpf_map_lookup_and_delete_elem", c_int, [c_int, P, P]),
        ("bpf_map_delete_elem", c_int, [c_int, P]),
        ("bpf_map_get_next_key", c_int, [c_int, P, P]),
        ("bpf_prog_load", c_int, [c_int, c_char_p, c_char_p, P, c_size_t, P]),
        ("bpf_prog_test_run_opts", c_int, [c_int, P]),
        ("libbpf_num_possible_cpus", c_int, [])]:
    _fn = getattr(lib, _name)
    _fn.restype, _fn.argtypes = _res, _args
NCPUS = lib.libbpf_num_possible_cpus()


def rcname(rc):
    return "OK" if rc >= 0 else ERRNAMES.get(-rc, f"E{-rc}")


def u32(n):
    return (n & 0xFFFFFFFF).to_bytes(4, "little")


def lpm(prefixlen, *octets):
    return u32(prefixlen) + bytes(octets)


def buf(data, size):
    if size == 0:
        return None  # keyless maps (queue, stack, ringbuf): the syscall wants a NULL key
    b = ctypes.create_string_buffer(size)
    if data:
        ctypes.memmove(b, data, len(data))
    return b


# ---- program side: a hand-assembled XDP program per tested map ----------------------------------
def insn(code, dst=0, src=0, off=0, imm=0):
    return bytes([code, (src << 4) | dst]) + off.to_bytes(2, "little", signed=True) + \
        (imm & 0xFFFFFFFF).to_bytes(4, "little")


class Asm:
    """Minimal assembler: instructions with symbolic jump targets."""
    def __init__(self):
        self.items, self.labels = [], {}

    def emit(self, code, dst=0, src=0, off=0, imm=0):
        self.items.append((code, dst, src, off, imm))

    def jmp(self, code, dst, imm, label, src=0):
        self.items.append((code, dst, src, label, imm))

    def label(self, name):
        self.labels[name] = len(self.items)

    def ld_map(self, dst, fd):  # ld_imm64 dst, map fd (BPF_PSEUDO_MAP_FD)
        self.emit(0x18, dst, 1, 0, fd)
        self.emit(0, 0, 0, 0, 0)

    def bytes(self):
        out = b""
        for pc, (code, dst, src, off, imm) in enumerate(self.items):
            if isinstance(off, str):
                off = self.labels[off] - pc - 1
            out += insn(code, dst, src, off, imm)
        return out


LDXW, LDXDW, LDXB, STXB, STXDW, STW = 0x61, 0x79, 0x71, 0x73, 0x7B, 0x62
MOV64X, MOV64K, ADD64K, CALL, EXIT, JA, JEQK = 0xBF, 0xB7, 0x07, 0x85, 0x95, 0x05, 0x15


class Harness:
    """XDP program that runs one map helper per BPF_PROG_TEST_RUN, driven through an ARRAY map:
    value layout: op u32 @0 | key @8 | value @VAL | flags u64 @FLG | result u64 @RES | out @OUT."""
    def __init__(self, target_fd, key_size, value_size, kind):
        ks8, vs8 = (max(key_size, 1) + 7) // 8 * 8, (max(value_size, 1) + 7) // 8 * 8
        self.key_size, self.value_size = key_size, value_size
        self.KEY, self.VAL = 8, 8 + ks8
        self.FLG = self.VAL + vs8
        self.RES = self.FLG + 8
        self.OUT = self.RES + 8
        self.size = self.OUT + vs8
        opts = MapCreateOpts(sz=sizeof(MapCreateOpts))
        self.src = lib.bpf_map_create(ARRAY, b"harness_src", 4, self.size, 1, byref(opts))
        assert self.src >= 0, rcname(self.src)
        a = Asm()
        a.emit(STW, 10, 0, -4, 0)
        a.emit(MOV64X, 2, 10)
        a.emit(ADD64K, 2, 0, 0, -4)
        a.ld_map(1, self.src)
        a.emit(CALL, imm=1)
        a.jmp(JEQK, 0, 0, "exit")
        a.emit(MOV64X, 6, 0)
        a.emit(LDXW, 7, 6, 0)
        a.ld_map(1, target_fd)
        if kind in ("kv", "lookup"):  # "lookup": maps programs may only look up (devmaps)
            a.emit(MOV64X, 2, 6)
            a.emit(ADD64K, 2, 0, 0, self.KEY)
            if kind == "kv":
                a.jmp(JEQK, 7, 1, "update")
                a.jmp(JEQK, 7, 2, "delete")
            a.emit(CALL, imm=1)                          # bpf_map_lookup_elem
            a.emit(MOV64K, 1, 0, 0, 0)
            a.jmp(JEQK, 0, 0, "found")
            a.emit(MOV64K, 1, 0, 0, 1)
            for i in range(value_size):
                a.emit(LDXB, 3, 0, i)
                a.emit(STXB, 6, 3, self.OUT + i)
            a.label("found")
            a.emit(STXDW, 6, 1, self.RES)
        if kind == "kv":
            a.jmp(JA, 0, 0, "exit")
            a.label("update")
            a.emit(MOV64X, 3, 6)
            a.emit(ADD64K, 3, 0, 0, self.VAL)
            a.emit(LDXDW, 4, 6, self.FLG)
            a.emit(CALL, imm=2)                          # bpf_map_update_elem
            a.emit(STXDW, 6, 0, self.RES)
            a.jmp(JA, 0, 0, "exit")
            a.label("delete")
            a.emit(CALL, imm=3)                          # bpf_map_delete_elem
            a.emit(STXDW, 6, 0, self.RES)
        if kind == "qs":  # queue / stack
            a.jmp(JEQK, 7, 3, "push")
            a.emit(MOV64X, 2, 6)
            a.emit(ADD64K, 2, 0, 0, self.OUT)
            a.jmp(JEQK, 7, 4, "pop")
            a.emit(CALL, imm=89)                         # bpf_map_peek_elem
            a.emit(STXDW, 6, 0, self.RES)
            a.jmp(JA, 0, 0, "exit")
            a.label("pop")
            a.emit(CALL, imm=88)                         # bpf_map_pop_elem
            a.emit(STXDW, 6, 0, self.RES)
            a.jmp(JA, 0, 0, "exit")
            a.label("push")
            a.emit(MOV64X, 2, 6)
            a.emit(ADD64K, 2, 0, 0, self.VAL)
            a.emit(LDXDW, 3, 6, self.FLG)
            a.emit(CALL, imm=87)                         # bpf_map_push_elem
            a.emit(STXDW, 6, 0, self.RES)
        a.label("exit")
        a.emit(MOV64K, 0, 0, 0, 2)                       # XDP_PASS
        a.emit(EXIT)
        code = a.bytes()
        log = ctypes.create_string_buffer(1 << 20)
        lopts = ProgLoadOpts(sz=sizeof(ProgLoadOpts), log_level=1, log_size=1 << 20, log_buf=ctypes.cast(log, c_char_p))
        self.prog = lib.bpf_prog_load(6, b"harness", b"GPL", code, len(code) // 8, byref(lopts))
        if self.prog < 0:
            sys.exit(f"harness program rejected ({rcname(self.prog)}):\n{log.value.decode()}")

    def run(self, op, key=b"", value=b"", flags=0, out_fill=0):
        img = bytearray(self.size)
        img[0:4] = u32(op)
        img[self.KEY:self.KEY + len(key)] = key
        img[self.VAL:self.VAL + len(value)] = value
        img[self.FLG:self.FLG + 8] = flags.to_bytes(8, "little")
        img[self.OUT:self.size] = bytes([out_fill]) * (self.size - self.OUT)
        zero = buf(u32(0), 4)
        assert lib.bpf_map_update_elem(self.src, zero, bytes(img), ANY) == 0
        pkt = ctypes.create_string_buffer(64)
        o = TestRunOpts(sz=sizeof(TestRunOpts), data_in=ctypes.addressof(pkt), data_size_in=64, repeat=1)
        rc = lib.bpf_prog_test_run_opts(self.prog, byref(o))
        assert rc == 0 and o.retval == 2, (rc, o.retval)
        got = buf(None, self.size)
        assert lib.bpf_map_lookup_elem(self.src, zero, got) == 0
        raw = got.raw
        res = int.from_bytes(raw[self.RES:self.RES + 8], "little", signed=True)
        return res, raw[self.OUT:self.OUT + self.value_size]

    def close(self):
        os.close(self.prog)
        os.close(self.src)


RB_SIZES = (0, 1, 7, 8, 13, 1000, 4000, 4088, 4096)


class RingbufHarness:
    """XDP program driving bpf_ringbuf_output / reserve+submit / reserve+discard / query through
    an ARRAY map: op u32 @0 | size u64 @8 | flags u64 @16 | result u64 @24 | data[64] @32.
    Reserve sizes must be verifier constants: one code path per size in RB_SIZES; a reserved
    record gets 0xa5 in its first byte and 0x5a in its last. The ring is read through mmap."""
    def __init__(self, ring_size):
        self.ring_size = ring_size
        opts = MapCreateOpts(sz=sizeof(MapCreateOpts))
        self.rb = lib.bpf_map_create(RINGBUF, b"harness_rb", 0, 0, ring_size, byref(opts))
        self.src = lib.bpf_map_create(ARRAY, b"harness_rbsrc", 4, 96, 1, byref(opts))
        assert self.rb >= 0 and self.src >= 0
        a = Asm()
        a.emit(STW, 10, 0, -4, 0)
        a.emit(MOV64X, 2, 10)
        a.emit(ADD64K, 2, 0, 0, -4)
        a.ld_map(1, self.src)
        a.emit(CALL, imm=1)
        a.jmp(JEQK, 0, 0, "exit")
        a.emit(MOV64X, 6, 0)
        a.emit(LDXW, 7, 6, 0)
        a.emit(LDXDW, 8, 6, 8)
        a.emit(LDXDW, 9, 6, 16)
        a.jmp(JEQK, 7, 10, "output")
        a.jmp(JEQK, 7, 13, "query")
        for sz in RB_SIZES:
            a.jmp(JEQK, 8, sz, f"res{sz}")
        a.jmp(JA, 0, 0, "exit")
        for sz in RB_SIZES:
            a.label(f"res{sz}")
            a.ld_map(1, self.rb)
            a.emit(MOV64K, 2, 0, 0, sz)
            a.emit(MOV64X, 3, 9)
            a.emit(CALL, imm=131)                        # bpf_ringbuf_reserve
            a.jmp(JEQK, 0, 0, "null")
            if sz:
                a.emit(0x72, 0, 0, 0, 0xA5)              # *(u8 *)(r0 + 0) = 0xa5
                a.emit(0x72, 0, 0, sz - 1, 0x5A)         # *(u8 *)(r0 + sz - 1) = 0x5a
            a.emit(MOV64K, 1, 0, 0, 1)
            a.emit(STXDW, 6, 1, 24)
            a.emit(MOV64X, 1, 0)
            a.emit(MOV64K, 2, 0, 0, 0)
            a.jmp(JEQK, 7, 12, f"disc{sz}")
            a.emit(CALL, imm=132)                        # bpf_ringbuf_submit
            a.jmp(JA, 0, 0, "exit")
            a.label(f"disc{sz}")
            a.emit(CALL, imm=133)                        # bpf_ringbuf_discard
            a.jmp(JA, 0, 0, "exit")
        a.label("null")
        a.emit(MOV64K, 1, 0, 0, 0)
        a.emit(STXDW, 6, 1, 24)
        a.jmp(JA, 0, 0, "exit")
        a.label("output")
        a.ld_map(1, self.rb)
        a.emit(MOV64X, 2, 6)
        a.emit(ADD64K, 2, 0, 0, 32)
        a.emit(MOV64X, 3, 8)
        a.jmp(0x25, 3, 64, "exit")                       # if r3 > 64 goto exit
        a.emit(MOV64X, 4, 9)
        a.emit(CALL, imm=130)                            # bpf_ringbuf_output
        a.emit(STXDW, 6, 0, 24)
        a.jmp(JA, 0, 0, "exit")
        a.label("query")
        a.ld_map(1, self.rb)
        a.emit(MOV64X, 2, 9)
        a.emit(CALL, imm=134)                            # bpf_ringbuf_query
        a.emit(STXDW, 6, 0, 24)
        a.label("exit")
        a.emit(MOV64K, 0, 0, 0, 2)
        a.emit(EXIT)
        code = a.bytes()
        log = ctypes.create_string_buffer(1 << 20)
        lopts = ProgLoadOpts(sz=sizeof(ProgLoadOpts), log_level=1, log_size=1 << 20, log_buf=ctypes.cast(log, c_char_p))
        self.prog = lib.bpf_prog_load(6, b"harness_rb", b"GPL", code, len(code) // 8, byref(lopts))
        if self.prog < 0:
            sys.exit(f"ringbuf harness rejected ({rcname(self.prog)}):\n{log.value.decode()}")
        self.cons_map = mmap.mmap(self.rb, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=0)
        self.prod_map = mmap.mmap(self.rb, 4096 + 2 * ring_size, mmap.MAP_SHARED, mmap.PROT_READ, offset=4096)
        self.ops = []

    def run(self, op, size=0, flags=0, data=b""):
        img = bytearray(96)
        img[0:4] = u32(op)
        img[8:16] = size.to_bytes(8, "little")
        img[16:24] = flags.to_bytes(8, "little")
        img[24:32] = (0x7777).to_bytes(8, "little")
        img[32:32 + len(data)] = data
        zero = buf(u32(0), 4)
        assert lib.bpf_map_update_elem(self.src, zero, bytes(img), ANY) == 0
        pkt = ctypes.create_string_buffer(64)
        o = TestRunOpts(sz=sizeof(TestRunOpts), data_in=ctypes.addressof(pkt), data_size_in=64, repeat=1)
        assert lib.bpf_prog_test_run_opts(self.prog, byref(o)) == 0 and o.retval == 2
        got = buf(None, 96)
        assert lib.bpf_map_lookup_elem(self.src, zero, got) == 0
        return int.from_bytes(got.raw[24:32], "little", signed=True)

    def output(self, data, flags=0):
        rc = self.run(10, len(data), flags, data)
        self.ops.append({"op": "rb_output", "data": data.hex(), "flags": flags, "rc": rcname(rc)})

    def reserve(self, size, discard=False, flags=0):
        ok = self.run(12 if discard else 11, size, flags)
        self.ops.append({"op": "rb_reserve", "size": size, "discard": discard, "flags": flags, "reserved": ok == 1})

    def query(self, flags):
        self.ops.append({"op": "rb_query", "flags": flags, "result": self.run(13, 0, flags)})

    def ring(self):
        """Positions and the raw data area (headers included) as the kernel holds them."""
        prod = int.from_bytes(self.prod_map[0:8], "little")
        cons = int.from_bytes(self.cons_map[0:8], "little")
        data = self.prod_map[4096:4096 + self.ring_size]
        self.ops.append({"op": "rb_ring", "prod": prod, "cons": cons, "data": bytes(data).hex()})

    def drain(self):
        """libbpf ringbuf__consume: committed records from consumer_pos, skipping discarded ones."""
        cons = int.from_bytes(self.cons_map[0:8], "little")
        prod = int.from_bytes(self.prod_map[0:8], "little")
        mask, recs = self.ring_size - 1, []
        base = 4096
        while cons < prod:
            off = cons & mask
            hlen = int.from_bytes(self.prod_map[base + off:base + off + 4], "little")
            if hlen & 0x80000000:
                break
            n = hlen & 0x3FFFFFFF
            if not hlen & 0x40000000:
                start = base + off + 8
                recs.append(bytes(self.prod_map[start:start + n]).hex())  # data pages are mapped twice
            cons += (n + 8 + 7) // 8 * 8
        self.cons_map[0:8] = cons.to_bytes(8, "little")
        self.ops.append({"op": "rb_drain", "records": recs})

    def close(self):
        self.cons_map.close()
        self.prod_map.close()
        for fd in (self.prog, self.src, self.rb):
            os.close(fd)
        return {"name": "ringbuf_records", "map": {"type": RINGBUF, "keySize": 0, "valueSize": 0,
                "maxEntries": self.ring_size, "flags": 0}, "create": "OK", "ops": self.ops}


def ringbuf_scenario():
    r = RingbufHarness(4096)
    for q in (0, 1, 2, 3, 7):
        r.query(q)
    r.output(bytes(range(13)))
    r.output(b"\x01", 3)
    r.output(b"\x02" * 8, 4)
    r.output(b"")
    r.reserve(1)
    r.reserve(7, discard=True)
    r.reserve(0)
    r.reserve(8, flags=1)
    r.reserve(13)
    for q in (0, 2, 3):
        r.query(q)
    r.ring()
    r.drain()
    r.query(0)
    r.query(2)
    r.reserve(4096)
    r.reserve(4088)
    r.reserve(1000)
    r.reserve(1000, discard=True)
    r.reserve(1000)
    r.reserve(1000)
    r.output(bytes(range(64)))
    r.query(0)
    r.ring()
    r.drain()
    r.reserve(4000)
    r.reserve(1000)
    r.output(bytes(range(100, 164)))
    r.reserve(1000)
    r.reserve(13, discard=True)
    r.ring()
    r.drain()
    r.reserve(4000)
    r.query(0)
    r.query(3)
    r.ring()
    r.drain()
    r.ring()
    return r.close()


# ---- one scenario: create a map, run its operations, record every result -----------------------
class Scenario:
    def __init__(self, name, mtype, key_size, value_size, max_entries, flags=0, prog=None):
        self.rec = {"name": name, "map": {"type": mtype, "keySize": key_size, "valueSize": value_size,
                                          "maxEntries": max_entries, "flags": flags}, "ops": []}
        self.ks, self.vs, self.type = key_size, value_size, mtype
        opts = MapCreateOpts(sz=sizeof(MapCreateOpts), map_flags=flags)
        self.fd = lib.bpf_map_create(mtype, name[:15].encode(), key_size, value_size, max_entries, byref(opts))
        self.rec["create"] = rcname(self.fd)
        percpu = mtype in (PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH)
        self.uvs = (value_size + 7) // 8 * 8 * NCPUS if percpu else value_size
        self.h = Harness(self.fd, key_size, value_size, prog) if prog and self.fd >= 0 else None

    def add(self, rec):
        self.rec["ops"].append(rec)
        return rec

    def update(self, key, value, flags=ANY):
        rc = lib.bpf_map_update_elem(self.fd, buf(key, self.ks), buf(value, self.uvs), flags)
        return self.add({"op": "update", "key": key.hex(), "value": value.hex(), "flags": flags, "rc": rcname(rc)})

    def lookup(self, key):
        out = buf(None, self.uvs)
        rc = lib.bpf_map_lookup_elem(self.fd, buf(key, self.ks), out)
        return self.add({"op": "lookup", "key": key.hex(), "rc": rcname(rc), "value": out.raw[:self.uvs].hex() if rc == 0 else None})

    def delete(self, key):
        rc = lib.bpf_map_delete_elem(self.fd, buf(key, self.ks))
        return self.add({"op": "delete", "key": key.hex(), "rc": rcname(rc)})

    def next(self, key):
        out = buf(None, self.ks)
        rc = lib.bpf_map_get_next_key(self.fd, buf(key, self.ks) if key is not None else None, out)
        return self.add({"op": "next", "key": None if key is None else key.hex(), "rc": rcname(rc),
                         "next": out.raw[:self.ks].hex() if rc == 0 else None})

    def dump(self):
        """get_next_key walk from NULL, then lookup of every key (ENOENT ones left out), in order."""
        keys, cur, out = [], None, buf(None, self.ks)
        while len(keys) < 100000:
            rc = lib.bpf_map_get_next_key(self.fd, cur, out)
            if rc:
                break
            keys.append(out.raw[:self.ks])
            cur = buf(keys[-1], self.ks)
        entries, val = [], buf(None, self.uvs)
        for k in keys:
            if lib.bpf_map_lookup_elem(self.fd, buf(k, self.ks), val) == 0:
                entries.append([k.hex(), val.raw[:self.uvs].hex()])
        return self.add({"op": "dump", "keys": [k.hex() for k in keys], "entries": entries})

    def push(self, value, flags=ANY):
        rc = lib.bpf_map_update_elem(self.fd, None, buf(value, self.vs), flags)
        return self.add({"op": "push", "value": value.hex(), "flags": flags, "rc": rcname(rc)})

    def pop(self):
        out = buf(None, self.vs)
        rc = lib.bpf_map_lookup_and_delete_elem(self.fd, None, out)
        return self.add({"op": "pop", "rc": rcname(rc), "value": out.raw[:self.vs].hex() if rc == 0 else None})

    def peek(self):
        out = buf(None, self.vs)
        rc = lib.bpf_map_lookup_elem(self.fd, None, out)
        return self.add({"op": "peek", "rc": rcname(rc), "value": out.raw[:self.vs].hex() if rc == 0 else None})

    def prog(self, op, key=b"", value=b"", flags=0):
        code = {"prog_lookup": 0, "prog_update": 1, "prog_delete": 2, "prog_push": 3, "prog_pop": 4, "prog_peek": 5}[op]
        res, out = self.h.run(code, key, value, flags, out_fill=0xAA)
        rec = {"op": op, "key": key.hex(), "value": value.hex(), "flags": flags}
        if op == "prog_lookup":
            rec["found"] = res == 1
            rec["out"] = out.hex() if res == 1 else None
        else:
            rec["rc"] = rcname(res)
            if op in ("prog_pop", "prog_peek"):
                rec["out"] = out.hex()
        return self.add(rec)

    def close(self):
        if self.h:
            self.h.close()
        if self.fd >= 0:
            os.close(self.fd)
        return self.rec


def v32(n):
    return u32(n)


def percpu_val(vs, *per_cpu):
    """User-side per-CPU value: NCPUS slots of round_up(vs, 8), slot c = per_cpu[c] (or zeros)."""
    slot = (vs + 7) // 8 * 8
    out = bytearray(slot * NCPUS)
    for c, v in enumerate(per_cpu[:NCPUS]):
        out[c * slot:c * slot + len(v)] = v
    return bytes(out)


# ---- the scripted scenarios ----------------------------------------------------------------------
def create_checks():
    """map_alloc_check-style validation: (name, type, key, value, max_entries, flags)."""
    defs = [
        ("array_ok", ARRAY, 4, 8, 4, 0), ("array_key8", ARRAY, 8, 8, 4, 0),
        ("array_val0", ARRAY, 4, 0, 4, 0), ("array_max0", ARRAY, 4, 8, 0, 0),
        ("array_noprealloc", ARRAY, 4, 8, 4, NO_PREALLOC), ("array_rw_prog", ARRAY, 4, 8, 4, RDONLY_PROG | WRONLY_PROG),
        ("array_mmapable", ARRAY, 4, 8, 4, MMAPABLE), ("pcpu_array_mmap", PERCPU_ARRAY, 4, 8, 4, MMAPABLE),
        ("pcpu_array_big", PERCPU_ARRAY, 4, 32769, 1, 0), ("pcpu_array_32k", PERCPU_ARRAY, 4, 32768, 1, 0),
        ("hash_ok", HASH, 3, 5, 7, 0), ("hash_key0", HASH, 0, 4, 4, 0), ("hash_val0", HASH, 4, 0, 4, 0),
        ("hash_max0", HASH, 4, 4, 0, 0), ("hash_nocommonlru", HASH, 4, 4, 4, NO_COMMON_LRU),
        ("hash_noprealloc", HASH, 4, 4, 4, NO_PREALLOC), ("hash_badflag", HASH, 4, 4, 4, MMAPABLE),
        ("lru_noprealloc", LRU_HASH, 4, 4, 4, NO_PREALLOC), ("lru_nocommon", LRU_HASH, 4, 4, 4, NO_COMMON_LRU),
        ("pcpu_hash_big", PERCPU_HASH, 4, 32769, 4, 0), ("pcpu_hash_32k", PERCPU_HASH, 4, 32768, 4, 0),
        ("hash_kv_4m", HASH, 4, 4 << 20, 1, 0),
        ("lpm_ok", LPM_TRIE, 8, 4, 4, NO_PREALLOC), ("lpm_prealloc", LPM_TRIE, 8, 4, 4, 0),
        ("lpm_key4", LPM_TRIE, 4, 4, 4, NO_PREALLOC), ("lpm_key5", LPM_TRIE, 5, 4, 4, NO_PREALLOC),
        ("lpm_key260", LPM_TRIE, 260, 4, 4, NO_PREALLOC), ("lpm_key261", LPM_TRIE, 261, 4, 4, NO_PREALLOC),
        ("lpm_val0", LPM_TRIE, 8, 0, 4, NO_PREALLOC), ("lpm_max0", LPM_TRIE, 8, 4, 0, NO_PREALLOC),
        ("devmap_ok", DEVMAP, 4, 4, 4, 0), ("devmap_val8", DEVMAP, 4, 8, 4, 0), ("devmap_val6", DEVMAP, 4, 6, 4, 0),
        ("devmap_key8", DEVMAP, 8, 4, 4, 0), ("devmap_max0", DEVMAP, 4, 4, 0, 0),
        ("devmap_noprealloc", DEVMAP, 4, 4, 4, NO_PREALLOC), ("devmap_hash_ok", DEVMAP_HASH, 4, 8, 4, 0),
        ("cpumap_ok", CPUMAP, 4, 4, 4, 0), ("cpumap_val12", CPUMAP, 4, 12, 4, 0),
        ("cpumap_big", CPUMAP, 4, 4, 1 << 20, 0), ("cpumap_rdonly", CPUMAP, 4, 4, 4, RDONLY),
        ("xskmap_ok", XSKMAP, 4, 4, 4, 0), ("xskmap_val8", XSKMAP, 4, 8, 4, 0),
        ("progarr_ok", PROG_ARRAY, 4, 4, 4, 0), ("progarr_val8", PROG_ARRAY, 4, 8, 4, 0),
        ("progarr_rdprog", PROG_ARRAY, 4, 4, 4, RDONLY_PROG),
        ("ringbuf_ok", RINGBUF, 0, 0, 4096, 0), ("ringbuf_4097", RINGBUF, 0, 0, 4097, 0),
        ("ringbuf_2048", RINGBUF, 0, 0, 2048, 0), ("ringbuf_12k", RINGBUF, 0, 0, 12288, 0),
        ("ringbuf_key4", RINGBUF, 4, 0, 4096, 0), ("ringbuf_0", RINGBUF, 0, 0, 0, 0),
        ("ringbuf_flags", RINGBUF, 0, 0, 4096, NO_PREALLOC),
        ("queue_ok", QUEUE, 0, 4, 4, 0), ("queue_key4", QUEUE, 4, 4, 4, 0), ("queue_val0", QUEUE, 0, 0, 4, 0),
        ("queue_max0", QUEUE, 0, 4, 0, 0), ("stack_noprealloc", STACK, 0, 4, 4, NO_PREALLOC),
    ]
    out = []
    for name, t, k, v, m, f in defs:
        s = Scenario(name, t, k, v, m, f)
        out.append({"name": name, "map": s.rec["map"], "create": s.rec["create"]})
        s.close()
    return out


def scenarios():
    out = []

    s = Scenario("array", ARRAY, 4, 8, 4, prog="kv")
    s.update(v32(0), bytes(range(1, 9)))
    s.update(v32(4), bytes(8)); s.update(v32(0), bytes(8), NOEXIST); s.update(v32(1), b"\x11" * 8, EXIST)
    s.update(v32(1), bytes(8), 3); s.update(v32(1), bytes(8), F_LOCK); s.update(v32(9), bytes(8), NOEXIST)
    s.delete(v32(0)); s.delete(v32(7)); s.lookup(v32(1)); s.lookup(v32(4))
    s.next(None); s.next(v32(0)); s.next(v32(3)); s.next(v32(99))
    s.prog("prog_update", v32(2), b"\x22" * 8, ANY); s.prog("prog_update", v32(2), bytes(8), NOEXIST)
    s.prog("prog_update", v32(5), bytes(8), ANY); s.prog("prog_update", v32(2), bytes(8), 3)
    s.prog("prog_update", v32(2), bytes(8), F_LOCK); s.prog("prog_update", v32(2), bytes(8), F_LOCK | NOEXIST)
    s.prog("prog_delete", v32(2)); s.prog("prog_lookup", v32(2)); s.prog("prog_lookup", v32(4))
    s.dump()
    out.append(s.close())

    s = Scenario("percpu_array", PERCPU_ARRAY, 4, 4, 3, prog="kv")
    s.update(v32(0), percpu_val(4, bytes([1, 2, 3, 4, 5, 6, 7, 8]), bytes([9, 10, 11, 12, 13, 14, 15, 16])))
    s.lookup(v32(0)); s.update(v32(0), percpu_val(4), NOEXIST); s.update(v32(0), percpu_val(4), F_LOCK)
    s.update(v32(3), percpu_val(4)); s.update(v32(1), percpu_val(4, v32(7)), EXIST)
    s.prog("prog_update", v32(2), v32(0x55), ANY); s.prog("prog_lookup", v32(0)); s.prog("prog_update", v32(2), v32(1), F_LOCK)
    s.dump()
    out.append(s.close())

    for name, t, flags in [("hash", HASH, 0), ("hash_noprealloc", HASH, NO_PREALLOC)]:
        s = Scenario(name, t, 4, 4, 4, flags, prog="kv")
        s.next(None)
        for k in (1, 2, 3, 4):
            s.update(v32(k), v32(k * 10))
        s.update(v32(5), v32(50)); s.update(v32(5), v32(50), NOEXIST); s.update(v32(2), v32(21))
        s.update(v32(2), v32(22), NOEXIST); s.update(v32(9), v32(9), EXIST); s.update(v32(3), v32(31), EXIST)
        s.update(v32(3), v32(0), 3); s.update(v32(3), v32(0), F_LOCK); s.update(v32(3), v32(0), 8)
        s.delete(v32(7)); s.delete(v32(1)); s.lookup(v32(1)); s.lookup(v32(2))
        s.update(v32(6), v32(60), NOEXIST); s.update(v32(7), v32(70))
        s.prog("prog_update", v32(8), v32(80)); s.prog("prog_update", v32(6), v32(61), F_LOCK)
        s.prog("prog_update", v32(6), v32(61), 3); s.prog("prog_update", v32(6), v32(62), NOEXIST)
        s.prog("prog_update", v32(8), v32(80), EXIST); s.prog("prog_update", v32(6), v32(63), EXIST)
        s.prog("prog_delete", v32(8)); s.prog("prog_delete", v32(6)); s.prog("prog_lookup", v32(6))
        s.prog("prog_lookup", v32(2)); s.prog("prog_update", v32(8), v32(81), NOEXIST)
        s.next(v32(12345))
        s.dump()
        out.append(s.close())

    s = Scenario("hash_key6", HASH, 6, 3, 3, prog="kv")
    s.update(b"abcdef", b"xyz"); s.update(b"abcdeg", b"uvw"); s.update(b"\0\0\0\0\0\0", b"000")
    s.update(b"zzzzzz", b"zzz"); s.lookup(b"abcdeg"); s.lookup(b"abcdeh"); s.delete(b"abcdef")
    s.prog("prog_update", b"qqqqqq", b"qqq"); s.prog("prog_lookup", b"qqqqqq"); s.dump()
    out.append(s.close())

    s = Scenario("percpu_hash", PERCPU_HASH, 4, 4, 2, prog="kv")
    s.update(v32(1), percpu_val(4, v32(11), v32(12))); s.lookup(v32(1))
    s.update(v32(1), percpu_val(4), F_LOCK); s.update(v32(1), percpu_val(4), 3)
    s.prog("prog_update", v32(2), v32(0x77)); s.lookup(v32(2))
    s.prog("prog_update", v32(1), v32(0x99)); s.lookup(v32(1))
    s.update(v32(3), percpu_val(4)); s.prog("prog_update", v32(3), v32(1)); s.prog("prog_update", v32(3), v32(1), F_LOCK)
    s.update(v32(2), percpu_val(4, v32(5)), NOEXIST); s.dump()
    out.append(s.close())

    # LRU: small maps on CPU 0 only (user side pinned, program side test_run on CPU 0).
    for name, t, maxe, flags in [("lru", LRU_HASH, 8, 0), ("lru16", LRU_HASH, 16, 0),
                                 ("lru_nocommon", LRU_HASH, 8, NO_COMMON_LRU),
                                 ("lru_percpu", LRU_PERCPU_HASH, 8, 0)]:
        pc = t == LRU_PERCPU_HASH
        val = (lambda n: percpu_val(4, v32(n))) if pc else v32
        s = Scenario(name, t, 4, 4, maxe, flags, prog="kv")
        for k in range(1, maxe + 1):
            s.update(v32(k), val(k))
        s.dump()
        for k in range(maxe + 1, maxe + 4):
            s.update(v32(k), val(k))
            s.dump()
        for k in (2, 4, 6):
            s.prog("prog_lookup", v32(k))
        for k in range(100, 100 + maxe):
            s.update(v32(k), val(k))
            s.dump()
        for k in (100, 101):
            s.prog("prog_lookup", v32(k))
        s.update(v32(100), val(1), NOEXIST); s.dump(); s.update(v32(555), val(5), EXIST); s.dump()
        s.update(v32(101), val(0), F_LOCK); s.update(v32(101), val(0), 3)
        s.prog("prog_update", v32(200), v32(200)); s.dump()
        s.prog("prog_update", v32(201), v32(201), NOEXIST); s.prog("prog_update", v32(201), v32(202), NOEXIST)
        s.prog("prog_update", v32(201), v32(202), F_LOCK); s.dump()
        s.delete(v32(201)); s.delete(v32(201)); s.prog("prog_delete", v32(200)); s.prog("prog_delete", v32(200))
        for k in range(300, 300 + 2 * maxe):
            if k % 3 == 0:
                s.prog("prog_lookup", v32(k - 2))
            s.prog("prog_update", v32(k), v32(k))
        s.dump()
        out.append(s.close())

    # A working set larger than the map, touched in a fixed pseudo-random order from the program
    # side (lookups set ref bits, updates allocate): exercises rotation, shrinking and stealing.
    for name, flags in [("lru_workload", 0), ("lru_workload_nocommon", NO_COMMON_LRU)]:
        s = Scenario(name, LRU_HASH, 4, 4, 96, flags, prog="kv")
        x = 12345
        for i in range(900):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            k = (x >> 8) % 160
            if (x >> 4) % 10 < 6:
                s.prog("prog_lookup", v32(k))
            else:
                s.prog("prog_update", v32(k), v32(i))
            if i % 150 == 149:
                s.dump()
        out.append(s.close())

    s = Scenario("lpm", LPM_TRIE, 8, 4, 8, NO_PREALLOC, prog="kv")
    s.next(None)
    s.update(lpm(16, 192, 168, 0, 0), v32(1)); s.update(lpm(24, 192, 168, 0, 0), v32(2))
    s.update(lpm(24, 192, 168, 128, 0), v32(3)); s.update(lpm(24, 192, 168, 1, 0), v32(5))
    s.update(lpm(8, 10, 0, 0, 0), v32(8)); s.update(lpm(0, 0, 0, 0, 0), v32(99))
    s.dump()
    for a in [(32, 192, 168, 1, 5), (32, 192, 168, 2, 1), (32, 8, 8, 8, 8), (32, 192, 168, 128, 77),
              (32, 10, 1, 2, 3), (23, 192, 168, 0, 0), (33, 192, 168, 1, 1), (16, 192, 168, 0, 0)]:
        s.lookup(lpm(*a))
    s.update(lpm(16, 192, 168, 0, 0), v32(11), NOEXIST); s.update(lpm(20, 1, 2, 3, 4), v32(0), EXIST)
    s.update(lpm(16, 192, 168, 0, 0), v32(12), F_LOCK); s.update(lpm(16, 192, 168, 0, 0), v32(12), 3)
    s.update(lpm(33, 1, 2, 3, 4), v32(0)); s.update(lpm(16, 192, 168, 99, 99), v32(13), EXIST)
    s.lookup(lpm(16, 192, 168, 0, 0))
    s.delete(lpm(12, 192, 160, 0, 0)); s.delete(lpm(33, 0, 0, 0, 0)); s.delete(lpm(23, 192, 168, 0, 0))
    s.next(lpm(16, 192, 168, 0, 0)); s.next(lpm(24, 192, 168, 1, 0)); s.next(lpm(7, 1, 1, 1, 1))
    s.next(lpm(40, 1, 1, 1, 1)); s.next(lpm(0, 0, 0, 0, 0))
    s.delete(lpm(16, 192, 168, 0, 0)); s.dump()
    s.update(lpm(23, 192, 168, 0, 0), v32(23)); s.dump()
    s.update(lpm(32, 1, 1, 1, 1), v32(1)); s.update(lpm(32, 1, 1, 1, 2), v32(2)); s.update(lpm(32, 1, 1, 1, 3), v32(3))
    s.update(lpm(32, 1, 1, 1, 4), v32(4)); s.dump()
    s.delete(lpm(24, 192, 168, 0, 0)); s.delete(lpm(24, 192, 168, 1, 0)); s.dump()
    s.prog("prog_lookup", lpm(32, 192, 168, 1, 9)); s.prog("prog_lookup", lpm(32, 1, 1, 1, 3))
    s.prog("prog_update", lpm(32, 1, 1, 1, 5), v32(5)); s.prog("prog_update", lpm(31, 1, 1, 1, 2), v32(5), NOEXIST)
    s.prog("prog_delete", lpm(32, 1, 1, 1, 1)); s.prog("prog_delete", lpm(32, 1, 1, 1, 1)); s.dump()
    out.append(s.close())

    s = Scenario("lpm_v6", LPM_TRIE, 20, 1, 16, NO_PREALLOC)
    nets = [(48, "20010db8abcd"), (32, "20010db8"), (64, "20010db8abcd0001"), (56, "20010db8abcd00"),
            (128, "20010db8abcd00010000000000000001"), (3, "20"), (0, ""), (49, "20010db8abcd80")]
    for i, (pl, h) in enumerate(nets):
        s.update(u32(pl) + bytes.fromhex(h.ljust(32, "0")), bytes([i]))
    s.dump()
    for pl, h in [(128, "20010db8abcd00010000000000000002"), (128, "20010db8abcdff000000000000000000"),
                  (128, "3fff0000000000000000000000000000"), (128, "80000000000000000000000000000000")]:
        s.lookup(u32(pl) + bytes.fromhex(h))
    s.delete(u32(48) + bytes.fromhex("20010db8abcd".ljust(32, "0"))); s.dump()
    out.append(s.close())

    for name, t in [("queue", QUEUE), ("stack", STACK)]:
        s = Scenario(name, t, 0, 4, 3, prog="qs")
        s.peek(); s.pop()
        s.push(v32(1)); s.push(v32(2)); s.push(v32(3)); s.push(v32(4)); s.push(v32(4), EXIST)
        s.push(v32(5), NOEXIST); s.push(v32(5), F_LOCK); s.push(v32(5), 3); s.push(v32(5), 8)
        s.peek(); s.pop(); s.pop(); s.push(v32(6)); s.pop(); s.pop(); s.pop(); s.peek()
        s.lookup(b""); s.delete(b""); s.next(None); s.update(b"", v32(1))
        s.prog("prog_pop"); s.prog("prog_peek")
        s.prog("prog_push", value=v32(10)); s.prog("prog_push", value=v32(11)); s.prog("prog_push", value=v32(12))
        s.prog("prog_push", value=v32(13)); s.prog("prog_push", value=v32(13), flags=EXIST)
        s.prog("prog_push", value=v32(14), flags=NOEXIST); s.prog("prog_push", value=v32(14), flags=F_LOCK)
        s.prog("prog_peek"); s.prog("prog_pop"); s.pop(); s.prog("prog_pop"); s.prog("prog_pop"); s.prog("prog_peek")
        out.append(s.close())

    for name, vs in [("devmap", 4), ("devmap_val8", 8)]:
        s = Scenario(name, DEVMAP, 4, vs, 4, prog="lookup")
        val = (lambda ifx, fd=0: u32(ifx) + (u32(fd) if vs == 8 else b""))
        s.update(v32(0), val(1)); s.update(v32(1), val(999)); s.update(v32(4), val(1))
        s.update(v32(0), val(1), NOEXIST); s.update(v32(2), val(1), EXIST); s.update(v32(2), val(1), 3)
        s.update(v32(3), val(1), F_LOCK); s.lookup(v32(0)); s.lookup(v32(1)); s.lookup(v32(5))
        s.delete(v32(1)); s.delete(v32(9)); s.update(v32(2), val(0)); s.lookup(v32(2))
        if vs == 8:
            s.update(v32(3), val(0, 5)); s.update(v32(3), val(1, 99999))
        s.prog("prog_lookup", v32(0)); s.prog("prog_lookup", v32(1)); s.prog("prog_lookup", v32(7))
        s.next(None); s.next(v32(3)); s.dump()
        out.append(s.close())

    s = Scenario("devmap_hash", DEVMAP_HASH, 4, 4, 3, prog="lookup")
    s.update(v32(5), v32(1)); s.update(v32(1), v32(1)); s.update(v32(9), v32(1)); s.dump()
    s.update(v32(13), v32(1)); s.update(v32(2), v32(1), EXIST); s.update(v32(5), v32(1), NOEXIST)
    s.update(v32(5), v32(0)); s.update(v32(5), v32(999)); s.update(v32(5), v32(1), 3); s.update(v32(5), v32(1))
    s.dump(); s.delete(v32(9)); s.delete(v32(9)); s.update(v32(6), v32(1), EXIST); s.dump()
    s.next(v32(77)); s.lookup(v32(6)); s.lookup(v32(9))
    s.prog("prog_lookup", v32(6)); s.prog("prog_lookup", v32(9))
    out.append(s.close())

    s = Scenario("cpumap", CPUMAP, 4, 4, 4)
    s.update(v32(0), v32(192)); s.update(v32(1), v32(0)); s.update(v32(0), v32(16385))
    s.update(v32(0), v32(16384)); s.update(v32(NCPUS), v32(64)); s.update(v32(4), v32(64))
    s.update(v32(0), v32(64), NOEXIST); s.update(v32(0), v32(64), 3); s.update(v32(1), v32(64), EXIST)
    s.lookup(v32(0)); s.lookup(v32(1)); s.lookup(v32(3)); s.delete(v32(1)); s.delete(v32(3)); s.delete(v32(4))
    s.next(None); s.dump()
    out.append(s.close())

    s = Scenario("cpumap_val8", CPUMAP, 4, 8, 2)
    s.update(v32(0), v32(128) + v32(0)); s.update(v32(1), v32(0) + v32(5)); s.lookup(v32(0)); s.dump()
    out.append(s.close())

    s = Scenario("xskmap", XSKMAP, 4, 4, 4)
    s.update(v32(0), v32(9999)); s.update(v32(0), v32(s.fd)); s.update(v32(4), v32(9999)); s.update(v32(0), v32(1), 3)
    s.lookup(v32(0)); s.delete(v32(0)); s.delete(v32(4)); s.next(None); s.next(v32(3)); s.dump()
    out.append(s.close())

    s = Scenario("prog_array", PROG_ARRAY, 4, 4, 4)
    s.lookup(v32(0)); s.delete(v32(0)); s.delete(v32(9)); s.update(v32(0), v32(1), NOEXIST)
    s.update(v32(9), v32(1)); s.next(None); s.next(v32(3)); s.dump()
    out.append(s.close())

    s = Scenario("ringbuf", RINGBUF, 0, 0, 4096)
    s.lookup(b""); s.update(b"", b""); s.delete(b""); s.next(None)
    out.append(s.close())

    out.append(ringbuf_scenario())

    s = Scenario("array_rdonly", ARRAY, 4, 4, 2, RDONLY)
    s.update(v32(0), v32(1)); s.lookup(v32(0)); s.delete(v32(0)); s.next(None)
    out.append(s.close())
    s = Scenario("hash_wronly", HASH, 4, 4, 2, WRONLY)
    s.update(v32(0), v32(1)); s.lookup(v32(0)); s.next(None); s.delete(v32(0))
    out.append(s.close())
    return out


def main():
    os.sched_setaffinity(0, {0})
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel-maps.json")
    doc = {"kernel": platform.release(), "ncpus": NCPUS, "create": create_checks(), "scenarios": scenarios()}
    with open(path, "w") as f:
        f.write("{\n")
        f.write(f'  "kernel": {json.dumps(doc["kernel"])},\n  "ncpus": {NCPUS},\n  "create": [\n')
        f.write(",\n".join("    " + json.dumps(c) for c in doc["create"]) + "\n  ],\n  \"scenarios\": [\n")
        parts = []
        for sc in doc["scenarios"]:
            ops = ",\n".join("        " + json.dumps(o) for o in sc["ops"])
            parts.append(f'    {{"name": {json.dumps(sc["name"])}, "map": {json.dumps(sc["map"])}, '
                         f'"create": {json.dumps(sc["create"])}, "ops": [\n{ops}\n    ]}}')
        f.write(",\n".join(parts) + "\n  ]\n}\n")
    print(f"wrote {path}: {len(doc['create'])} creations, {len(doc['scenarios'])} scenarios, "
          f"{sum(len(s['ops']) for s in doc['scenarios'])} operations (kernel {doc['kernel']}, {NCPUS} CPUs)")


if __name__ == "__main__":
    main()
