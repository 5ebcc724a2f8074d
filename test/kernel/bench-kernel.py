#!/usr/bin/env python3
"""bench-kernel.py - the kernel's own speed on a capture: BPF_PROG_TEST_RUN in repeat mode.

The yardstick behind reports/benchmarks.md (`npm run bench`). Loads one XDP program the way
record-kernel.py does (libbpf.so.1 through ctypes, same program choice, --map-init, --const;
root or CAP_BPF+CAP_PERFMON+CAP_NET_ADMIN), then runs every packet of the capture with
BPF_PROG_TEST_RUN and `repeat` = N. The kernel returns `duration`: the mean ns of one run over
the N repeats, timed by the kernel around its own loop (program + the test-run loop's per-
iteration cost, no syscall). The figure is the mean of those durations over the packets that run
(each packet weighs the same; packets the kernel refuses - runts, too big, other link types -
are counted in "skipped").

  python3 test/kernel/bench-kernel.py OBJECT.o CAPTURE [--prog NAME] [--map-init FILE.json]
      [--const NAME=VALUE ...] [--ifindex N] [--rx-queue N] [--repeat N (100)] [--rounds R (1)]

Prints one JSON object on stdout:
  {"program": "xdp_firewall", "packets": 217, "skipped": 0, "repeat": 100, "rounds": 1,
   "ns_per_packet": 23.4, "pps": 42735042.7, "cpu": 0, "attached": true, "kernel": "6.x"}

Notes. With repeat > 1 the kernel puts the program into its XDP dispatcher for the call and takes
it out again (a dispatcher rewrite + RCU wait, ~30 ms per call); to avoid that the program is also
attached in generic mode to `lo` of a private network namespace made for this process, which
keeps it in the dispatcher (--no-attach turns this off). The kernel re-runs the program on the
SAME buffer in repeat mode, so a program that rewrites the packet sees its own output from the
second repeat on (xdpsim bench restarts from the captured bytes). Maps carry over. The process
is pinned to one CPU. Exit 0, or 2 on bad input / load failure.
"""
import argparse, ctypes, errno, importlib.util, json, os, sys
from ctypes import byref, sizeof

sys.dont_write_bytecode = True
_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("record_kernel", os.path.join(_here, "record-kernel.py"))
rk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rk)

XDP_FLAGS_SKB_MODE = 1 << 1
CLONE_NEWNET = 0x40000000
DATA_OUT_SLACK = 4096  # room for adjust_head / adjust_tail growth in data_out


def private_netns():
    """Move this process into a new, empty network namespace (its own `lo`); None on success."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        return f"unshare(CLONE_NEWNET): {os.strerror(ctypes.get_errno())}"
    return None


def attach_generic(lib, prog_fd):
    """Attach in generic (SKB) mode to this namespace's lo (ifindex 1); False if refused."""
    fn = lib.bpf_xdp_attach
    fn.restype, fn.argtypes = ctypes.c_int, [ctypes.c_int, ctypes.c_int, ctypes.c_uint32, ctypes.c_void_p]
    rc = fn(1, prog_fd, XDP_FLAGS_SKB_MODE, None)
    if rc:
        print(f"bench-kernel: note: generic XDP attach failed ({rk.errname(rc)}); each test run "
              "now pays a dispatcher update", file=sys.stderr)
        return False
    return True


def frames(path):
    """Ethernet frames of a capture the kernel would run, and the count of the others."""
    out, skipped = [], 0
    for linktype, pkt in rk.read_capture(path):
        frame, err = rk.to_ethernet(linktype, pkt)
        if err or frame is None or len(frame) < rk.ETH_HLEN or len(frame) > rk.FRAME_LIMIT:
            skipped += 1
            continue
        out.append(bytes(frame))
    return out, skipped


