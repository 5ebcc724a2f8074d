#!/usr/bin/env python3
"""write-manifest.py - describe every kernel fixture in test/kernel/fixtures/MANIFEST.json.

Called at the end of record-all.sh (run it alone after editing fixtures by hand). Reads each
fixture's cmd.txt (the exact record-kernel.py command) and prog.json, and lists: the object and
capture (with SHA-256, so a test can tell a stale fixture from a real mismatch), the program,
the options, the equivalent `xdpsim run` arguments (the exact recording command is in the fixture's
cmd.txt), the verdict counts, the tag, the kernel and
the date. No arguments.
"""
import datetime, glob, hashlib, json, os, platform, shlex, subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join("test", "kernel", "fixtures")

MAP_INIT_NOTES = {
    "firewall-blocklist.json": "blocklist_v4: 198.51.100.22/32, 203.0.113.16/28, "
                               "65.208.228.223/32; blocklist_v6: 2001:db8:beef::53/128, "
                               "2001:db8:1::/126 (values: 8-byte hit counters, 0)",
    "lb-backends.json": "backends 0-3: 10.1.0.1-4, tx_port 0-3, MAC 02:00:00:00:01:01-04; "
                        "tx_ports (DEVMAP) empty -> bpf_redirect_map falls back to XDP_TX",
    "lb-backends-devmap.json": "the same backends; tx_ports slots 0 and 2 = ifindex 1 (lo) -> "
                               "XDP_REDIRECT for backends 0 and 2, XDP_TX for 1 and 3",
    "flowmon-routes.json": "routes (LPM {prefixlen, addr} -> {site, action}): 0.0.0.0/1 site 1; "
                           "65.208.228.0/24 site 2; 216.239.59.99/32 site 3 blackhole; "
                           "10.0.0.0/8 site 4; 192.168.0.0/16 site 5; 198.51.100.0/24 site 6 "
                           "blackhole; 203.0.113.0/24 site 7 blackhole",
}

NOTES = [
    "Recorded with test/kernel/record-kernel.py (BPF_PROG_TEST_RUN, repeat 1, one packet per "
    "call, process pinned to CPU 0). Kernel refusals are named as CONTRACT.md says: < 14 bytes "
    "-> 'runt' (EINVAL), > 3520 + 17 * 4096 bytes -> 'too-big' (ENOMEM); non-Ethernet link "
    "types are converted (synthetic Ethernet header) or 'link-type'.",
    "Per-CPU maps list every possible CPU of the recording host (possible_cpus): run the "
    "simulator with the same CPU count (--cpus) to compare maps.json.",
    "No example program lets bpf_ktime_get_ns, bpf_get_prandom_u32 or bpf_get_smp_processor_id "
    "reach a verdict, an output byte or a map, so no map is excluded from comparison.",
    "flowmon/*+cpu7 asks bpf_map_lookup_percpu_elem for CPU 7, which does not exist on a "
    "2-CPU host (NULL, counted in .bss last_cpu_missing): compare with --cpus 2 only.",
    "globals writes to the kernel trace buffer (bpf_trace_printk / bpf_trace_vprintk); the "
    "return values (characters printed) are kept in .bss and recorded in maps.json.",
    "bpftool/<program>/: bpftool's output after replaying pcaps/sample.pcap (see cmd.txt there). "
    "Load-specific fields (prog/map ids, map[id:N] in xlated dumps, loaded_at, uid, btf_id, "
    "memlock, jited size, pids) differ on every load and must be ignored; btf-*.txt/json/h come "
    "from the object file and are stable.",
    "verifier/<program>.log: log level 1 of every loaded program of the object (on success only "
    "the statistics line); <program>.level2.log.gz: log level 2 (every instruction with the "
    "register state), gzip -9n.",
    "Derived captures (cut by subset-capture.py, re-derived by record-all.sh): "
    "test/kernel/captures/mixed-subset.pcap and mixed-ng-subset.pcapng are packets "
    "0-119,900,901,1201,2499 of pcaps/mixed.pcap / mixed.pcapng; mixed-max.pcap is packets "
    "1200 (73152 B, the largest frame the kernel accepts) and 1201 (73153 B, too big).",
]


