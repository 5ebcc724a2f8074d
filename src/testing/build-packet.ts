// Builds an Ethernet frame from a few header fields (eth, vlan, ipv4/ipv6, tcp/udp/icmp, payload)
// with correct lengths and checksums. Spec: RFC 791, 793, 768, 792, 4443, 8200; IEEE 802.1Q.

/** Header fields of an inline spec packet (README "Regression tests", spec.schema.json "fields"). */
export interface PacketFields {
  eth?: { src?: string; dst?: string; type?: number };
  vlan?: number | { id: number; pcp?: number; tpid?: number } | (number | { id: number; pcp?: number; tpid?: number })[];
  ipv4?: { src?: string; dst?: string; ttl?: number; proto?: number; tos?: number; id?: number; df?: boolean; frag_offset?: number; more_fragments?: boolean };
  ipv6?: { src?: string; dst?: string; hop_limit?: number; next_header?: number; flow_label?: number };
  tcp?: { sport?: number; dport?: number; flags?: string; seq?: number; ack?: number; window?: number };
  udp?: { sport?: number; dport?: number };
  icmp?: { type?: number; code?: number; id?: number; seq?: number };
  /** Payload after the headers: hex ("0a0b…") or { text: "..." }. */
  payload?: string | { text: string };
}

/** A field that cannot be encoded: `where` is the field path inside the packet ("ipv4.src"). */
export class PacketFieldError extends Error {
  constructor(readonly where: string, detail: string) {
    super(`${where}: ${detail}`);
  }
}

