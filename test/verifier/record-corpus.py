#!/usr/bin/env python3
"""record-corpus.py - record what the real kernel verifier says about every corpus program.

Builds nothing: the corpus holds .bpf.c sources with their clang objects (.o) and hand-written
.s files (assembled here with llvm-mc-19 into .o next to them when the .o is missing or older).
Each object's XDP program is loaded with libbpf (ctypes, root, bpffs not needed) at log level 1
and the outcome is stored in test/verifier/corpus/expected.json:

  {"name.o": {"loads": false, "error": "<kernel's first error line>", "insn": 7,
              "mode": "priv", "processed": 8, "log": [<level-1 log lines, when at most 80>]}, ...}

"error" is the first line after the last instruction line of the level-1 log that is neither a
register-state dump (R1=... / fp-8=...) nor a source comment ("; ..."); "insn" is the index of that
last instruction line (None for errors raised before the walk, e.g. by the CFG check).
Programs whose file name contains ".unpriv" are loaded without CAP_PERFMON and CAP_SYS_ADMIN
(CAP_BPF + CAP_NET_ADMIN kept, so XDP can still load): allow_ptr_leaks, bypass_spec and
allow_uninit_stack are off, the rules `xdpsim verify --unprivileged` simulates.

usage: sudo python3 test/verifier/record-corpus.py [--build] [NAME ...]
  --build   recompile every .bpf.c with clang-19 (-target bpf -O2 -g, plus the flags named in a
            `/* cflags: ... */` comment on its first line) before recording
"""
import ctypes, json, os, re, subprocess, sys
from ctypes import c_bool, c_char_p, c_int, c_size_t, c_uint32, c_void_p

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
OUT = os.path.join(CORPUS, "expected.json")
LOG_SIZE = 16 << 20
INSN_LINE = re.compile(r"^(\d+): \([0-9a-f]{2}\)")
STATE_LINE = re.compile(r"^(R\d+|fp-?\d+|frame\d+:)\S*=|^\d+: (R\d+|fp-?\d+|frame\d+:)")


def assemble(src):
    obj = src[:-2] + ".o"
    if not os.path.exists(obj) or os.path.getmtime(obj) < os.path.getmtime(src):
        subprocess.run(["llvm-mc-19", "-triple", "bpfel", "-filetype=obj", src, "-o", obj], check=True)
    return obj


def build(src):
    first = open(src).readline()
    m = re.search(r"cflags:\s*(\S+)", first)
    extra = [m.group(1)] if m else []
    subprocess.run(["clang-19", "-target", "bpf", "-O2", "-g", "-I/usr/include/x86_64-linux-gnu", *extra,
                    "-c", src, "-o", src[:-6] + ".o"], check=True, cwd=CORPUS)


def parse_log(log):
    lines = log.splitlines()
    last = None
    for i, l in enumerate(lines):
        if INSN_LINE.match(l):
            last = i
    insn = int(INSN_LINE.match(lines[last]).group(1)) if last is not None else None
    for l in lines[(last + 1 if last is not None else 0):]:
        s = l.strip()
        if not s or s.startswith(";") or STATE_LINE.match(s) or s.startswith("func#") or s.startswith("Live regs"):
            continue
        if re.match(r"^\d+: [.0-9]{10} ", s):
            continue
        if s.startswith("verification time") or s.startswith("processed "):
            break
        return s, insn
    return None, insn


def load_one(path):
    """Runs in the (possibly capability-reduced) child: prints one JSON line."""
    lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
    P = c_void_p
    for name, res, args in [("bpf_object__open_file", P, [c_char_p, P]), ("bpf_object__load", c_int, [P]),
                            ("bpf_object__close", None, [P]), ("bpf_object__next_program", P, [P, P]),
                            ("bpf_program__name", c_char_p, [P]), ("bpf_program__section_name", c_char_p, [P]),
                            ("bpf_program__set_autoload", c_int, [P, c_bool]),
                            ("bpf_program__set_log_buf", c_int, [P, P, c_size_t]),
                            ("bpf_program__set_log_level", c_int, [P, c_uint32]),
                            ("libbpf_set_print", P, [P])]:
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    lib.libbpf_set_print(None)
    obj = lib.bpf_object__open_file(path.encode(), None)
    if not obj:
        print(json.dumps({"openError": True}))
        return
    p, first, buf = None, None, ctypes.create_string_buffer(LOG_SIZE)
    while True:
        p = lib.bpf_object__next_program(obj, p)
        if not p:
            break
        sec = lib.bpf_program__section_name(p).decode()
        want = sec.startswith("xdp") and first is None
        lib.bpf_program__set_autoload(p, want)
        if want:
            first = lib.bpf_program__name(p).decode()
            lib.bpf_program__set_log_buf(p, buf, LOG_SIZE)
            lib.bpf_program__set_log_level(p, 1)
    rc = lib.bpf_object__load(obj)
    log = buf.value.decode(errors="replace")
    lib.bpf_object__close(obj)
    print(json.dumps({"prog": first, "rc": rc, "log": log}))


def record(path, unpriv):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", path]
    if unpriv:
        cmd = ["capsh", "--drop=cap_perfmon,cap_sys_admin", "--", "-c", " ".join(cmd)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    res = json.loads(out.strip().splitlines()[-1])
    m = re.search(r"processed (\d+) insns", res.get("log", ""))
    entry = {"prog": res.get("prog"), "loads": res.get("rc") == 0, "mode": "unpriv" if unpriv else "priv",
             "processed": int(m.group(1)) if m else None}
    if not entry["loads"]:
        err, insn = parse_log(res.get("log", ""))
        entry["error"], entry["insn"] = err, insn
        lines = res.get("log", "").splitlines()
        if len(lines) <= 80:
            entry["log"] = lines
    return entry


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        load_one(sys.argv[2])
        return
    args = sys.argv[1:]
    if "--build" in args:
        args.remove("--build")
        for f in sorted(os.listdir(CORPUS)):
            if f.endswith(".bpf.c"):
                build(os.path.join(CORPUS, f))
    only = set(args)
    expected = json.load(open(OUT)) if os.path.exists(OUT) else {}
    for f in sorted(os.listdir(CORPUS)):
        if f.endswith(".s"):
            assemble(os.path.join(CORPUS, f))
    for f in sorted(os.listdir(CORPUS)):
        if not f.endswith(".o") or (only and f not in only and f[:-2] not in only):
            continue
        entry = record(os.path.join(CORPUS, f), ".unpriv" in f)
        expected[f] = entry
        print(f"{f}: {'loads' if entry['loads'] else 'rejected: ' + str(entry.get('error'))}")
    with open(OUT, "w") as fh:
        json.dump(dict(sorted(expected.items())), fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