def sha256(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return None


def parse_cmd(text):
    argv = shlex.split(text)
    i = next(i for i, a in enumerate(argv) if a.endswith("record-kernel.py"))
    obj, cap, outdir, rest = argv[i + 1], argv[i + 2], argv[i + 3], argv[i + 4:]
    opts = {"prog": None, "map_init": None, "const": [], "ifindex": 1, "rx_queue": 0}
    j = 0
    while j < len(rest):
        a, v = rest[j], rest[j + 1] if j + 1 < len(rest) else None
        if a == "--prog":
            opts["prog"] = v
        elif a == "--map-init":
            opts["map_init"] = v
        elif a == "--const":
            opts["const"].append(v)
        elif a == "--ifindex":
            opts["ifindex"] = int(v)
        elif a == "--rx-queue":
            opts["rx_queue"] = int(v)
        j += 2
    return obj, cap, outdir, rest, opts


def main():
    os.chdir(ROOT)
    fixtures, kernels = [], set()
    for cmd_path in sorted(glob.glob(os.path.join(FIX, "*", "*", "cmd.txt"))):
        d = os.path.dirname(cmd_path)
        rel = os.path.relpath(d, FIX)
        if rel.split(os.sep)[0] in ("bpftool", "verifier", "map-init"):
            continue
        with open(cmd_path) as f:
            cmd = f.read().strip()
        with open(os.path.join(d, "prog.json")) as f:
            prog = json.load(f)
        obj, cap, _, rest, opts = parse_cmd(cmd)
        kernels.add(prog.get("kernel"))
        date = datetime.datetime.fromtimestamp(os.path.getmtime(os.path.join(d, "prog.json")),
                                               datetime.timezone.utc)
        fixtures.append({
            "dir": rel.replace(os.sep, "/"),
            "object": obj, "object_sha256": sha256(obj),
            "prog": prog.get("program"), "section": prog.get("section"), "tag": prog.get("tag"),
            "capture": cap, "capture_sha256": sha256(cap),
            "options": opts,
            "xdpsim_run": ["run", obj, cap, *rest, "--results", "--dump-maps",
                           "--cpus", str(prog.get("possible_cpus"))],
            "packets": prog.get("packets"), "verdicts": prog.get("verdicts"),
            "errors": prog.get("errors"), "possible_cpus": prog.get("possible_cpus"),
            "kernel": prog.get("kernel"), "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        })
    extra = {
        "bpftool": sorted(os.path.relpath(p, FIX) for p in glob.glob(os.path.join(FIX, "bpftool", "*"))),
        "verifier": sorted(os.path.relpath(p, FIX) for p in glob.glob(os.path.join(FIX, "verifier", "*"))),
        "map_init": {os.path.basename(p): MAP_INIT_NOTES.get(os.path.basename(p), "")
                     for p in sorted(glob.glob(os.path.join(FIX, "map-init", "*.json")))},
    }
    cpus = sorted({f["possible_cpus"] for f in fixtures})
    manifest = {
        "generated_by": "test/kernel/record-all.sh (test/kernel/write-manifest.py)",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kernel": sorted(k for k in kernels if k) or [platform.release()],
        "possible_cpus": cpus,
        "recording_cpu": 0,
        "tools": {"bpftool": tool_version(["bpftool", "version"]),
                  "clang (objects)": tool_version(["clang-19", "--version"]),
                  "python": platform.python_version()},
        "notes": NOTES,
        "count": len(fixtures),
        "fixtures": fixtures,
        **extra,
    }
    # One fixture per line: readable, and a third of the size of an indented dump.
    rows = manifest.pop("fixtures")
    text = json.dumps(manifest, indent=1)
    body = ",\n".join("  " + json.dumps(r) for r in rows)
    text = text[:-2] + ',\n "fixtures": [\n' + body + "\n ]\n}\n"
    json.loads(text)  # still valid JSON
    with open(os.path.join(FIX, "MANIFEST.json"), "w") as f:
        f.write(text)
    print(f"write-manifest: {len(fixtures)} fixtures -> {FIX}/MANIFEST.json")


if __name__ == "__main__":
    main()