export function parseMac(text: string, where: string): number[] {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(text);
  if (!m) throw new PacketFieldError(where, `${JSON.stringify(text)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return m.slice(1).map((x) => parseInt(x, 16));
}

export function parseIpv4(text: string, where: string): number[] {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new PacketFieldError(where, `${JSON.stringify(text)} is not an IPv4 address`);
  }
  return parts.map(Number);
}

export function parseIpv6(text: string, where: string): number[] {
  const bad = (): never => { throw new PacketFieldError(where, `${JSON.stringify(text)} is not an IPv6 address`); };
  const halves = text.split("::");
  if (halves.length > 2) bad();
  const words = (s: string): number[] => (s === "" ? [] : s.split(":").map((h) => (/^[0-9a-f]{1,4}$/i.test(h) ? parseInt(h, 16) : bad())));
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) bad();
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

const TCP_FLAGS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 };

function checksum(bytes: number[], start = 0, init = 0): number {
  let sum = init;
  for (let i = start; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function sumWords(bytes: number[]): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  return s;
}

const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

function payloadBytes(p: PacketFields["payload"]): number[] {
  if (p === undefined) return [];
  if (typeof p === "object") return [...Buffer.from(p.text, "utf8")];
  const hex = p.replace(/[\s:]/g, "");
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new PacketFieldError("payload", "expected hex bytes or { text: ... }");
  return [...Buffer.from(hex, "hex")];
}

/** Encode the fields as an Ethernet frame (no padding: the frame is exactly as long as its headers + payload). */
export function buildPacket(f: PacketFields): Uint8Array {
  const l3Count = (f.ipv4 ? 1 : 0) + (f.ipv6 ? 1 : 0);
  if (l3Count > 1) throw new PacketFieldError("ipv4", "give ipv4 or ipv6, not both");
  const l4Count = (f.tcp ? 1 : 0) + (f.udp ? 1 : 0) + (f.icmp ? 1 : 0);
  if (l4Count > 1) throw new PacketFieldError("tcp", "give at most one of tcp, udp, icmp");
  if (l4Count && !l3Count) throw new PacketFieldError(f.tcp ? "tcp" : f.udp ? "udp" : "icmp", "needs an ipv4 or ipv6 header");
  const v6 = !!f.ipv6;
  // L4
  let l4: number[] = [];
  let proto = -1;
  const payload = payloadBytes(f.payload);
  if (f.tcp) {
    proto = 6;
    let flags = 0;
    for (const c of (f.tcp.flags ?? "S").toUpperCase()) {
      if (c === ".") continue;
      if (!(c in TCP_FLAGS)) throw new PacketFieldError("tcp.flags", `unknown flag '${c}' (use F S R P A U E C, e.g. "SA")`);
      flags |= TCP_FLAGS[c];
    }
    l4 = [...be16(f.tcp.sport ?? 40000), ...be16(f.tcp.dport ?? 80), ...be32(f.tcp.seq ?? 1), ...be32(f.tcp.ack ?? 0),
      0x50, flags, ...be16(f.tcp.window ?? 65535), 0, 0, 0, 0, ...payload];
  } else if (f.udp) {
    proto = 17;
    l4 = [...be16(f.udp.sport ?? 40000), ...be16(f.udp.dport ?? 53), ...be16(8 + payload.length), 0, 0, ...payload];
  } else if (f.icmp) {
    proto = v6 ? 58 : 1;
    l4 = [f.icmp.type ?? (v6 ? 128 : 8), f.icmp.code ?? 0, 0, 0, ...be16(f.icmp.id ?? 1), ...be16(f.icmp.seq ?? 1), ...payload];
  } else {
    l4 = payload;
  }
  // L3
  let l3: number[] = [];
  let ethertype = f.eth?.type ?? 0x0800;
  if (f.ipv4) {
    const ip = f.ipv4;
    const src = parseIpv4(ip.src ?? "10.0.0.1", "ipv4.src");
    const dst = parseIpv4(ip.dst ?? "10.0.0.2", "ipv4.dst");
    const p = ip.proto ?? (proto >= 0 ? proto : 253);
    const frag = ((ip.df ?? true) && !ip.frag_offset && !ip.more_fragments ? 0x4000 : 0) | (ip.more_fragments ? 0x2000 : 0) | ((ip.frag_offset ?? 0) & 0x1fff);
    l3 = [0x45, ip.tos ?? 0, ...be16(20 + l4.length), ...be16(ip.id ?? 1), ...be16(frag), ip.ttl ?? 64, p, 0, 0, ...src, ...dst];
    const c = checksum(l3);
    l3[10] = c >> 8; l3[11] = c & 0xff;
    ethertype = f.eth?.type ?? 0x0800;
    if (proto >= 0 && proto !== 1) fixL4Checksum(l4, proto, [...src, ...dst, 0, proto, ...be16(l4.length)]);
    if (proto === 1) { const k = checksum(l4); l4[2] = k >> 8; l4[3] = k & 0xff; }
  } else if (f.ipv6) {
    const ip = f.ipv6;
    const src = parseIpv6(ip.src ?? "2001:db8::1", "ipv6.src");
    const dst = parseIpv6(ip.dst ?? "2001:db8::2", "ipv6.dst");
    const nh = ip.next_header ?? (proto >= 0 ? proto : 59);
    const fl = ip.flow_label ?? 0;
    l3 = [0x60 | ((fl >> 16) & 0xf) * 0, (fl >> 8) & 0xff, fl & 0xff, 0, ...be16(l4.length), nh, ip.hop_limit ?? 64, ...src, ...dst];
    l3[1] = (fl >> 16) & 0x0f; l3[2] = (fl >> 8) & 0xff; l3[3] = fl & 0xff;
    ethertype = f.eth?.type ?? 0x86dd;
    if (proto >= 0) fixL4Checksum(l4, proto, [...src, ...dst, ...be32(l4.length), 0, 0, 0, proto]);
  } else if (f.eth?.type === undefined) {
    ethertype = 0x88b5; // local experimental ethertype for header-less test frames
  }
  // L2
  const tags: number[] = [];
  const vl = f.vlan === undefined ? [] : Array.isArray(f.vlan) ? f.vlan : [f.vlan];
  vl.forEach((v, k) => {
    const t = typeof v === "number" ? { id: v } : v;
    const tpid = t.tpid ?? (k === 0 && vl.length > 1 ? 0x88a8 : 0x8100);
    tags.push(tpid, ((t.pcp ?? 0) << 13) | (t.id & 0xfff));
  });
  const dst = parseMac(f.eth?.dst ?? "02:00:00:00:00:02", "eth.dst");
  const src = parseMac(f.eth?.src ?? "02:00:00:00:00:01", "eth.src");
  const hdr: number[] = [...dst, ...src];
  for (let k = 0; k < tags.length; k += 2) hdr.push(...be16(tags[k]), ...be16(tags[k + 1]));
  hdr.push(...be16(ethertype));
  return Uint8Array.from([...hdr, ...l3, ...l4]);
}

function fixL4Checksum(l4: number[], proto: number, pseudo: number[]): void {
  const at = proto === 6 ? 16 : proto === 17 ? 6 : proto === 58 ? 2 : -1;
  if (at < 0 || l4.length < at + 2) return;
  let c = checksum(l4, 0, sumWords(pseudo));
  if (proto === 17 && c === 0) c = 0xffff;
  l4[at] = c >> 8; l4[at + 1] = c & 0xff;
}
