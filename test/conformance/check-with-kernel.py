#!/usr/bin/env python3
"""check-with-kernel.py - runs xdpsim's conformance .data files on the real kernel (BPF_PROG_TEST_RUN).

Each file without input memory, helper calls (local calls are fine) or an expected error is assembled with xdpsim's assembler
(dist/ must be built), loaded as an XDP program (root) and run once; r0 must equal `-- result`.
The kernel's verifier folds constants, so every `lddw`/`mov` immediate gets `+= rN` appended, with rN a
register the test leaves alone, loaded from ctx->rx_queue_index (0 at run time, unknown to the verifier).
test_run returns 32 bits, so results wider than that are checked in two runs (low and high word).

    sudo python3 test/conformance/check-with-kernel.py [FILE.data ...]    # default: every .data file
Prints one line per file (ok / MISMATCH / skipped / rejected) and exits 1 on any mismatch.
"""
import ctypes, json, os, re, struct, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SYS_BPF = 321  # x86_64
BPF_PROG_LOAD, BPF_PROG_TEST_RUN = 5, 10
BPF_PROG_TYPE_XDP = 6
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

ASSEMBLE_JS = """
import { assemble } from %s;
import { encodeInsns } from %s;
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const src = JSON.parse(Buffer.concat(chunks).toString());
process.stdout.write(JSON.stringify(src.map((t) => Buffer.from(encodeInsns(assemble(t))).toString("hex"))));
""" % (json.dumps(os.path.join(ROOT, "dist/src/isa/assemble.js")), json.dumps(os.path.join(ROOT, "dist/src/isa/insn.js")))


def sections(text):
    out, cur = {}, None
    for line in text.splitlines():
        if line.strip().startswith("--"):
            cur = line.strip()[2:].strip()
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def harden(asm, high):
    """Hide immediates from the verifier (+= a register holding an unknown 0) and, unless the program has
    sub-programs, route every exit through one epilogue that can return the upper half of r0."""
    code = [raw.split("#", 1)[0].strip() for raw in asm]
    used = set(re.findall(r"\br(\d+)\b", " ".join(code)))
    spare = next((f"r{n}" for n in (9, 8, 7, 6) if str(n) not in used), None)
    calls = any(l.startswith("call local") for l in code)
    lines = [f"ldxw {spare}, [r1+16]"] if spare else []
    for line in code:
        m = re.match(r"^(lddw|mov)\s+(%?r\d+)\s*,\s*(-?(0x[0-9a-fA-F]+|\d+))$", line)
        if line == "exit" and not calls:
            lines.append("ja exit")
            continue
        lines.append(line)
        if m and spare:
            lines.append(f"add {m.group(2)}, {spare}")
    if not calls:
        lines += ["exit:", "rsh r0, 32" if high else "mov r0, r0", "exit"]
    return "\n".join(lines)


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    rc = libc.syscall(SYS_BPF, cmd, buf, len(attr))
    return rc, ctypes.get_errno(), buf.raw


def load(code):
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(1 << 20)
    attr = bytearray(144)
    struct.pack_into("<IIQQIIQ", attr, 0, BPF_PROG_TYPE_XDP, len(code) // 8, ctypes.addressof(insns),
                     ctypes.addressof(lic), 1, len(log), ctypes.addressof(log))
    rc, err, _ = bpf(BPF_PROG_LOAD, attr)
    if rc < 0:
        msg = log.value.decode(errors="replace").strip().splitlines()
        return None, (msg[-2] if len(msg) >= 2 else os.strerror(err))
    return rc, None


def run(fd):
    data = ctypes.create_string_buffer(64)
    out = ctypes.create_string_buffer(4096)
    attr = bytearray(80)
    struct.pack_into("<IIIIQQI", attr, 0, fd, 0, 64, 4096, ctypes.addressof(data), ctypes.addressof(out), 1)
    rc, err, raw = bpf(BPF_PROG_TEST_RUN, attr)
    if rc < 0:
        raise OSError(err, os.strerror(err))
    return struct.unpack_from("<I", raw, 4)[0]


def main():
    files = sys.argv[1:] or sorted(os.path.join(HERE, f) for f in os.listdir(HERE) if f.endswith(".data"))
    jobs = []
    for path in files:
        s = sections(open(path).read())
        name = os.path.basename(path)
        asm = s.get("asm")
        if asm is None or "mem" in s or "error" in s or "result" not in s or \
                any(re.match(r"^\s*call(x\s|\s+(?!local\b))", l) for l in asm):
            print(f"skipped   {name}")
            continue
        want = int([l for l in s["result"] if l.strip()][0].strip(), 0)
        jobs.append((name, asm, want))
    texts = []
    for _, asm, want in jobs:
        texts.append(harden(asm, False))
        texts.append(harden(asm, True))
    codes = json.loads(subprocess.run(["node", "--input-type=module", "-e", ASSEMBLE_JS], input=json.dumps(texts).encode(),
                                      capture_output=True, check=True).stdout)
    bad = 0
    for k, (name, _, want) in enumerate(jobs):
        got = []
        for half in ((0,) if "call local" in texts[2 * k] else (0, 1)):
            fd, err = load(bytes.fromhex(codes[2 * k + half]))
            if fd is None:
                got = None
                print(f"rejected  {name}: {err}")
                break
            got.append(run(fd))
            os.close(fd)
        if got is None:
            continue
        value = got[0] | (got[1] << 32 if len(got) > 1 else 0)
        if value == want:
            print(f"ok        {name}")
        else:
            bad += 1
            print(f"MISMATCH  {name}: kernel 0x{value:x}, file 0x{want:x}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
