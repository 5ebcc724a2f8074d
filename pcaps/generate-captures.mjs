#!/usr/bin/env node
// Deterministic generator of xdpsim's sample captures (plain Node.js, no dependencies): sample.pcap,
// mixed.pcap, mixed-ns.pcap and mixed.pcapng. Run `node pcaps/generate-captures.mjs [outdir]`.
// Spec: draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng; RFC 791/8200/793/768/792/4443/826, 802.1Q/ad.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const OUT = process.argv[2] ?? dirname(fileURLToPath(import.meta.url));
/** 2026-01-01T00:00:00Z */
const T0 = 1767225600;

// ---------------------------------------------------------------- deterministic randomness

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rand = mulberry32(1);
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
function randBytes(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

// ---------------------------------------------------------------- addresses and checksums

function ip4(s) {
  return Buffer.from(s.split(".").map(Number));
}
function ip6(s) {
  const [head, tail] = s.includes("::") ? s.split("::") : [s, null];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}
function mac(s) {
  return Buffer.from(s.split(":").map((x) => parseInt(x, 16)));
}
/** Ones' complement sum of buffers (RFC 1071), not yet complemented. */
function sum16(...bufs) {
  let s = 0;
  for (const b of bufs) {
    for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
    if (b.length % 2) s += b[b.length - 1] << 8;
  }
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const csum = (...bufs) => ~sum16(...bufs) & 0xffff;

function pseudo4(src, dst, proto, len) {
  const p = Buffer.alloc(12);
  src.copy(p, 0);
  dst.copy(p, 4);
  p[9] = proto;
  p.writeUInt16BE(len, 10);
  return p;
}
function pseudo6(src, dst, nh, len) {
  const p = Buffer.alloc(40);
  src.copy(p, 0);
  dst.copy(p, 16);
  p.writeUInt32BE(len, 32);
  p[39] = nh;
  return p;
}

// ---------------------------------------------------------------- layer 4

const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

/** TCP segment; `pseudo(len)` gives the pseudo-header. */
function tcp(pseudo, o) {
  const opts = o.options ?? Buffer.alloc(0);
  const hl = 20 + opts.length;
  const payload = o.payload ?? Buffer.alloc(0);
  const b = Buffer.alloc(hl + payload.length);
  b.writeUInt16BE(o.sport, 0);
  b.writeUInt16BE(o.dport, 2);
  b.writeUInt32BE(o.seq >>> 0, 4);
  b.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  b[12] = (hl / 4) << 4;
  b[13] = o.flags;
  b.writeUInt16BE(o.win ?? 64240, 14);
  opts.copy(b, 20);
  payload.copy(b, hl);
  let c = csum(pseudo(b.length), b);
  if (o.badChecksum) c ^= 0x5a5a;
  b.writeUInt16BE(c, 16);
  return b;
}
const synOptions = () => Buffer.from([2, 4, 0x05, 0xb4, 4, 2, 8, 10, ...randBytes(4), 0, 0, 0, 0, 1, 3, 3, 7]);

function udp(pseudo, o) {
  const payload = o.payload ?? Buffer.alloc(0);
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt16BE(o.sport, 0);
  b.writeUInt16BE(o.dport, 2);
  b.writeUInt16BE(b.length, 4);
  payload.copy(b, 8);
  let c = csum(pseudo(b.length), b);
  if (c === 0) c = 0xffff;
  if (o.badChecksum) c ^= 0x5a5a;
  b.writeUInt16BE(c, 6);
  return b;
}

function icmp4(type, code, rest, payload = Buffer.alloc(0), bad = false) {
  const b = Buffer.concat([Buffer.from([type, code, 0, 0]), rest, payload]);
  let c = csum(b);
  if (bad) c ^= 0x5a5a;
  b.writeUInt16BE(c, 2);
  return b;
}
function icmp6(src, dst, type, code, body, bad = false) {
  const b = Buffer.concat([Buffer.from([type, code, 0, 0]), body]);
  let c = csum(pseudo6(src, dst, 58, b.length), b);
  if (bad) c ^= 0x5a5a;
  b.writeUInt16BE(c, 2);
  return b;
}
function echoRest(id, seq) {
  const r = Buffer.alloc(4);
  r.writeUInt16BE(id, 0);
  r.writeUInt16BE(seq, 2);
  return r;
}
const pingData = (n = 56) => Buffer.from(Array.from({ length: n }, (_, i) => (0x10 + i) & 0xff));

// ---------------------------------------------------------------- layer 3

let ipId = 0x1200;
/** IPv4 packet (header checksum correct unless badChecksum). */
function ipv4(o) {
  const opts = o.options ?? Buffer.alloc(0);
  const hl = 20 + opts.length;
  const payload = o.payload;
  const b = Buffer.alloc(hl + payload.length);
  b[0] = 0x40 | (o.ihl ?? hl / 4);
  b[1] = o.tos ?? 0;
  b.writeUInt16BE(o.totalLength ?? b.length, 2);
  b.writeUInt16BE(o.id ?? (ipId = (ipId + 1) & 0xffff), 4);
  b.writeUInt16BE(((o.df ?? true) && !o.mf && !o.fragOff ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOff ?? 0) >> 3), 6);
  b[8] = o.ttl ?? 64;
  b[9] = o.proto;
  o.src.copy(b, 12);
  o.dst.copy(b, 16);
  opts.copy(b, 20);
  let c = csum(b.subarray(0, Math.min(hl, (b[0] & 15) * 4 || hl)));
  if (o.badChecksum) c ^= 0x5a5a;
  b.writeUInt16BE(c, 10);
  payload.copy(b, hl);
  return b;
}
function ipv6(o) {
  const b = Buffer.alloc(40 + o.payload.length);
  const tc = o.tc ?? 0;
  const flow = o.flow ?? 0;
  b.writeUInt32BE(((6 << 28) | (tc << 20) | flow) >>> 0, 0);
  b.writeUInt16BE(o.payloadLength ?? o.payload.length, 4);
  b[6] = o.nh;
  b[7] = o.hlim ?? 64;
  o.src.copy(b, 8);
  o.dst.copy(b, 24);
  o.payload.copy(b, 40);
  return b;
}
const v4 = (src, dst) => (len, proto) => pseudo4(src, dst, proto, len);

function tcp4(src, dst, o, ip = {}) {
  const s = ip4(src), d = ip4(dst);
  return ipv4({ src: s, dst: d, proto: 6, payload: tcp((len) => pseudo4(s, d, 6, len), o), ...ip });
}
function udp4(src, dst, o, ip = {}) {
  const s = ip4(src), d = ip4(dst);
  return ipv4({ src: s, dst: d, proto: 17, payload: udp((len) => pseudo4(s, d, 17, len), o), ...ip });
}
function ping4(src, dst, type, id, seq, ip = {}, n = 56) {
  return ipv4({ src: ip4(src), dst: ip4(dst), proto: 1, payload: icmp4(type, 0, echoRest(id, seq), pingData(n)), ...ip });
}
function tcp6(src, dst, o, ip = {}) {
  const s = ip6(src), d = ip6(dst);
  return ipv6({ src: s, dst: d, nh: 6, payload: tcp((len) => pseudo6(s, d, 6, len), o), ...ip });
}
function udp6(src, dst, o, ip = {}) {
  const s = ip6(src), d = ip6(dst);
  return ipv6({ src: s, dst: d, nh: 17, payload: udp((len) => pseudo6(s, d, 17, len), o), ...ip });
}
function ping6(src, dst, type, id, seq, ip = {}, n = 56) {
  const s = ip6(src), d = ip6(dst);
  return ipv6({ src: s, dst: d, nh: 58, payload: icmp6(s, d, type, 0, Buffer.concat([echoRest(id, seq), pingData(n)])), ...ip });
}

// ---------------------------------------------------------------- layer 2

const GW = mac("02:00:5e:00:00:01");
const HOST = mac("02:00:00:00:0a:0a");
const SERVER = mac("02:00:00:00:0a:05");
const BCAST = mac("ff:ff:ff:ff:ff:ff");

/** Ethernet II frame, optional VLAN tags [{tpid, pcp, dei, vid}], outermost first. */
function eth(dst, src, type, payload, tags = []) {
  const parts = [dst, src];
  for (const t of tags) {
    const h = Buffer.alloc(4);
    h.writeUInt16BE(t.tpid ?? 0x8100, 0);
    h.writeUInt16BE(((t.pcp ?? 0) << 13) | ((t.dei ?? 0) << 12) | t.vid, 2);
    parts.push(h);
  }
  const et = Buffer.alloc(2);
  et.writeUInt16BE(type, 0);
  parts.push(et, payload);
  return Buffer.concat(parts);
}
function arp(oper, sha, spa, tha, tpa) {
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 0);
  b.writeUInt16BE(0x0800, 2);
  b[4] = 6;
  b[5] = 4;
  b.writeUInt16BE(oper, 6);
  sha.copy(b, 8);
  ip4(spa).copy(b, 14);
  tha.copy(b, 18);
  ip4(tpa).copy(b, 24);
  return b;
}
/** Pad to the 60-byte Ethernet minimum, as a NIC does on the wire. */
const pad60 = (f) => (f.length >= 60 ? f : Buffer.concat([f, Buffer.alloc(60 - f.length)]));

