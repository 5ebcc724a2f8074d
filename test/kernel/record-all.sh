#!/usr/bin/env bash
# record-all.sh - re-record every kernel fixture under test/kernel/fixtures/ (needs root and a
# BPF-capable kernel; bpftool for the bpftool/ part). Run from anywhere:
#
#   sudo test/kernel/record-all.sh            # everything
#   sudo test/kernel/record-all.sh firewall   # only the fixtures of these programs
#
# For every example program (xdp/<program>.o) x capture it runs record-kernel.py into
# fixtures/<program>/<capture-stem>[+<variant>]/ (results.jsonl, maps.json, prog.json, cmd.txt).
# Variants add --prog / --map-init / --const; map-init files live in fixtures/map-init/.
# Captures: pcaps/sample.pcap, slices of pcaps/mixed.pcap(ng) (derived here into
# test/kernel/captures/, see subset-capture.py) and the real-world captures in
# test/kernel/captures/ (licenses in captures/LICENSES/).
# Then, per program: bpftool's view after a replay of sample.pcap (fixtures/bpftool/<program>/),
# BTF dumps of the object, the verifier log at level 1 and 2 (fixtures/verifier/), and finally
# fixtures/MANIFEST.json describing every fixture.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
K=test/kernel
FIX=$K/fixtures
CAP=$K/captures
MI=$FIX/map-init
REC="python3 $K/record-kernel.py"
ALL_PROGRAMS="firewall lb tailcall globals v4 adjust frags flowmon"
PROGRAMS=${*:-$ALL_PROGRAMS}

[ "$(id -u)" = 0 ] || { echo "record-all.sh: needs root (BPF_PROG_TEST_RUN, bpftool)" >&2; exit 2; }

# ---------------------------------------------------------------- derived captures
# Slices of the generated mixed capture (see subset-capture.py): 120 packets plus the boundary
# frames 900 (3520 B, the whole linear area), 901 (3521 B, first frag byte), 1201 (73153 B, too
# big) and 2499 (timestamp 2^32-1 s); the 73152-byte frame 1200 (the largest the kernel
# accepts) goes with 1201 into mixed-max.pcap, recorded only for programs that care about size.
MIXED_SPEC="0-119,900,901,1201,2499"
if [ -f pcaps/mixed.pcap ]; then
  python3 $K/subset-capture.py pcaps/mixed.pcap $CAP/mixed-subset.pcap "$MIXED_SPEC"
  python3 $K/subset-capture.py pcaps/mixed.pcapng $CAP/mixed-ng-subset.pcapng "$MIXED_SPEC"
  python3 $K/subset-capture.py pcaps/mixed.pcap $CAP/mixed-max.pcap "1200,1201"
else
  echo "record-all.sh: note: pcaps/mixed.pcap missing (run node pcaps/generate-captures.mjs)" >&2
fi
python3 $K/make-linktype-capture.py > /dev/null  # captures/linktypes.pcapng (deterministic)

# ---------------------------------------------------------------- capture sets
SAMPLE=pcaps/sample.pcap
MIXED=$CAP/mixed-subset.pcap
# Every program runs on all of these.
CORE="$SAMPLE $MIXED $CAP/http.pcap $CAP/q-in-q.pcap $CAP/802.1ad_QinQ.pcap
  $CAP/vlan-pcp-dei.pcapng $CAP/ipv6_ext_headers.pcap $CAP/ipv6-hbh-routing0.pcap
  $CAP/gso-ipv4-vxlan-ipv4.pcap $CAP/linux_dlt_sll2.pcap $CAP/linuxsll-arp.pcap
  $CAP/LINKTYPE_RAW_ipv4.pcap $CAP/test001-be.pcapng $CAP/IcmpPackets.pcap $CAP/4in4.pcap
  $CAP/6in4.pcap $CAP/trunc-hdr.pcap $CAP/icmp6_mobileprefix_asan.pcap
  $CAP/truncated-header.pcap $CAP/get-to-ssh-server.pcap $CAP/esp_truncated.pcap
  $CAP/test_dns.pcap $CAP/fragmented-1.pcap $CAP/vxlan.pcap $CAP/linktypes.pcapng"
