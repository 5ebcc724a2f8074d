#!/usr/bin/env python3
# Records `bpftool prog dump xlated` of every example program (xdp/*.o and the XDP test objects under
# test/fixtures/objects/) as the running kernel's verifier rewrote them, in every output mode, for
# test/inspect/dump-xlated-parity.test.ts. Needs root, bpffs at /sys/fs/bpf and bpftool; users and CI
# never rerun it (the recordings are committed). Usage: sudo test/inspect/record-xlated.py [xdp/NAME.o ...]
#
# Writes test/inspect/fixtures/xlated/<set>/<object>/<prog>.<mode> with <set> = xdp | objects | inspect and
# modes plain.txt, linum.txt, opcodes.txt, json (-j), linum.json, opcodes.json, visual.dot
# (bpftool v7.1 takes one keyword at a time),
# plus meta.json: kernel/bpftool versions, per program its id/tag/map_ids, and map id -> kernel map name
# (so tests can compare `map[id:N]` by the map it names).
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "fixtures", "xlated")
PIN = "/sys/fs/bpf/xdpsim-record-xlated"
OBJECTS = ["calls", "globals", "maps", "kinds", "tailcall", "v4", "core_local"]
INSPECT = ["rewrites"]  # test/inspect/fixtures/rewrites.bpf.c: the rewrites the examples do not reach
PINNED_BY_NAME = ["/sys/fs/bpf/pinned_cfg"]  # maps.o pins one map by name (LIBBPF_PIN_BY_NAME)

MODES = [
    ("plain.txt", []),
    ("linum.txt", ["linum"]),
    ("opcodes.txt", ["opcodes"]),
    ("json", ["-j"]),
    ("linum.json", ["-j", "linum"]),
    ("opcodes.json", ["-j", "opcodes"]),
    ("visual.dot", ["visual"]),
]


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


def dump_args(mode_args, pinned):
    j = [a for a in mode_args if a == "-j"]
    words = [a for a in mode_args if a != "-j"]
    return ["bpftool", *j, "prog", "dump", "xlated", "pinned", pinned, *words]


def record(obj, dest):
    name = os.path.splitext(os.path.basename(obj))[0]
    progdir = os.path.join(PIN, name)
    mapdir = os.path.join(PIN, name + "-maps")
    existed = [p for p in PINNED_BY_NAME if os.path.exists(p)]
    # Pinning the maps keeps a prog array's entries alive while the programs are dumped.
    args = ["bpftool", "prog", "loadall", obj, progdir]
    if not any(os.path.exists(p) for p in PINNED_BY_NAME) and name != "maps":
        args += ["pinmaps", mapdir]
    run(*args)
    try:
        os.makedirs(dest, exist_ok=True)
        meta = {"object": os.path.relpath(obj, REPO), "kernel": os.uname().release,
                "bpftool": run("bpftool", "version").splitlines()[0], "programs": {}, "maps": {}}
        for p in sorted(os.listdir(progdir)):
            pinned = os.path.join(progdir, p)
            info = json.loads(run("bpftool", "-j", "prog", "show", "pinned", pinned))
            meta["programs"][info["name"]] = {k: info[k] for k in ("id", "tag", "bytes_xlated", "map_ids") if k in info}
            for mid in info.get("map_ids", []):
                m = json.loads(run("bpftool", "-j", "map", "show", "id", str(mid)))
                meta["maps"][str(mid)] = m["name"]
            for suffix, mode in MODES:
                if mode == ["visual"]:
                    # bpftool v7.1 crashes (SIGSEGV) drawing some multi-function programs: record what worked.
                    r = subprocess.run(dump_args(mode, pinned), capture_output=True, text=True)
                    if r.returncode != 0:
                        meta.setdefault("visual_failed", []).append(p)
                        continue
                    out = r.stdout
                else:
                    out = run(*dump_args(mode, pinned))
                with open(os.path.join(dest, f"{p}.{suffix}"), "w") as f:
                    f.write(out)
        with open(os.path.join(dest, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)
            f.write("\n")
    finally:
        shutil.rmtree(progdir, ignore_errors=True)
        shutil.rmtree(mapdir, ignore_errors=True)
        for p in PINNED_BY_NAME:
            if p not in existed and os.path.exists(p):
                os.unlink(p)


def main():
    targets = []
    if len(sys.argv) > 1:
        for a in sys.argv[1:]:
            path = os.path.abspath(a)
            parent = os.path.dirname(path)
            kind = ("objects" if parent.endswith(os.path.join("fixtures", "objects"))
                    else "inspect" if parent == os.path.join(HERE, "fixtures") else "xdp")
            targets.append((path, kind))
    else:
        xdp = os.path.join(REPO, "xdp")
        targets += [(os.path.join(xdp, f), "xdp") for f in sorted(os.listdir(xdp)) if f.endswith(".o")]
        targets += [(os.path.join(REPO, "test/fixtures/objects", n + ".o"), "objects") for n in OBJECTS]
        targets += [(os.path.join(HERE, "fixtures", n + ".o"), "inspect") for n in INSPECT]
    os.makedirs(PIN, exist_ok=True)
    try:
        for path, kind in targets:
            name = os.path.splitext(os.path.basename(path))[0]
            record(path, os.path.join(OUT, kind, name))
            print("recorded", kind, name)
    finally:
        shutil.rmtree(PIN, ignore_errors=True)


if __name__ == "__main__":
    main()
