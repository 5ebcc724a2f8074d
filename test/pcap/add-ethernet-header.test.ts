// Link-type conversion to Ethernet: SLL, SLL2, raw IP, NULL/LOOP captures become frames with zero
// MACs and the packet's ethertype; tshark dissects the converted frames to the same protocols.
// Spec: tcpdump.org LINKTYPE_LINUX_SLL / _SLL2 / _RAW / _NULL / _LOOP / _IPV4 / _IPV6 pages.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createEthernetScratch,
  isRunnableLinkType,
  synthesizeEthertype,
  toEthernet,
} from "../../src/pcap/add-ethernet-header.js";
import { PcapWriter } from "../../src/pcap/write-pcap.js";
import { capture, drain, PCAPS, type Row } from "./load-fixtures.js";

const hasTshark = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Protocol chain below the link layer, as tshark's frame.protocols shows it. */
function tsharkChains(path: string): string[] {
  const r = spawnSync("tshark", ["-r", path, "-T", "fields", "-e", "frame.protocols"], { encoding: "utf8" });
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => l.replace(/^(eth|sll|raw|null|loop):/, "").replace(/^ethertype:/, ""));
}

describe("toEthernet (synthetic Ethernet header for non-Ethernet link types)", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "xdpsim-linktype-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const scratch = createEthernetScratch();

  /** Convert every row, check the frame's shape, and return the converted frames. */
  function convert(rows: Row[], headerLength: (r: Row) => number): Uint8Array[] {
    return rows.map((r) => {
      const f = toEthernet(r.linkType, r.bytes, 0, r.bytes.length, scratch)!;
      expect(f, `link type ${r.linkType} runs`).to.not.equal(null);
      const frame = f.buf.slice(f.off, f.off + f.len);
      const hl = headerLength(r);
      expect(frame.length).to.equal(r.bytes.length - hl + 14);
      expect(hex(frame.subarray(0, 12))).to.equal("00".repeat(12));
      expect(hex(frame.subarray(14))).to.equal(hex(r.bytes.subarray(hl)));
      return frame;
    });
  }
  const ethertypes = (frames: Uint8Array[]): number[] => frames.map((f) => (f[12]! << 8) | f[13]!);

  async function crossCheck(src: string, frames: Uint8Array[], rows: Row[]): Promise<void> {
    if (!hasTshark) return;
    const out = join(dir, "converted.pcap");
    const w = new PcapWriter(out, { linkType: 1 });
    frames.forEach((f, i) => w.write(f, 0, f.length, f.length, rows[i]!.sec, rows[i]!.nsec));
    await w.close();
    expect(tsharkChains(out)).to.deep.equal(tsharkChains(src));
  }

  it("Linux cooked v1 (113, linuxsll-arp.pcap): protocol field → ethertype 0x0806", async () => {
    const { rows } = await drain(capture("linuxsll-arp.pcap"));
    const frames = convert(rows, () => 16);
    expect(ethertypes(frames)).to.deep.equal(Array(12).fill(0x0806));
    await crossCheck(capture("linuxsll-arp.pcap"), frames, rows);
  });

  it("Linux cooked v2 (276, linux_dlt_sll2.pcap): IPv4, IPv6, ARP and RARP ethertypes", async () => {
    const { rows } = await drain(capture("linux_dlt_sll2.pcap"));
    const frames = convert(rows, () => 20);
    expect(ethertypes(frames).sort()).to.deep.equal([0x0800, 0x0800, 0x0806, 0x8035, 0x86dd, 0x86dd]);
    await crossCheck(capture("linux_dlt_sll2.pcap"), frames, rows);
  });

  it("raw IP (101, LINKTYPE_RAW_ipv4.pcap): IP version 4 → 0x0800", async () => {
    const { rows } = await drain(capture("LINKTYPE_RAW_ipv4.pcap"));
    const frames = convert(rows, () => 0);
    expect(ethertypes(frames)).to.deep.equal([0x0800]);
    await crossCheck(capture("LINKTYPE_RAW_ipv4.pcap"), frames, rows);
  });

  it("NULL (0) interfaces of pcapng (many_interfaces-1, test201): AF 2 → 0x0800; Ethernet packets as they are", async () => {
    for (const name of ["many_interfaces-1.pcapng", "test201.pcapng"]) {
      const { rows } = await drain(capture(name));
      const frames = convert(
        rows.filter((r) => r.linkType === 0),
        () => 4,
      );
      expect(frames.length).to.be.greaterThan(0);
      expect(new Set(ethertypes(frames))).to.deep.equal(new Set([0x0800]));
      for (const r of rows.filter((x) => x.linkType === 1)) {
        const f = toEthernet(1, r.bytes, 0, r.bytes.length, scratch)!;
        expect([f.buf === r.bytes, f.off, f.len]).to.deep.equal([true, 0, r.bytes.length]);
      }
    }
  });

  it("raw-IP interface of pcaps/mixed.pcapng: converted frames carry the same IP packets as mixed.pcap", async () => {
    const ng = await drain(join(PCAPS, "mixed.pcapng"));
    const eth = await drain(join(PCAPS, "mixed.pcap"));
    const raw = ng.rows.filter((r) => r.linkType === 101);
    expect(raw.length).to.be.greaterThan(100);
    for (const r of raw) {
      const f = toEthernet(101, r.bytes, 0, r.bytes.length, scratch)!;
      const orig = eth.rows[r.index]!.bytes;
      expect(hex(f.buf.subarray(f.off + 12, f.off + f.len)), `packet ${r.index}`).to.equal(hex(orig.subarray(12)));
    }
  });

  it("BSD loopback AF values in either byte order (NULL host order, LOOP network order)", () => {
    const pkt = (af: number[], first = 0x45): Uint8Array => Uint8Array.from([...af, first, 0, 0, 20]);
    const cases: [number, number[], number][] = [
      [0, [2, 0, 0, 0], 0x0800],
      [0, [0, 0, 0, 2], 0x0800],
      [108, [0, 0, 0, 2], 0x0800],
      [0, [24, 0, 0, 0], 0x86dd],
      [0, [28, 0, 0, 0], 0x86dd],
      [108, [0, 0, 0, 30], 0x86dd],
      [0, [0, 0, 0, 24], 0x86dd],
      [0, [7, 0, 0, 0], 0], // AF_ISO: not IP
      [0, [10, 0, 0, 0], 0], // Linux AF_INET6 is not a BSD loopback value
    ];
    for (const [lt, af, want] of cases) {
      const b = pkt(af);
      expect(synthesizeEthertype(lt, b, 0, b.length), `${lt} ${af}`).to.equal(want);
      const f = toEthernet(lt, b, 0, b.length, scratch)!;
      expect(hex(f.buf.subarray(f.off, f.off + f.len))).to.equal("00".repeat(12) + want.toString(16).padStart(4, "0") + "45000014");
    }
  });

  it("raw IP version nibble, LINKTYPE_IPV4/IPV6, and raw 12", () => {
    const v4 = Uint8Array.of(0x45, 0, 0, 20);
    const v6 = Uint8Array.of(0x60, 0, 0, 0);
    const bad = Uint8Array.of(0x15, 0, 0, 0);
    expect([101, 12].map((lt) => synthesizeEthertype(lt, v4, 0, 4))).to.deep.equal([0x0800, 0x0800]);
    expect([101, 12].map((lt) => synthesizeEthertype(lt, v6, 0, 4))).to.deep.equal([0x86dd, 0x86dd]);
    expect(synthesizeEthertype(101, bad, 0, 4)).to.equal(0);
    expect(synthesizeEthertype(101, bad, 0, 0)).to.equal(0);
    expect(synthesizeEthertype(228, v6, 0, 4)).to.equal(0x0800); // the link type decides, not the nibble
    expect(synthesizeEthertype(229, v4, 0, 4)).to.equal(0x86dd);
  });

  it("SLL 802.2 LLC / raw 802.3 protocol values become an 802.3 length field", () => {
    const sll = (proto: number, payload: number): Uint8Array => {
      const b = new Uint8Array(16 + payload);
      b[14] = proto >> 8;
      b[15] = proto & 0xff;
      return b;
    };
    expect(synthesizeEthertype(113, sll(0x0004, 46), 0, 62)).to.equal(46);
    expect(synthesizeEthertype(113, sll(0x0001, 2000), 0, 2016)).to.equal(1500);
    expect(synthesizeEthertype(113, sll(0x88cc, 46), 0, 62)).to.equal(0x88cc);
  });

  it("a packet shorter than its link-layer header becomes a 0-byte frame (a runt)", () => {
    const f = toEthernet(113, new Uint8Array(10), 0, 10, scratch)!;
    expect(f.len).to.equal(0);
    expect(toEthernet(276, new Uint8Array(19), 0, 19, scratch)!.len).to.equal(0);
    expect(toEthernet(0, new Uint8Array(3), 0, 3, scratch)!.len).to.equal(0);
    expect(toEthernet(101, new Uint8Array(0), 0, 0, scratch)!.len).to.equal(14);
  });

  it("other link types are not run: null (the pipeline writes them to skipped-linktype-<N>.pcap)", () => {
    for (const lt of [6, 9, 105, 127, 147, 192, 220, 263]) {
      expect(isRunnableLinkType(lt)).to.equal(false);
      expect(toEthernet(lt, new Uint8Array(60), 0, 60, scratch)).to.equal(null);
    }
    for (const lt of [0, 1, 12, 101, 108, 113, 228, 229, 276]) expect(isRunnableLinkType(lt)).to.equal(true);
  });

  it("reuses the scratch frame (no allocation per packet) and handles an offset into a chunk", () => {
    const chunk = Uint8Array.from({ length: 100 }, (_, i) => i);
    chunk[30] = 0x45;
    const a = toEthernet(101, chunk, 30, 40, scratch)!;
    const b = toEthernet(101, chunk, 30, 40, scratch)!;
    expect(a).to.equal(b);
    expect(hex(a.buf.subarray(a.off + 14, a.off + a.len))).to.equal(hex(chunk.subarray(30, 70)));
    const big = new Uint8Array(300000);
    big[0] = 0x60;
    const s2 = createEthernetScratch(1000);
    const g = toEthernet(101, big, 0, big.length, s2)!;
    expect(g.len).to.equal(300014);
    expect(s2.bytes.length).to.be.at.least(300014);
  });
});
