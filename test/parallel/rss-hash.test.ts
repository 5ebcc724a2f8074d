// Toeplitz RSS hash against Microsoft's published verification vectors ("Verifying the RSS Hash
// Calculation", default key), the ethtool default indirection table, and frame parsing to a queue.

import { expect } from "chai";
import { DEFAULT_RSS_KEY, RssHasher, defaultIndirectionTable, toeplitzHash } from "../../src/parallel/rss-hash.js";

const v4 = (s: string): number[] => s.split(".").map(Number);
function v6(s: string): number[] {
  const [head, tail] = s.split("::");
  const words = (x: string | undefined): number[] => (x ? x.split(":").map((w) => parseInt(w, 16)) : []);
  const h = words(head), t = words(tail);
  const all = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((w) => [w >> 8, w & 255]);
}
const port = (p: number): number[] => [p >> 8, p & 255];

// [source, source port, destination, destination port, hash of addresses only, hash with ports]
const IPV4: [string, number, string, number, number, number][] = [
  ["66.9.149.187", 2794, "161.142.100.80", 1766, 0x323e8fc2, 0x51ccc178],
  ["199.92.111.2", 14230, "65.69.140.83", 4739, 0xd718262a, 0xc626b0ea],
  ["24.19.198.95", 12898, "12.22.207.184", 38024, 0xd2d0a5de, 0x5c2b394a],
  ["38.27.205.30", 48228, "209.142.163.6", 2217, 0x82989176, 0xafc7327f],
  ["153.39.163.191", 44251, "202.188.127.2", 1303, 0x5d1809c5, 0x10e828a2],
];
const IPV6: [string, number, string, number, number, number][] = [
  ["3ffe:2501:200:1fff::7", 2794, "3ffe:2501:200:3::1", 1766, 0x2cc18cd5, 0x40207d3d],
  ["3ffe:501:8::260:97ff:fe40:efab", 14230, "ff02::1", 4739, 0x0f0c461c, 0xdde51bbf],
  ["3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, "fe80::200:f8ff:fe21:67cf", 38024, 0x4b61e985, 0x02d1feef],
];

function frame(family: 4 | 6, src: number[], dst: number[], proto: number, sport: number, dport: number, frag = 0): Uint8Array {
  const eth = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...(family === 4 ? [0x08, 0x00] : [0x86, 0xdd])];
  const l4 = [...port(sport), ...port(dport), 0, 8, 0, 0, ...new Array(12).fill(0)];
  const ip = family === 4
    ? [0x45, 0, 0, 40, 0, 0, frag >> 8, frag & 255, 64, proto, 0, 0, ...src, ...dst]
    : [0x60, 0, 0, 0, 0, 28, proto, 64, ...src, ...dst];
  return Uint8Array.from([...eth, ...ip, ...l4]);
}

describe("parallel: Toeplitz RSS hash", () => {
  it("matches Microsoft's IPv4 verification vectors (2-tuple and 4-tuple)", () => {
    for (const [s, sp, d, dp, h2, h4] of IPV4) {
      const two = Uint8Array.from([...v4(s), ...v4(d)]);
      const four = Uint8Array.from([...v4(s), ...v4(d), ...port(sp), ...port(dp)]);
      expect(toeplitzHash(DEFAULT_RSS_KEY, two, 0, 8), `${s} → ${d}`).to.equal(h2);
      expect(toeplitzHash(DEFAULT_RSS_KEY, four, 0, 12), `${s}:${sp} → ${d}:${dp}`).to.equal(h4);
    }
  });

  it("matches Microsoft's IPv6 verification vectors", () => {
    for (const [s, sp, d, dp, h2, h4] of IPV6) {
      const two = Uint8Array.from([...v6(s), ...v6(d)]);
      const four = Uint8Array.from([...v6(s), ...v6(d), ...port(sp), ...port(dp)]);
      expect(toeplitzHash(DEFAULT_RSS_KEY, two, 0, 32), `${s} → ${d}`).to.equal(h2);
      expect(toeplitzHash(DEFAULT_RSS_KEY, four, 0, 36), `${s}.${sp} → ${d}.${dp}`).to.equal(h4);
    }
  });

  it("hashes frames: TCP/UDP 4-tuple, other protocols and IPv4 fragments the 2-tuple, non-IP = -1", () => {
    const h = new RssHasher(4);
    const [s, sp, d, dp, h2, h4] = IPV4[0];
    expect(h.hash(frame(4, v4(s), v4(d), 6, sp, dp), 0, 54)).to.equal(h4);
    expect(h.hash(frame(4, v4(s), v4(d), 17, sp, dp), 0, 54)).to.equal(h4);
    expect(h.hash(frame(4, v4(s), v4(d), 1, sp, dp), 0, 54)).to.equal(h2);
    expect(h.hash(frame(4, v4(s), v4(d), 6, sp, dp, 0x2000), 0, 54), "MF set").to.equal(h2);
    const [s6, sp6, d6, dp6, h62, h64] = IPV6[0];
    expect(h.hash(frame(6, v6(s6), v6(d6), 6, sp6, dp6), 0, 74)).to.equal(h64);
    expect(h.hash(frame(6, v6(s6), v6(d6), 58, sp6, dp6), 0, 74)).to.equal(h62);
    const arp = Uint8Array.from([...new Array(12).fill(0), 0x08, 0x06, ...new Array(28).fill(0)]);
    expect(h.hash(arp, 0, arp.length)).to.equal(-1);
    expect(h.queue(arp, 0, arp.length)).to.equal(0);
    // A VLAN tag in front of IPv4 is skipped.
    const plain = frame(4, v4(s), v4(d), 6, sp, dp);
    const tagged = Uint8Array.from([...plain.subarray(0, 12), 0x81, 0x00, 0x00, 0x05, ...plain.subarray(12)]);
    expect(h.hash(tagged, 0, tagged.length)).to.equal(h4);
  });

  it("uses the ethtool default indirection table: 128 entries, entry i → queue i % N, index hash & 127", () => {
    const t = defaultIndirectionTable(3);
    expect(t.length).to.equal(128);
    expect([...t.subarray(0, 7)]).to.deep.equal([0, 1, 2, 0, 1, 2, 0]);
    const [s, sp, d, dp, , h4] = IPV4[0];
    const f = frame(4, v4(s), v4(d), 6, sp, dp);
    expect(new RssHasher(3).queue(f, 0, f.length)).to.equal((h4 & 127) % 3);
    expect(new RssHasher(1).queue(f, 0, f.length)).to.equal(0);
  });
});
