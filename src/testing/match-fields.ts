// `match:` expectations: a packet's dissected header fields against src/dst (address or CIDR),
// proto, ports, VLAN id and ethertype. README "Regression tests"; spec.schema.json "match".

import { UsageError } from "../errors.js";
import { parseIpv4, parseIpv6 } from "./build-packet.js";
import type { FieldMatch } from "./load-spec.js";
import type { PacketSummary } from "./summarize-packet.js";

const PROTOS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmp6: 58, icmpv6: 58 };

/** True when every given field matches; `where` names the spec place for a bad value. */
export function matchFields(m: FieldMatch, s: PacketSummary, where: string): boolean {
  if (m.proto !== undefined) {
    const p = typeof m.proto === "number" ? m.proto : m.proto.toLowerCase();
    if (p === "arp") { if (s.ethertype !== 0x0806) return false; }
    else if (p === "ipv4" || p === "ip") { if (s.ipVersion !== 4) return false; }
    else if (p === "ipv6" || p === "ip6") { if (s.ipVersion !== 6) return false; }
    else {
      const n = typeof p === "number" ? p : PROTOS[p];
      if (n === undefined) throw new UsageError(`${where}.proto: unknown protocol ${JSON.stringify(m.proto)}`);
      if (s.ipVersion === 0 || s.proto !== n) return false;
    }
  }
  if (m.src !== undefined && !addrMatches(m.src, s.src, `${where}.src`)) return false;
  if (m.dst !== undefined && !addrMatches(m.dst, s.dst, `${where}.dst`)) return false;
  if (m.sport !== undefined && s.sport !== m.sport) return false;
  if (m.dport !== undefined && s.dport !== m.dport) return false;
  if (m.port !== undefined && s.sport !== m.port && s.dport !== m.port) return false;
  if (m.vlan !== undefined && !s.vlans.includes(m.vlan)) return false;
  if (m.ethertype !== undefined && s.ethertype !== m.ethertype) return false;
  return true;
}

function addrMatches(pattern: string, addr: string, where: string): boolean {
  if (!addr) return false;
  const [net, lenText] = pattern.split("/");
  const v6 = net.includes(":");
  if (v6 !== addr.includes(":")) return false;
  const parse = (t: string): number[] => {
    try {
      return v6 ? parseIpv6(t, where) : parseIpv4(t, where);
    } catch (e) {
      throw new UsageError(`${where}: ${(e as Error).message.replace(/^[^:]*: /, "")}`);
    }
  };
  const a = parse(net), b = parse(addr);
  const bits = lenText === undefined ? a.length * 8 : Number(lenText);
  for (let k = 0; k < bits; k++) {
    const byte = k >> 3, bit = 0x80 >> (k & 7);
    if ((a[byte] & bit) !== (b[byte] & bit)) return false;
  }
  return true;
}
