#!/usr/bin/env python3
"""probe-helpers.py - ask the running kernel which helper ids an XDP program may call and which
are GPL-only: loads `call N; exit` with a non-GPL and a GPL license for every id and keeps the
verifier's verdict (first error line). Root needed. Writes JSON to stdout:
  {"kernel": "6.18.x", "helpers": {"N": {"mit": "<verifier msg>", "gpl": "<verifier msg>"}}}
The GPL check comes before the argument checks in check_helper_call(), so a non-GPL load of a
GPL-only helper fails with "cannot call GPL-restricted function ...", whatever the arguments."""
import ctypes, json, os, struct

libc = ctypes.CDLL(None, use_errno=True)
SYS_bpf, BPF_PROG_LOAD, BPF_PROG_TYPE_XDP = 321, 5, 6


def load(insns, license_):
    log = ctypes.create_string_buffer(1 << 16)
    lic = ctypes.create_string_buffer(license_)
    code = ctypes.create_string_buffer(insns, len(insns))
    attr = bytearray(144)
    struct.pack_into("<IIQQIIQ", attr, 0, BPF_PROG_TYPE_XDP, len(insns) // 8,
                     ctypes.addressof(code), ctypes.addressof(lic), 1, len(log),
                     ctypes.addressof(log))
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    fd = libc.syscall(SYS_bpf, BPF_PROG_LOAD, buf, len(attr))
    if fd >= 0:
        os.close(fd)
        return "ok"
    lines = [l for l in log.value.decode(errors="replace").splitlines() if l.strip()]
    # the line after the failing insn dump is the reason; keep the last non-stat line
    reason = [l for l in lines if not l.startswith(("processed ", "verification time"))]
    return reason[-1] if reason else f"errno {ctypes.get_errno()}"


def main():
    out = {}
    for hid in range(0, 215):
        insns = struct.pack("<BBhi", 0x85, 0, 0, hid) + struct.pack("<BBhi", 0x95, 0, 0, 0)
        out[str(hid)] = {"mit": load(insns, b"MIT"), "gpl": load(insns, b"GPL")}
    print(json.dumps({"kernel": os.uname().release, "helpers": out}, indent=1))


if __name__ == "__main__":
    main()