// ---------------------------------------------------------------- application payloads

function dnsName(name) {
  return Buffer.concat([...name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}
function dnsQuery(id, name, qtype) {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(qtype, 0);
  q.writeUInt16BE(1, 2);
  return Buffer.concat([h, dnsName(name), q]);
}
function dnsAnswer(id, name, qtype, rdata) {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x8180, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(1, 6);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(qtype, 0);
  q.writeUInt16BE(1, 2);
  const a = Buffer.alloc(12);
  a.writeUInt16BE(0xc00c, 0);
  a.writeUInt16BE(qtype, 2);
  a.writeUInt16BE(1, 4);
  a.writeUInt32BE(300, 6);
  a.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([h, dnsName(name), q, a, rdata]);
}
function ntp(mode, sec) {
  const b = Buffer.alloc(48);
  b[0] = (4 << 3) | mode; // LI 0, VN 4
  if (mode === 4) {
    b[1] = 2;
    b.writeUInt32BE(0xcb00710b, 12); // reference id
  }
  b.writeUInt32BE((sec + 2208988800) >>> 0, 40);
  b.writeUInt32BE(0x80000000, 44);
  return b;
}
function tlsRecordOf(type, body) {
  const h = Buffer.from([type, 3, 3, 0, 0]);
  if (type === 22) h[2] = 1; // ClientHello records say TLS 1.0 for compatibility
  h.writeUInt16BE(body.length, 3);
  return Buffer.concat([h, body]);
}
const u16 = (v) => Buffer.from([v >> 8, v & 255]);
function handshake(type, body) {
  return Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 255, body.length & 255]), body]);
}
/** TLS ClientHello with SNI, padded (padding extension) to `n` record bytes. */
function tlsClientHello(n, host = "www.example.com") {
  const sni = Buffer.concat([u16(host.length + 3), Buffer.from([0]), u16(host.length), Buffer.from(host)]);
  const ext = (type, data) => Buffer.concat([u16(type), u16(data.length), data]);
  const suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f];
  const fixed = (exts) =>
    Buffer.concat([u16(0x0303), randBytes(32), Buffer.from([32]), randBytes(32), u16(suites.length * 2), ...suites.map(u16), Buffer.from([1, 0]), u16(exts.length), exts]);
  let exts = Buffer.concat([ext(0, sni), ext(43, Buffer.from([2, 3, 4])), ext(10, Buffer.concat([u16(2), u16(29)]))]);
  const base = 5 + 4 + fixed(exts).length + 4;
  exts = Buffer.concat([exts, ext(21, Buffer.alloc(Math.max(0, n - base)))]);
  return tlsRecordOf(22, handshake(1, fixed(exts)));
}
/** ServerHello, ChangeCipherSpec, then encrypted application data, `n` bytes in all (roughly). */
function tlsServerFlight(n) {
  const hello = Buffer.concat([u16(0x0303), randBytes(32), Buffer.from([32]), randBytes(32), u16(0x1301), Buffer.from([0]), u16(6), u16(43), u16(2), u16(0x0304)]);
  const parts = [tlsRecordOf(22, handshake(2, hello)), tlsRecordOf(20, Buffer.from([1]))];
  const used = parts.reduce((a, b) => a + b.length, 0);
  parts.push(tlsRecordOf(23, randBytes(Math.max(16, n - used - 5))));
  return Buffer.concat(parts);
}
const tlsAppData = (n) => tlsRecordOf(23, randBytes(n - 5));
const HTTP_GET = Buffer.from("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n");
const httpResponse = (n) =>
  Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${n}\r\n\r\n`), Buffer.alloc(n, 0x61)]);
const SSH_SERVER = Buffer.from("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n");
const SSH_CLIENT = Buffer.from("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");

// ---------------------------------------------------------------- flows

/** A packet to write: frame bytes, timestamp in ns since T0, optional original length. */
function pkt(t, frame, extra = {}) {
  return { t, frame, ...extra };
}

/** A TCP conversation: handshake, request/response segments, FIN exchange. */
function tcpSession(out, t, o) {
  const { cmac, smac, client, server, sport, dport, v6 = false, exchange = [] } = o;
  const mk = v6 ? tcp6 : tcp4;
  const type = v6 ? 0x86dd : 0x0800;
  let cseq = randInt(1, 0x7fffffff), sseq = randInt(1, 0x7fffffff);
  const rtt = o.rtt ?? 20e6;
  const c2s = (flags, payload, opts) =>
    eth(smac, cmac, type, mk(client, server, { sport, dport, seq: cseq, ack: flags & ACK ? sseq : 0, flags, payload, options: opts }));
  const s2c = (flags, payload, opts) =>
    eth(cmac, smac, type, mk(server, client, { sport: dport, dport: sport, seq: sseq, ack: cseq, flags, payload, options: opts }));
  out.push(pkt(t, pad60(c2s(SYN, undefined, synOptions()))));
  cseq++;
  if (o.refused) {
    out.push(pkt(t + rtt / 2, pad60(eth(cmac, smac, type, mk(server, client, { sport: dport, dport: sport, seq: 0, ack: cseq, flags: RST | ACK, win: 0 })))));
    return t + rtt;
  }
  out.push(pkt((t += rtt / 2), pad60(s2c(SYN | ACK, undefined, synOptions()))));
  sseq++;
  out.push(pkt((t += rtt / 2), pad60(c2s(ACK))));
  for (const [dir, payload] of exchange) {
    t += rtt / 2;
    if (dir === "c") {
      out.push(pkt(t, pad60(c2s(PSH | ACK, payload))));
      cseq += payload.length;
      out.push(pkt((t += rtt / 4), pad60(s2c(ACK))));
    } else {
      out.push(pkt(t, pad60(s2c(PSH | ACK, payload))));
      sseq += payload.length;
      out.push(pkt((t += rtt / 4), pad60(c2s(ACK))));
    }
  }
  if (o.noFin) return t;
  out.push(pkt((t += rtt), pad60(c2s(FIN | ACK))));
  cseq++;
  out.push(pkt((t += rtt / 2), pad60(s2c(FIN | ACK))));
  sseq++;
  out.push(pkt((t += rtt / 2), pad60(c2s(ACK))));
  return t;
}

// ---------------------------------------------------------------- sample.pcap: firewall demo

function buildSample() {
  rand = mulberry32(2026);
  ipId = 0x1000;
  const out = [];
  const ms = 1e6;
  const H = "10.0.0.10", S = "10.0.0.5", DNS = "198.51.100.53", WEB = "203.0.113.80", NTP = "198.51.100.123";
  const H6 = "2001:db8:1::10", S6 = "2001:db8:1::5", WEB6 = "2001:db8:beef::443", DNS6 = "2001:db8:beef::53";
  const BAD = ["192.0.2.66", "192.0.2.67", "192.0.2.200", "192.0.2.99"];
  const BAD6 = ["2001:db8:bad::66", "2001:db8:bad:1::7"];

  // ARP for the gateway.
  out.push(pkt(0, pad60(eth(BCAST, HOST, 0x0806, arp(1, HOST, H, Buffer.alloc(6), "10.0.0.1")))));
  out.push(pkt(0.4 * ms, pad60(eth(HOST, GW, 0x0806, arp(2, GW, "10.0.0.1", HOST, H)))));

  // DNS lookups (A and AAAA) over IPv4.
  const names = ["www.example.com", "mail.example.org", "api.example.net", "cdn.example.com", "ntp.example.org", "git.example.net"];
  names.forEach((name, i) => {
    const t = (10 + i * 180) * ms;
    const id = 0x3000 + i;
    const sport = 40000 + i * 7;
    for (const [k, qtype] of [[0, 1], [1, 28]]) {
      out.push(pkt(t + k * ms, pad60(eth(GW, HOST, 0x0800, udp4(H, DNS, { sport: sport + k, dport: 53, payload: dnsQuery(id + k * 16, name, qtype) })))));
      const rdata = qtype === 1 ? ip4(`203.0.113.${80 + i}`) : ip6(`2001:db8:beef::${(0x80 + i).toString(16)}`);
      out.push(pkt(t + k * ms + 9 * ms, pad60(eth(HOST, GW, 0x0800, udp4(DNS, H, { sport: 53, dport: sport + k, payload: dnsAnswer(id + k * 16, name, qtype, rdata) })))));
    }
  });

  // HTTPS and HTTP sessions to the web server.
  for (let i = 0; i < 4; i++) {
    tcpSession(out, (60 + i * 230) * ms, {
      cmac: HOST, smac: GW, client: H, server: WEB, sport: 50100 + i, dport: 443,
      exchange: [["c", tlsClientHello(517)], ["s", tlsServerFlight(1200)], ["c", tlsAppData(120)], ["s", tlsAppData(900)]],
    });
  }
  for (let i = 0; i < 2; i++) {
    tcpSession(out, (140 + i * 400) * ms, {
      cmac: HOST, smac: GW, client: H, server: WEB, sport: 50200 + i, dport: 80,
      exchange: [["c", HTTP_GET], ["s", httpResponse(600 + i * 300)]],
    });
  }

  // Inbound SSH from a partner network (allowed) and from the blocked prefix (brute force).
  tcpSession(out, 200 * ms, {
    cmac: GW, smac: SERVER, client: "198.51.100.22", server: S, sport: 41022, dport: 22,
    exchange: [["s", SSH_SERVER], ["c", SSH_CLIENT], ["c", randBytes(640)], ["s", randBytes(720)]],
  });
  for (let i = 0; i < 6; i++) {
    const src = BAD[i % 2];
    out.push(pkt((300 + i * 35) * ms, pad60(eth(SERVER, GW, 0x0800, tcp4(src, S, { sport: 51000 + i * 13, dport: 22, seq: randInt(1, 2 ** 31), flags: SYN, options: synOptions() }, { ttl: 49 })))));
  }

  // Telnet: closed port answers RST; the blocked prefix scans it too.
  for (let i = 0; i < 3; i++) {
    tcpSession(out, (420 + i * 50) * ms, { cmac: GW, smac: SERVER, client: "203.0.113.23", server: S, sport: 45000 + i, dport: 23, refused: true });
  }
  for (let i = 0; i < 4; i++) {
    out.push(pkt((430 + i * 40) * ms, pad60(eth(SERVER, GW, 0x0800, tcp4(BAD[i % 3], S, { sport: 60000 + i, dport: 23, seq: randInt(1, 2 ** 31), flags: SYN, win: 1024 }, { ttl: 241 })))));
  }

  // NTP client exchanges.
  for (let i = 0; i < 4; i++) {
    const t = (500 + i * 64) * ms;
    out.push(pkt(t, eth(GW, HOST, 0x0800, udp4(H, NTP, { sport: 123, dport: 123, payload: ntp(3, T0) }))));
    out.push(pkt(t + 15 * ms, eth(HOST, GW, 0x0800, udp4(NTP, H, { sport: 123, dport: 123, payload: ntp(4, T0) }))));
  }

  // ICMP echo out and back; pings from the blocked prefix; SNMP probes from it.
  for (let i = 0; i < 4; i++) {
    const t = (520 + i * 100) * ms;
    out.push(pkt(t, eth(GW, HOST, 0x0800, ping4(H, "198.51.100.1", 8, 0x77, i + 1))));
    out.push(pkt(t + 12 * ms, eth(HOST, GW, 0x0800, ping4("198.51.100.1", H, 0, 0x77, i + 1, { ttl: 57 }))));
  }
  for (let i = 0; i < 3; i++) {
    out.push(pkt((610 + i * 90) * ms, eth(SERVER, GW, 0x0800, ping4(BAD[3], S, 8, 0x4242, i, { ttl: 53 }))));
  }
  for (let i = 0; i < 2; i++) {
    out.push(pkt((640 + i * 20) * ms, eth(SERVER, GW, 0x0800, udp4(BAD[2], S, { sport: 40161 + i, dport: 161, payload: randBytes(43) }))));
  }

  // IPv6: HTTPS session, DNS, echo, neighbour discovery, and the blocked /48.
  tcpSession(out, 700 * ms, {
    cmac: HOST, smac: GW, client: H6, server: WEB6, sport: 50300, dport: 443, v6: true,
    exchange: [["c", tlsClientHello(517)], ["s", tlsServerFlight(1100)]],
  });
  for (let i = 0; i < 3; i++) {
    const t = (720 + i * 50) * ms;
    out.push(pkt(t, eth(GW, HOST, 0x86dd, udp6(H6, DNS6, { sport: 42000 + i, dport: 53, payload: dnsQuery(0x5000 + i, names[i], 28) }))));
    out.push(pkt(t + 8 * ms, eth(HOST, GW, 0x86dd, udp6(DNS6, H6, { sport: 53, dport: 42000 + i, payload: dnsAnswer(0x5000 + i, names[i], 28, ip6(`2001:db8:beef::${i + 1}`)) }))));
  }
  for (let i = 0; i < 3; i++) {
    const t = (760 + i * 100) * ms;
    out.push(pkt(t, eth(GW, HOST, 0x86dd, ping6(H6, "2001:db8:beef::1", 128, 0x66, i + 1))));
    out.push(pkt(t + 11 * ms, eth(HOST, GW, 0x86dd, ping6("2001:db8:beef::1", H6, 129, 0x66, i + 1, { hlim: 58 }))));
  }
  {
    const s = ip6(H6), target = ip6("2001:db8:1::1"), sn = ip6("ff02::1:ff00:1");
    const ns = Buffer.concat([Buffer.alloc(4), target, Buffer.from([1, 1]), HOST]);
    out.push(pkt(765 * ms, eth(mac("33:33:ff:00:00:01"), HOST, 0x86dd, ipv6({ src: s, dst: sn, nh: 58, hlim: 255, payload: icmp6(s, sn, 135, 0, ns) }))));
    const na = Buffer.concat([Buffer.from([0x60, 0, 0, 0]), target, Buffer.from([2, 1]), GW]);
    out.push(pkt(765.3 * ms, eth(HOST, GW, 0x86dd, ipv6({ src: target, dst: s, nh: 58, hlim: 255, payload: icmp6(target, s, 136, 0, na) }))));
  }
  for (let i = 0; i < 4; i++) {
    out.push(pkt((800 + i * 30) * ms, eth(SERVER, GW, 0x86dd, tcp6(BAD6[i % 2], S6, { sport: 52000 + i, dport: 22, seq: randInt(1, 2 ** 31), flags: SYN, options: synOptions() }))));
  }
  for (let i = 0; i < 2; i++) {
    out.push(pkt((830 + i * 30) * ms, eth(SERVER, GW, 0x86dd, udp6(BAD6[0], S6, { sport: 53000 + i, dport: 53, payload: dnsQuery(0x6000 + i, "example.com", 255) }))));
  }

  // TTL / hop limit 1: traceroute probes and the router's answers.
  for (let i = 0; i < 3; i++) {
    const t = (880 + i * 10) * ms;
    const probe = udp4(H, "203.0.113.7", { sport: 44000 + i, dport: 33434 + i, payload: Buffer.alloc(32, 0x40 + i) }, { ttl: 1 });
    out.push(pkt(t, eth(GW, HOST, 0x0800, probe)));
    const quoted = probe.subarray(0, 28);
    out.push(pkt(t + 1 * ms, eth(HOST, GW, 0x0800, ipv4({ src: ip4("10.0.0.1"), dst: ip4(H), proto: 1, ttl: 64, df: false, payload: icmp4(11, 0, Buffer.alloc(4), quoted) }))));
  }
  out.push(pkt(905 * ms, eth(GW, HOST, 0x86dd, udp6(H6, "2001:db8:beef::7", { sport: 44100, dport: 33434, payload: Buffer.alloc(24, 0x50) }, { hlim: 1 }))));
  out.push(pkt(906 * ms, eth(SERVER, GW, 0x0800, ping4("198.51.100.9", S, 8, 0x99, 1, { ttl: 1 }))));

  // Malformed IP headers.
  {
    const good = tcp4("198.51.100.77", S, { sport: 43000, dport: 80, seq: 1, flags: SYN });
    const ihl4 = Buffer.from(good);
    ihl4[0] = 0x44; // IHL 4 (< 5): invalid
    out.push(pkt(920 * ms, pad60(eth(SERVER, GW, 0x0800, ihl4))));
    const ihl3 = Buffer.from(udp4("203.0.113.5", S, { sport: 9999, dport: 53, payload: Buffer.alloc(12) }));
    ihl3[0] = 0x43;
    out.push(pkt(921 * ms, pad60(eth(SERVER, GW, 0x0800, ihl3))));
    // IPv4 total length says 1500 but the frame carries 60 bytes: truncated IP packet.
    const longer = udp4("203.0.113.6", S, { sport: 9998, dport: 123, payload: ntp(3, T0) }, { totalLength: 1500 });
    out.push(pkt(922 * ms, eth(SERVER, GW, 0x0800, longer)));
    // Frame cut inside the IPv4 header (14 + 12 bytes).
    out.push(pkt(923 * ms, eth(SERVER, GW, 0x0800, good.subarray(0, 12))));
    // Total length smaller than the header.
    const tiny = Buffer.from(good);
    tiny.writeUInt16BE(16, 2);
    tiny.writeUInt16BE(0, 10);
    tiny.writeUInt16BE(csum(tiny.subarray(0, 20)), 10);
    out.push(pkt(924 * ms, pad60(eth(SERVER, GW, 0x0800, tiny))));
    // IPv6 header cut at 20 bytes.
    const v6 = tcp6(BAD6[0], S6, { sport: 1, dport: 443, seq: 1, flags: SYN });
    out.push(pkt(925 * ms, eth(SERVER, GW, 0x86dd, v6.subarray(0, 20))));
  }

  // Background: more DNS to reach a realistic mix.
  for (let i = 0; i < 10; i++) {
    const t = (940 + i * 6) * ms;
    const name = pick(names);
    out.push(pkt(t, pad60(eth(GW, HOST, 0x0800, udp4(H, DNS, { sport: 47000 + i, dport: 53, payload: dnsQuery(0x7000 + i, name, 1) })))));
    out.push(pkt(t + 3 * ms, pad60(eth(HOST, GW, 0x0800, udp4(DNS, H, { sport: 53, dport: 47000 + i, payload: dnsAnswer(0x7000 + i, name, 1, ip4(`203.0.113.${100 + i}`)) })))));
  }
  return out.sort((a, b) => a.t - b.t);
}

// ---------------------------------------------------------------- mixed.pcap: reader/pipeline edge cases

const PUB4 = ["198.51.100.", "203.0.113.", "192.0.2."];
const rnd4 = () => (rand() < 0.5 ? `10.${randInt(0, 3)}.${randInt(0, 255)}.${randInt(1, 254)}` : `${pick(PUB4)}${randInt(1, 254)}`);
const rnd6 = () => `2001:db8:${pick(["1", "beef", "bad", "cafe"])}::${randInt(1, 0xffff).toString(16)}`;
const rmac = () => Buffer.from([0x02, 0, 0, randInt(0, 255), randInt(0, 255), randInt(0, 255)]);
function payloadSize() {
  const r = rand();
  if (r < 0.4) return 0;
  if (r < 0.8) return randInt(1, 100);
  if (r < 0.96) return randInt(101, 400);
  return randInt(401, 1400);
}
const TCP_PORTS = [22, 23, 80, 443, 8080];
const UDP_PORTS = [53, 123, 9000, 10000, 33434];
const LOREM = Buffer.from("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ");
/** Text filler: unlike random bytes it never looks like RTP/VXLAN/DNS to a heuristic dissector. */
function text(n) {
  const b = Buffer.alloc(n);
  const start = randInt(0, LOREM.length - 1);
  for (let i = 0; i < n; i++) b[i] = LOREM[(start + i) % LOREM.length];
  return b;
}
/** A UDP payload its port's dissector accepts: DNS query for 53, NTP for 123, text otherwise. */
function udpPayload(dport) {
  if (dport === 53) return dnsQuery(randInt(0, 65535), pick(["www.example.com", "example.org", "ns1.example.net"]), pick([1, 28, 15]));
  if (dport === 123) return ntp(3, T0);
  return text(payloadSize());
}
/** A TCP payload: TLS application data for 443, an HTTP request for 80/8080, encrypted-looking for 22, text otherwise. */
function tcpPayload(dport, flags) {
  const n = flags & (SYN | RST) ? 0 : payloadSize();
  if (n === 0) return Buffer.alloc(0);
  if (dport === 443) return tlsAppData(n + 5);
  if (dport === 80 || dport === 8080) return HTTP_GET;
  if (dport === 22) return randBytes(n);
  return text(n);
}

function randomL4v4(o = {}) {
  const s = rnd4(), d = rnd4();
  const k = rand();
  if (k < 0.5) {
    const flags = pick([SYN, SYN | ACK, ACK, PSH | ACK, FIN | ACK, RST, RST | ACK]);
    const dport = pick(TCP_PORTS);
    return tcp4(s, d, { sport: randInt(1024, 65535), dport, seq: randInt(0, 2 ** 32 - 1), ack: randInt(0, 2 ** 32 - 1), flags, payload: tcpPayload(dport, flags), badChecksum: o.badL4 }, { ttl: pick([1, 32, 63, 64, 128, 255]), ...o.ip });
  }
  if (k < 0.85) {
    const dport = pick(UDP_PORTS);
    return udp4(s, d, { sport: randInt(1024, 65535), dport, payload: udpPayload(dport), badChecksum: o.badL4 }, { ttl: pick([1, 64, 128]), ...o.ip });
  }
  return ipv4({ src: ip4(s), dst: ip4(d), proto: 1, payload: icmp4(pick([8, 0]), 0, echoRest(randInt(0, 65535), randInt(0, 65535)), pingData(randInt(0, 64)), o.badL4), ...o.ip });
}
function randomL4v6(o = {}) {
  const s = rnd6(), d = rnd6();
  const k = rand();
  if (k < 0.45) {
    const flags = pick([SYN, SYN | ACK, ACK, PSH | ACK, FIN | ACK, RST]);
    const dport = pick(TCP_PORTS);
    return tcp6(s, d, { sport: randInt(1024, 65535), dport, seq: randInt(0, 2 ** 32 - 1), ack: randInt(0, 2 ** 32 - 1), flags, payload: tcpPayload(dport, flags), badChecksum: o.badL4 }, { hlim: pick([1, 64, 255]) });
  }
  if (k < 0.8) {
    const dport = pick(UDP_PORTS);
    return udp6(s, d, { sport: randInt(1024, 65535), dport, payload: udpPayload(dport), badChecksum: o.badL4 });
  }
  const sb = ip6(s), db = ip6(d);
  return ipv6({ src: sb, dst: db, nh: 58, payload: icmp6(sb, db, pick([128, 129]), 0, Buffer.concat([echoRest(randInt(0, 65535), randInt(0, 65535)), pingData(randInt(0, 64))]), o.badL4) });
}

/** A UDP datagram split into IPv4 fragments (checksum over the whole datagram). */
function ipv4Fragments(size, fragPayload) {
  const s = ip4(rnd4()), d = ip4(rnd4());
  const seg = udp((len) => pseudo4(s, d, 17, len), { sport: randInt(1024, 65535), dport: pick([9000, 10000]), payload: text(size) });
  const id = randInt(1, 65535);
  const frames = [];
  for (let off = 0; off < seg.length; off += fragPayload) {
    const part = seg.subarray(off, Math.min(seg.length, off + fragPayload));
    frames.push(ipv4({ src: s, dst: d, proto: 17, id, df: false, mf: off + fragPayload < seg.length, fragOff: off, payload: part }));
  }
  return frames;
}
/** A UDP datagram split with IPv6 Fragment headers. */
function ipv6Fragments(size, fragPayload) {
  const s = ip6(rnd6()), d = ip6(rnd6());
  const seg = udp((len) => pseudo6(s, d, 17, len), { sport: randInt(1024, 65535), dport: pick([9000, 10000]), payload: text(size) });
  const id = randInt(1, 2 ** 32 - 1);
  const frames = [];
  for (let off = 0; off < seg.length; off += fragPayload) {
    const part = seg.subarray(off, Math.min(seg.length, off + fragPayload));
    const fh = Buffer.alloc(8);
    fh[0] = 17;
    fh.writeUInt16BE(off | (off + fragPayload < seg.length ? 1 : 0), 2);
    fh.writeUInt32BE(id, 4);
    frames.push(ipv6({ src: s, dst: d, nh: 44, payload: Buffer.concat([fh, part]) }));
  }
  return frames;
}
/** IPv6 with extension headers: hop-by-hop (router alert), destination options, routing type 0 (segments left 0). */
function ipv6WithExt() {
  const s = ip6(rnd6()), d = ip6(rnd6());
  const k = randInt(0, 2);
  const l4 = k === 2
    ? { nh: 58, body: icmp6(s, d, 128, 0, Buffer.concat([echoRest(1, randInt(0, 999)), pingData(16)])) }
    : { nh: 17, body: udp((len) => pseudo6(s, d, 17, len), { sport: randInt(1024, 65535), dport: 9000, payload: text(randInt(0, 80)) }) };
  const hbh = (nh) => Buffer.from([nh, 0, 5, 2, 0, 0, 1, 0]);
  const dst = (nh) => Buffer.from([nh, 0, 1, 4, 0, 0, 0, 0]);
  const rt0 = (nh) => Buffer.concat([Buffer.from([nh, 2, 0, 0, 0, 0, 0, 0]), ip6("2001:db8:cafe::1")]);
  let chain;
  if (k === 0) chain = { nh: 0, payload: Buffer.concat([hbh(l4.nh), l4.body]) };
  else if (k === 1) chain = { nh: 0, payload: Buffer.concat([hbh(60), dst(l4.nh), l4.body]) };
  else chain = { nh: 43, payload: Buffer.concat([rt0(l4.nh), l4.body]) };
  return ipv6({ src: s, dst: d, nh: chain.nh, payload: chain.payload });
}
/** IPv4 with options: router alert, or NOP + record route, or timestamp. */
function ipv4WithOptions() {
  const variants = [
    Buffer.from([0x94, 4, 0, 0]),
    Buffer.from([1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.from([0x44, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  ];
  return randomL4v4({ ip: { options: pick(variants) } });
}

function buildMixed() {
  rand = mulberry32(7);
  ipId = 0x2000;
  const frames = [];
  const N = 2500;
  const push = (frame, extra = {}) => frames.push({ frame, ...extra });
  const jumbo = new Map([
    [100, 4000], [400, 9000], [700, 20000], [900, 3520], [901, 3521], [1200, 73152], [1201, 73153], [1500, 1514], [1800, 9018],
  ]);
  while (frames.length < N) {
    const i = frames.length;
    if (jumbo.has(i)) {
      const size = jumbo.get(i);
      const payloadLen = size - 14 - 20 - 8;
      const l3 = payloadLen + 28 <= 65535
        ? udp4(rnd4(), rnd4(), { sport: 40000, dport: 9000, payload: text(payloadLen) })
        : null;
      if (l3 !== null) push(eth(rmac(), rmac(), 0x0800, l3));
      else {
        // Beyond an IPv4 datagram: an IPv6 jumbogram-sized frame (payload length 0 + HBH jumbo option).
        const body = text(size - 14 - 40 - 8 - 8);
        const jumboHbh = Buffer.from([17, 0, 0xc2, 4, 0, 0, 0, 0]);
        jumboHbh.writeUInt32BE(8 + 8 + body.length, 4);
        const sb = ip6(rnd6()), db = ip6(rnd6());
        const plen = 8 + body.length;
        const u = Buffer.concat([Buffer.alloc(8), body]);
        u.writeUInt16BE(40001, 0);
        u.writeUInt16BE(9001, 2);
        u.writeUInt16BE(0, 4); // jumbogram UDP length 0 (RFC 2675)
        let c = csum(pseudo6(sb, db, 17, plen), u);
        if (c === 0) c = 0xffff;
        u.writeUInt16BE(c, 6);
        push(eth(rmac(), rmac(), 0x86dd, ipv6({ src: sb, dst: db, nh: 0, payloadLength: 0, payload: Buffer.concat([jumboHbh, u]) })));
      }
      continue;
    }
    const r = rand();
    const smac = rmac(), dmac = rmac();
    if (r < 0.24) push(eth(dmac, smac, 0x0800, randomL4v4()), { rawOk: true });
    else if (r < 0.42) push(eth(dmac, smac, 0x86dd, randomL4v6()), { rawOk: true });
    else if (r < 0.52) {
      const inner = rand() < 0.6 ? [0x0800, randomL4v4()] : rand() < 0.8 ? [0x86dd, randomL4v6()] : [0x0806, arp(1, smac, rnd4(), Buffer.alloc(6), rnd4())];
      push(pad60(eth(dmac, smac, inner[0], inner[1], [{ vid: randInt(1, 4094), pcp: randInt(0, 7), dei: randInt(0, 1) }])));
    } else if (r < 0.57) {
      const outer = rand() < 0.6 ? 0x88a8 : 0x8100;
      const inner = rand() < 0.7 ? [0x0800, randomL4v4()] : [0x86dd, randomL4v6()];
      push(pad60(eth(dmac, smac, inner[0], inner[1], [{ tpid: outer, vid: randInt(1, 4094), pcp: randInt(0, 7) }, { vid: randInt(1, 4094), dei: randInt(0, 1) }])));
    } else if (r < 0.6) {
      const sip = rnd4();
      push(pad60(eth(rand() < 0.5 ? BCAST : dmac, smac, 0x0806, arp(rand() < 0.5 ? 1 : 2, smac, sip, Buffer.alloc(6), rnd4()))));
    } else if (r < 0.64) push(eth(dmac, smac, 0x0800, ipv4WithOptions()), { rawOk: true });
    else if (r < 0.68) push(eth(dmac, smac, 0x86dd, ipv6WithExt()), { rawOk: true });
    else if (r < 0.73) {
      // Deliberately bad checksums: IPv4 header, or TCP/UDP/ICMP/ICMPv6.
      const k = rand();
      if (k < 0.35) push(eth(dmac, smac, 0x0800, randomL4v4({ ip: { badChecksum: true } })));
      else if (k < 0.7) push(eth(dmac, smac, 0x0800, randomL4v4({ badL4: true })));
      else push(eth(dmac, smac, 0x86dd, randomL4v6({ badL4: true })));
    } else if (r < 0.75) {
      // Runts: 0..13 bytes.
      const n = pick([0, 0, 1, 6, 12, 13]);
      push(eth(dmac, smac, 0x0800, randomL4v4()).subarray(0, n));
    } else if (r < 0.76) {
      for (const f of ipv4Fragments(randInt(600, 3000), pick([1480, 1000, 512]))) push(eth(dmac, smac, 0x0800, f), { rawOk: true });
      // An overlapping tiny first fragment now and then.
      if (rand() < 0.3) {
        const s = ip4(rnd4()), d = ip4(rnd4());
        push(pad60(eth(dmac, smac, 0x0800, ipv4({ src: s, dst: d, proto: 6, df: false, mf: true, id: randInt(1, 65535), payload: Buffer.from([0x12, 0x34, 0, 22, 0, 0, 0, 1]) }))));
      }
    } else if (r < 0.77) {
      for (const f of ipv6Fragments(randInt(1300, 2600), pick([1448, 1232]))) push(eth(dmac, smac, 0x86dd, f), { rawOk: true });
    } else if (r < 0.81) {
      // Snaplen-truncated record: only the first 68 bytes captured.
      const f = eth(dmac, smac, 0x0800, udp4(rnd4(), rnd4(), { sport: 5000, dport: 10000, payload: text(randInt(200, 1400)) }));
      push(f.subarray(0, 68), { origLen: f.length });
    } else if (r < 0.82) {
      // Malformed IPv4: IHL < 5, or total length beyond the frame.
      const f = eth(dmac, smac, 0x0800, randomL4v4());
      const g = Buffer.from(f);
      if (rand() < 0.5) g[14] = 0x40 | randInt(0, 4);
      else {
        // Total length beyond the frame; the header checksum still matches the header.
        g.writeUInt16BE(Math.min(65535, g.length + 100), 16);
        g.writeUInt16BE(0, 24);
        g.writeUInt16BE(csum(g.subarray(14, 14 + (g[14] & 15) * 4)), 24);
      }
      push(pad60(g));
    } else {
      // Plain traffic mix (more of the common case).
      push(pad60(eth(dmac, smac, 0x0800, randomL4v4())));
    }
  }
  frames.length = N;
  // Deterministic timestamps: 2026-01-01 plus increasing gaps (ns precision); the last one lies far in
  // the future (unsigned 32-bit seconds: 2106-02-07).
  let t = 0;
  for (const f of frames) {
    t += randInt(1, 2_000_000) + randInt(0, 999);
    f.t = t;
  }
  frames[N - 1].abs = { sec: 0xffffffff, nsec: 123456789 };
  return frames;
}

// ---------------------------------------------------------------- file writers

function tsOf(p) {
  if (p.abs) return p.abs;
  const ns = BigInt(Math.round(p.t));
  return { sec: T0 + Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

/** Classic pcap: µs or ns, little or big endian, Ethernet. */
function writePcap(path, packets, { nanosecond = false, bigEndian = false } = {}) {
  const parts = [];
  const h = Buffer.alloc(24);
  const w32 = (b, v, o) => (bigEndian ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  const w16 = (b, v, o) => (bigEndian ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  w32(h, nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, 262144, 16);
  w32(h, 1, 20);
  parts.push(h);
  for (const p of packets) {
    const { sec, nsec } = tsOf(p);
    const r = Buffer.alloc(16);
    w32(r, sec, 0);
    w32(r, nanosecond ? nsec : Math.floor(nsec / 1000), 4);
    w32(r, p.frame.length, 8);
    w32(r, p.origLen ?? p.frame.length, 12);
    parts.push(r, p.frame);
  }
  const b = Buffer.concat(parts);
  writeFileSync(path, b);
  return b.length;
}

/** pcapng (little endian): interface 0 Ethernet (ns), interface 1 raw IP (µs); NRB and ISBs too. */
function writePcapng(path, packets) {
  const blocks = [];
  const pad = (b) => (b.length % 4 ? Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]) : b);
  const opt = (code, value) => {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(code, 0);
    h.writeUInt16LE(value.length, 2);
    return Buffer.concat([h, pad(value)]);
  };
  const endOpt = Buffer.alloc(4);
  const block = (type, body) => {
    const len = 12 + body.length;
    const h = Buffer.alloc(8);
    h.writeUInt32LE(type, 0);
    h.writeUInt32LE(len, 4);
    const t = Buffer.alloc(4);
    t.writeUInt32LE(len, 0);
    blocks.push(Buffer.concat([h, body, t]));
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeBigInt64LE(-1n, 8);
  block(0x0a0d0d0a, Buffer.concat([shb, opt(4, Buffer.from("xdpsim pcaps/generate-captures.mjs")), endOpt]));
  const idb = (linkType, name, tsresol) => {
    const f = Buffer.alloc(8);
    f.writeUInt16LE(linkType, 0);
    f.writeUInt32LE(262144, 4);
    const opts = [opt(2, Buffer.from(name))];
    if (tsresol !== undefined) opts.push(opt(9, Buffer.from([tsresol])));
    block(1, Buffer.concat([f, ...opts, endOpt]));
  };
  idb(1, "eth0", 9);
  idb(101, "tun0");
  // Name resolution block: one IPv4 record.
  const rec = Buffer.concat([ip4("203.0.113.80"), Buffer.from("www.example.com\0")]);
  const nrbHdr = Buffer.alloc(4);
  nrbHdr.writeUInt16LE(1, 0);
  nrbHdr.writeUInt16LE(rec.length, 2);
  block(4, Buffer.concat([nrbHdr, pad(rec), Buffer.alloc(4)]));
  let last = { sec: T0, nsec: 0 };
  const counts = [0, 0];
  packets.forEach((p, i) => {
    const { sec, nsec } = tsOf(p);
    last = { sec, nsec };
    // Every fourth untagged, complete IP packet goes out on the raw-IP interface (µs timestamps).
    const raw = p.rawOk && p.origLen === undefined && i % 4 === 1;
    const data = raw ? p.frame.subarray(14) : p.frame;
    const ifId = raw ? 1 : 0;
    const ts = raw ? BigInt(sec) * 1_000_000n + BigInt(Math.floor(nsec / 1000)) : BigInt(sec) * 1_000_000_000n + BigInt(nsec);
    const f = Buffer.alloc(20);
    f.writeUInt32LE(ifId, 0);
    f.writeUInt32LE(Number(ts >> 32n), 4);
    f.writeUInt32LE(Number(ts & 0xffffffffn), 8);
    f.writeUInt32LE(data.length, 12);
    f.writeUInt32LE(raw ? data.length : (p.origLen ?? data.length), 16);
    const opts = i % 97 === 0 ? Buffer.concat([opt(1, Buffer.from(`packet ${i}`)), endOpt]) : Buffer.alloc(0);
    block(6, Buffer.concat([f, pad(data), opts]));
    counts[ifId]++;
  });
  // Interface statistics at the end, one per interface.
  for (const ifId of [0, 1]) {
    const ts = ifId === 0 ? BigInt(last.sec) * 1_000_000_000n + BigInt(last.nsec) : BigInt(last.sec) * 1_000_000n;
    const f = Buffer.alloc(12);
    f.writeUInt32LE(ifId, 0);
    f.writeUInt32LE(Number(ts >> 32n), 4);
    f.writeUInt32LE(Number(ts & 0xffffffffn), 8);
    const recv = Buffer.alloc(8);
    recv.writeBigUInt64LE(BigInt(counts[ifId]), 0);
    block(5, Buffer.concat([f, opt(4, recv), endOpt]));
  }
  const b = Buffer.concat(blocks);
  writeFileSync(path, b);
  return b.length;
}

// ---------------------------------------------------------------- main

mkdirSync(OUT, { recursive: true });
const sample = buildSample();
const mixed = buildMixed();
const sizes = {
  "sample.pcap": writePcap(join(OUT, "sample.pcap"), sample),
  "mixed.pcap": writePcap(join(OUT, "mixed.pcap"), mixed),
  "mixed-ns.pcap": writePcap(join(OUT, "mixed-ns.pcap"), mixed, { nanosecond: true, bigEndian: true }),
  "mixed.pcapng": writePcapng(join(OUT, "mixed.pcapng"), mixed),
};
for (const [name, size] of Object.entries(sizes)) {
  const n = name.startsWith("sample") ? sample.length : mixed.length;
  console.log(`${name}: ${n} packets, ${size} bytes`);
}
