// Dissects an Ethernet frame just far enough for test output and field filters: VLAN tags,
// IPv4/IPv6 addresses, L4 protocol and ports, ICMP type. Spec: IEEE 802.1Q, RFC 791, RFC 8200.

export interface PacketSummary {
  ethertype: number;
  vlans: number[];
  ipVersion: 0 | 4 | 6;
  src: string;
  dst: string;
  /** IP protocol / next header (after IPv6 extension headers), -1 when not IP. */
  proto: number;
  sport: number;
  dport: number;
  icmpType: number;
}

const PROTO_NAMES: Record<number, string> = { 1: "icmp", 6: "tcp", 17: "udp", 58: "icmp6" };

/** Parse what is there; missing parts stay empty (-1 / ""). Never throws. */
export function summarizePacket(b: Uint8Array): PacketSummary {
  const s: PacketSummary = { ethertype: -1, vlans: [], ipVersion: 0, src: "", dst: "", proto: -1, sport: -1, dport: -1, icmpType: -1 };
  if (b.length < 14) return s;
  let et = (b[12] << 8) | b[13];
  let off = 14;
  while ((et === 0x8100 || et === 0x88a8) && off + 4 <= b.length) {
    s.vlans.push(((b[off] << 8) | b[off + 1]) & 0xfff);
    et = (b[off + 2] << 8) | b[off + 3];
    off += 4;
  }
  s.ethertype = et;
  let l4 = -1;
  if (et === 0x0800 && off + 20 <= b.length) {
    s.ipVersion = 4;
    s.src = formatIpv4(b, off + 12);
    s.dst = formatIpv4(b, off + 16);
    s.proto = b[off + 9];
    const fragOff = ((b[off + 6] << 8) | b[off + 7]) & 0x1fff;
    if (fragOff === 0) l4 = off + (b[off] & 0xf) * 4;
  } else if (et === 0x86dd && off + 40 <= b.length) {
    s.ipVersion = 6;
    s.src = formatIpv6(b, off + 8);
    s.dst = formatIpv6(b, off + 24);
    let nh = b[off + 6];
    let p = off + 40;
    for (let k = 0; k < 8 && (nh === 0 || nh === 43 || nh === 60 || nh === 44) && p + 8 <= b.length; k++) {
      const next = b[p];
      if (nh === 44) {
        if ((((b[p + 2] << 8) | b[p + 3]) & 0xfff8) !== 0) { nh = next; p = -1; break; }
        p += 8;
      } else p += (b[p + 1] + 1) * 8;
      nh = next;
    }
    s.proto = nh;
    l4 = p;
  }
  if (l4 >= 0) {
    if ((s.proto === 6 || s.proto === 17) && l4 + 4 <= b.length) {
      s.sport = (b[l4] << 8) | b[l4 + 1];
      s.dport = (b[l4 + 2] << 8) | b[l4 + 3];
    } else if ((s.proto === 1 || s.proto === 58) && l4 + 1 <= b.length) {
      s.icmpType = b[l4];
    }
  }
  return s;
}

/** `tcp 192.0.2.66:40001 > 10.0.0.5:22`, `icmp 10.0.0.1 > 10.0.0.5 type 8`, `arp`, `ethertype 0x88cc`. */
export function formatSummary(s: PacketSummary): string {
  const vlan = s.vlans.length ? `vlan ${s.vlans.join(".")} ` : "";
  if (s.ipVersion === 0) {
    if (s.ethertype === 0x0806) return `${vlan}arp`;
    return s.ethertype < 0 ? "runt" : `${vlan}ethertype 0x${s.ethertype.toString(16).padStart(4, "0")}`;
  }
  const name = PROTO_NAMES[s.proto] ?? `proto ${s.proto}`;
  const ep = (a: string, port: number): string => (port < 0 ? a : s.ipVersion === 6 ? `[${a}]:${port}` : `${a}:${port}`);
  const icmp = s.icmpType >= 0 ? ` type ${s.icmpType}` : "";
  return `${vlan}${name} ${ep(s.src, s.sport)} > ${ep(s.dst, s.dport)}${icmp}`;
}

export function formatIpv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form (longest zero run compressed). */
export function formatIpv6(b: Uint8Array, o: number): string {
  const w: number[] = [];
  for (let k = 0; k < 8; k++) w.push((b[o + 2 * k] << 8) | b[o + 2 * k + 1]);
  let bestAt = -1, bestLen = 1;
  for (let k = 0; k < 8;) {
    if (w[k] !== 0) { k++; continue; }
    let e = k;
    while (e < 8 && w[e] === 0) e++;
    if (e - k > bestLen) { bestAt = k; bestLen = e - k; }
    k = e;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(w);
  return `${hex(w.slice(0, bestAt))}::${hex(w.slice(bestAt + bestLen))}`;
}