# Captures that mostly exercise the capture readers (pcapng sections / interfaces / link types,
# SPBs, big-endian, gzip) or are long: the firewall only (VLAN-heavy ones also lb, tailcall).
READERS="$CAP/mixed-ng-subset.pcapng $CAP/many_interfaces-1.pcapng $CAP/test201.pcapng
  $CAP/test010.pcapng $CAP/pptp.pcap $CAP/ftp-many-port-expected.pcap.gz"
VLANS="$CAP/vlan-collisions.pcap"
# Big frames (frags): only for the programs that look past the linear area or change size.
BIG="$CAP/ipv6_jumbogram_1.pcap $CAP/no-frag-ip-ids.pcap $CAP/mixed-max.pcap"
# Captures for the non-default variants.
FEW="$SAMPLE"

exists() { for c in "$@"; do [ -f "$c" ] && echo "$c"; done; }
stem() { local b; b=$(basename "$1"); b=${b%.gz}; echo "${b%.*}"; }

# record PROGRAM VARIANT CAPTURE [record-kernel options...]
# VARIANT "-" is the program's default; the fixture directory is <capture-stem>[+VARIANT].
record() {
  local program=$1 variant=$2 capture=$3
  shift 3
  local dir=$FIX/$program/$(stem "$capture")
  [ "$variant" != - ] && dir="$dir+$variant"
  rm -rf "$dir"
  mkdir -p "$dir"
  local cmd=($REC xdp/$program.o "$capture" "$dir" "$@")
  printf '%s\n' "${cmd[*]}" > "$dir/cmd.txt"
  if ! "${cmd[@]}" > "$dir/record.log" 2>&1; then
    echo "record-all.sh: FAILED: ${cmd[*]}" >&2
    cat "$dir/record.log" >&2
    exit 1
  fi
  echo "$program $(basename "$dir"): $(tail -1 "$dir/record.log")"
  rm -f "$dir/record.log"
}