def bench(lib, prog_fd, pkts, ifindex, rxq, repeat, rounds):
    """Mean duration (ns) per packet over `rounds` passes; packets the kernel refuses are dropped."""
    sums, refused = [0] * len(pkts), set()
    for _ in range(rounds):
        for i, pkt in enumerate(pkts):
            if i in refused:
                continue
            n = len(pkt)
            din = ctypes.create_string_buffer(pkt, n)
            dout = ctypes.create_string_buffer(n + DATA_OUT_SLACK)
            md = rk.XdpMd(data=0, data_end=n, data_meta=0, ingress_ifindex=ifindex,
                          rx_queue_index=rxq, egress_ifindex=0)
            o = rk.TestRunOpts(sz=sizeof(rk.TestRunOpts), data_in=ctypes.addressof(din),
                               data_out=ctypes.addressof(dout), data_size_in=n,
                               data_size_out=n + DATA_OUT_SLACK, ctx_in=ctypes.addressof(md),
                               ctx_size_in=sizeof(rk.XdpMd), repeat=repeat)
            if lib.bpf_prog_test_run_opts(prog_fd, byref(o)):
                refused.add(i)
                continue
            sums[i] += o.duration
    per = [sums[i] / rounds for i in range(len(pkts)) if i not in refused]
    return per, len(refused)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("object")
    ap.add_argument("capture")
    ap.add_argument("--prog")
    ap.add_argument("--map-init")
    ap.add_argument("--const", action="append", default=[])
    ap.add_argument("--ifindex", type=int, default=1)
    ap.add_argument("--rx-queue", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-attach", action="store_true")
    args = ap.parse_args()
    if args.repeat < 1 or args.rounds < 1:
        rk.die("--repeat and --rounds must be >= 1")
    try:
        pkts, skipped = frames(args.capture)
    except (OSError, rk.RecordError) as exc:
        rk.die(str(exc))
    consts = args.const  # NAME=VALUE strings, parsed by record-kernel.set_consts
    attach = not args.no_attach
    if attach:
        err = private_netns()
        if err:
            print(f"bench-kernel: note: {err}; not attaching", file=sys.stderr)
            attach = False
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    lib = rk.load_libbpf()
    ncpu = lib.libbpf_num_possible_cpus()
    obj = lib.bpf_object__open_file(args.object.encode(), None)
    if not obj:
        rk.die(f"{args.object}: bpf_object__open_file failed: {rk.errname(ctypes.get_errno())}")
    attached = False
    try:
        (prog, prog_name, _sec), progs, _logs = rk.select_programs(lib, obj, args.prog, 1 << 20, 0)
        maps = {}
        for p in rk.iter_ptrs(lib.bpf_object__next_map, obj):
            lib.bpf_map__set_pin_path(p, None)
            m = rk.Map(lib, p)
            maps[m.name] = m
        if consts:
            rk.set_consts(lib, obj, maps, consts)
        rc = lib.bpf_object__load(obj)
        if rc:
            rk.die(f"{args.object}: bpf_object__load failed: {rk.errname(rc)}")
        for m in maps.values():
            m.fd = lib.bpf_map__fd(m.ptr)
        if args.map_init:
            prog_fds = {n: lib.bpf_program__fd(p) for p, n, s in progs if s.startswith("xdp")}
            rk.apply_map_init(lib, maps, args.map_init, ncpu, prog_fds)
        fd = lib.bpf_program__fd(prog)
        if attach:
            attached = attach_generic(lib, fd)
        per, refused = bench(lib, fd, pkts, args.ifindex, args.rx_queue, args.repeat, args.rounds)
    finally:
        lib.bpf_object__close(obj)
    if not per:
        rk.die(f"{args.capture}: no packet ran ({skipped + refused} not run)")
    mean = sum(per) / len(per)
    print(json.dumps({"program": prog_name, "packets": len(per), "skipped": skipped + refused,
                      "repeat": args.repeat, "rounds": args.rounds, "ns_per_packet": round(mean, 3),
                      "pps": round(1e9 / mean, 1) if mean else None, "cpu": cpu,
                      "attached": attached, "kernel": os.uname().release}))


if __name__ == "__main__":
    main()
