#!/usr/bin/env bash
# check-against-reference.sh - cross-check test/kernel/record-kernel.py against the project's
# reference oracle kernel_replay.py (the shared tool the fixtures' shapes come from). Needs root.
#
#   sudo test/kernel/check-against-reference.sh [path/to/kernel_replay.py]
#
# Runs both tools on the same object/capture/options and requires byte-identical results.jsonl
# and maps.json, modulo the documented naming differences: the reference names kernel refusals
# by errno ("EINVAL" for < 14 bytes, "ENOMEM" for too big) where CONTRACT.md and
# record-kernel.py say "runt" / "too-big", and it prints "UNKNOWN(N)" for actions > 4 where
# CONTRACT.md says "XDP_ABORTED". The reference reads only classic Ethernet pcap, so pcapng
# inputs are converted for it with `editcap -F pcap` (skipped when editcap is missing) and
# gzip inputs are decompressed; record-kernel.py always reads the original file, which also
# checks its pcapng / gzip / big-endian / nanosecond readers. Finally the tags in the fixtures'
# prog.json are compared with bpftool's (fixtures/bpftool/<program>/prog-show.*.json).
# Exit 0 when every pair matches, 1 otherwise.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
REF=${1:-${KERNEL_REPLAY:-$ROOT/../shared/tools/kernel_replay.py}}
K=test/kernel
CAP=$K/captures
MI=$K/fixtures/map-init
[ -f "$REF" ] || { echo "check-against-reference: no reference at $REF (pass its path)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "check-against-reference: needs root" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skip=0 n=0

# check OBJECT CAPTURE [options...]
check() {
  local obj=$1 cap=$2
  shift 2
  n=$((n + 1))
  local d=$TMP/$n refcap=$cap label="$(basename "$obj") $(basename "$cap") $*"
  mkdir -p "$d"
  case $cap in
    *.gz) refcap=$d/in.pcap; gzip -dc "$cap" > "$refcap" ;;
  esac
  if [ "$(head -c4 "$refcap" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ]; then
    if ! command -v editcap > /dev/null; then
      echo "SKIP  $label (pcapng; editcap not installed)"; skip=$((skip + 1)); return
    fi
    editcap -F pcap "$refcap" "$d/in.pcap" 2> "$d/editcap.err" ||
      { echo "SKIP  $label (editcap: $(head -1 "$d/editcap.err"))"; skip=$((skip + 1)); return; }
    refcap=$d/in.pcap
  fi
  if ! python3 "$REF" "$obj" "$refcap" "$d/ref" "$@" > "$d/ref.log" 2>&1; then
    echo "SKIP  $label (reference: $(tail -1 "$d/ref.log"))"; skip=$((skip + 1)); return
  fi
  if ! python3 $K/record-kernel.py "$obj" "$cap" "$d/rec" "$@" > "$d/rec.log" 2>&1; then
    echo "FAIL  $label (record-kernel.py: $(tail -1 "$d/rec.log"))"; fail=$((fail + 1)); return
  fi
  # The reference's spellings -> CONTRACT.md's.
  sed -e 's/"error": "EINVAL"/"error": "runt"/' -e 's/"error": "ENOMEM"/"error": "too-big"/' \
      -e 's/"verdict": "UNKNOWN([0-9]*)"/"verdict": "XDP_ABORTED"/' \
      "$d/ref/results.jsonl" > "$d/ref/results.norm.jsonl"
  local lines why=""
  lines=$(wc -l < "$d/rec/results.jsonl")
  cmp -s "$d/ref/results.norm.jsonl" "$d/rec/results.jsonl" ||
    why="results.jsonl differs: $(diff "$d/ref/results.norm.jsonl" "$d/rec/results.jsonl" | head -2 | cut -c1-160 | tr '\n' ' ')"
  cmp -s "$d/ref/maps.json" "$d/rec/maps.json" ||
    why="$why maps.json differs: $(diff "$d/ref/maps.json" "$d/rec/maps.json" | head -2 | cut -c1-160 | tr '\n' ' ')"
  if [ -z "$why" ]; then
    echo "PASS  $label ($lines packets; $(grep -o '"error": "[a-z-]*"' "$d/rec/results.jsonl" | sort | uniq -c | tr -s ' ' | tr '\n' ';'))"
    pass=$((pass + 1))
  else
    echo "FAIL  $label: $why"; fail=$((fail + 1))
  fi
}

# firewall: the demo, runts, too-big, VLANs, pcapng (LE/BE), gzip, jumbogram, a map-init
check xdp/firewall.o pcaps/sample.pcap
check xdp/firewall.o pcaps/mixed.pcap
check xdp/firewall.o pcaps/mixed-ns.pcap
check xdp/firewall.o $CAP/http.pcap --map-init $MI/firewall-blocklist.json --const responder_ipv4=0xc6336401 --const dns_ifindex=0
check xdp/firewall.o $CAP/vlan-collisions.pcap
check xdp/firewall.o $CAP/802.1ad_QinQ.pcap
check xdp/firewall.o $CAP/IcmpPackets.pcap
check xdp/firewall.o $CAP/test001-be.pcapng
check xdp/firewall.o $CAP/vlan-pcp-dei.pcapng
check xdp/firewall.o $CAP/ftp-many-port-expected.pcap.gz
check xdp/firewall.o $CAP/ipv6_jumbogram_1.pcap
check xdp/firewall.o $CAP/trunc-hdr.pcap
check xdp/firewall.o $CAP/icmp6_mobileprefix_asan.pcap
check xdp/firewall.o $CAP/esp_truncated.pcap
# lb: BPF-to-BPF calls, devmap redirect and fallback
check xdp/lb.o pcaps/sample.pcap --map-init $MI/lb-backends-devmap.json
check xdp/lb.o $CAP/http.pcap --map-init $MI/lb-backends.json --const num_backends=3
check xdp/lb.o pcaps/mixed.pcap --map-init $MI/lb-backends-devmap.json --const vip=0xcb007150 --const vip_port=443
# tailcall: static prog array, chains, the 33-call limit
check xdp/tailcall.o pcaps/sample.pcap --prog xdp_dispatch
check xdp/tailcall.o $CAP/http.pcap --prog xdp_dispatch --const loop_proto=17
check xdp/tailcall.o pcaps/mixed.pcap --prog xdp_dispatch --const syn_limit=0
# globals: .rodata/.data/.bss, printk return values
check xdp/globals.o pcaps/sample.pcap
check xdp/globals.o $CAP/get-to-ssh-server.pcap --const print_every=3 --const len_bias=-100000
# v4: ISA v4 instructions
check xdp/v4.o pcaps/mixed.pcap --const max_back=0 --const avg_bucket=7
check xdp/v4.o $CAP/http.pcap
# adjust: head/tail/meta, frags
for p in xdp_encap xdp_decap xdp_snap xdp_trailer xdp_vlan_meta; do
  check xdp/adjust.o pcaps/sample.pcap --prog $p
  check xdp/adjust.o $CAP/mixed-max.pcap --prog $p
done
check xdp/adjust.o $CAP/4in4.pcap --prog xdp_decap
check xdp/adjust.o $CAP/gso-ipv4-vxlan-ipv4.pcap --prog xdp_trailer
check xdp/adjust.o $CAP/ipv6_jumbogram_1.pcap --prog xdp_snap --const snap_len=60
# frags: load/store bytes across frags, bpf_loop, csum_diff, check_mtu
check xdp/frags.o $CAP/gso-ipv4-vxlan-ipv4.pcap
check xdp/frags.o $CAP/no-frag-ip-ids.pcap --const fix_csum=0
check xdp/frags.o pcaps/mixed.pcap
# flowmon: ringbuf filling up, small LRU evicting, queue/stack, percpu hash
check xdp/flowmon.o pcaps/mixed.pcap --map-init $MI/flowmon-routes.json
check xdp/flowmon.o pcaps/sample.pcap --map-init $MI/flowmon-routes.json --const last_cpu=7
check xdp/flowmon.o $CAP/pptp.pcap

# Tags: fixture prog.json vs bpftool prog show.
tags_ok=0 tags_bad=0
for f in $K/fixtures/bpftool/*/prog-show.*.json; do
  [ -f "$f" ] || continue
  prog=$(basename "$f" .json); prog=${prog#prog-show.}
  program=$(basename "$(dirname "$f")")
  want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tag"])' "$f")
  got=$(python3 -c '
import glob, json, sys
for p in glob.glob(sys.argv[1] + "/*/prog.json"):
    j = json.load(open(p))
    if j.get("program") == sys.argv[2]: print(j["tag"]); break
    for o in j.get("other_programs", []):
        if o["program"] == sys.argv[2]: print(o["tag"]); sys.exit()' "$K/fixtures/$program" "$prog")
  if [ "$want" = "$got" ]; then tags_ok=$((tags_ok + 1)); else
    echo "FAIL  tag of $program/$prog: bpftool $want, prog.json ${got:-missing}"; tags_bad=$((tags_bad + 1)); fi
done
echo "tags: $tags_ok match bpftool, $tags_bad differ"
echo "pairs: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ] && [ $tags_bad = 0 ]