for program in $PROGRAMS; do
  rm -rf "${FIX:?}/$program"
  case $program in
    firewall)
      for c in $(exists $CORE $READERS $VLANS $CAP/no-frag-ip-ids.pcap); do record firewall - "$c"; done
      for c in $(exists $FEW $MIXED $CAP/http.pcap); do
        record firewall blocklist "$c" --map-init $MI/firewall-blocklist.json \
          --const responder_ipv4=0xc6336401 --const dns_ifindex=0 --const block_telnet=0
      done ;;
    lb)
      for c in $(exists $CORE $VLANS); do record lb - "$c"; done
      for c in $(exists $FEW $MIXED $CAP/http.pcap $VLANS $CAP/gso-ipv4-vxlan-ipv4.pcap); do
        record lb devmap "$c" --map-init $MI/lb-backends-devmap.json
      done
      for c in $(exists $FEW); do
        record lb backends "$c" --map-init $MI/lb-backends.json --const num_backends=3
        record lb vip "$c" --map-init $MI/lb-backends-devmap.json --const vip=0xcb007150 --const vip_port=443
      done ;;
    tailcall)
      for c in $(exists $CORE $VLANS); do record tailcall - "$c" --prog xdp_dispatch; done
      for c in $(exists $FEW $CAP/test_dns.pcap); do
        record tailcall loop "$c" --prog xdp_dispatch --const loop_proto=17
      done
      for c in $(exists $FEW $MIXED); do
        record tailcall synlimit "$c" --prog xdp_dispatch --const syn_limit=0
      done ;;
    globals)
      for c in $(exists $CORE); do record globals - "$c"; done
      for c in $(exists $FEW $CAP/get-to-ssh-server.pcap); do
        record globals quiet "$c" --const verbose=0 --const max_frame=100
        record globals every3 "$c" --const print_every=3 --const len_bias=-100000
      done ;;
    v4)
      for c in $(exists $CORE); do record v4 - "$c"; done
      for c in $(exists $FEW $MIXED); do record v4 strict "$c" --const max_back=0 --const avg_bucket=7; done ;;
    adjust)
      for c in $(exists $CORE $CAP/no-frag-ip-ids.pcap); do record adjust - "$c" --prog xdp_encap; done
      for c in $(exists $CAP/http.pcap $CAP/4in4.pcap $CAP/6in4.pcap $CAP/gso-ipv4-vxlan-ipv4.pcap); do
        record adjust decap "$c" --prog xdp_decap
      done
      for p in xdp_snap xdp_trailer xdp_vlan_meta; do
        for c in $(exists $FEW $MIXED $CAP/gso-ipv4-vxlan-ipv4.pcap $CAP/trunc-hdr.pcap \
                          $CAP/linux_dlt_sll2.pcap $CAP/no-frag-ip-ids.pcap $CAP/mixed-max.pcap); do
          record adjust ${p#xdp_} "$c" --prog $p
        done
      done
      for c in $(exists $CAP/ipv6_jumbogram_1.pcap); do record adjust snap "$c" --prog xdp_snap; done
      for c in $(exists $FEW); do
        record adjust snap60 "$c" --prog xdp_snap --const snap_len=60
        record adjust vlan4095 "$c" --prog xdp_vlan_meta --const vlan_id=4095 --const meta_mark=0xffffffff
      done ;;
    frags)
      for c in $(exists $CORE $BIG); do record frags - "$c"; done
      for c in $(exists $FEW $MIXED $CAP/gso-ipv4-vxlan-ipv4.pcap $CAP/no-frag-ip-ids.pcap); do
        record frags drop "$c" --const fix_csum=0 --const encap_overhead=-14
      done ;;
    flowmon)
      for c in $(exists $CORE); do record flowmon - "$c"; done
      for c in $(exists $FEW $MIXED $CAP/http.pcap); do
        record flowmon routes "$c" --map-init $MI/flowmon-routes.json
      done
      for c in $(exists $FEW); do
        record flowmon cpu7 "$c" --map-init $MI/flowmon-routes.json --const last_cpu=7
      done ;;
    *) echo "record-all.sh: unknown program '$program' (have: $ALL_PROGRAMS)" >&2; exit 2 ;;
  esac

  # ---------------------------------------------------------------- bpftool, BTF, verifier
  bt=$FIX/bpftool/$program
  rm -rf "$bt"
  mkdir -p "$bt" "$FIX/verifier"
  case $program in
    lb) extra=(--map-init $MI/lb-backends-devmap.json) ;;
    flowmon) extra=(--map-init $MI/flowmon-routes.json) ;;
    firewall) extra=(--map-init $MI/firewall-blocklist.json) ;;
    tailcall) extra=(--prog xdp_dispatch) ;;
    adjust) extra=(--prog xdp_encap) ;;
    *) extra=() ;;
  esac
  cmd=($REC xdp/$program.o $SAMPLE /tmp/xdpsim-record-$$ "${extra[@]}" --bpftool-dir "$bt")
  printf '%s\n' "${cmd[*]}" > "$bt/cmd.txt"
  "${cmd[@]}" > /dev/null
  cp /tmp/xdpsim-record-$$/maps.json "$bt/maps.json"  # the same state in CONTRACT.md's shape
  rm -rf /tmp/xdpsim-record-$$
  bpftool btf dump file xdp/$program.o format raw > "$bt/btf-raw.txt"
  bpftool -j btf dump file xdp/$program.o format raw > "$bt/btf-raw.json"
  bpftool btf dump file xdp/$program.o format c > "$bt/btf-c.h"
  for level in 1 2; do
    log=$FIX/verifier/$program.log
    [ $level = 2 ] && log=$FIX/verifier/$program.level2.log
    $REC xdp/$program.o $SAMPLE /tmp/xdpsim-record-$$ "${extra[@]}" \
      --verifier-log "$log" --log-level $level > /dev/null
    rm -rf /tmp/xdpsim-record-$$
  done
  gzip -9nf "$FIX/verifier/$program.level2.log"
done

python3 $K/write-manifest.py
