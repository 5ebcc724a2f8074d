// Classic pcap header variants not in the real fixtures: both magics in both byte orders built by
// hand, libpcap's version rules (2.0–2.4, swapped lengths before 2.3), Kuznetzov records, fractions.
// Spec: draft-ietf-opsawg-pcap §4; libpcap sf-pcap.c (pcap_check_header, swapped lengths).

import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CaptureError } from "../../src/errors.js";
import { detectFormat } from "../../src/pcap/detect-format.js";
import { openCapture } from "../../src/pcap/open-capture.js";
import { drain } from "./load-fixtures.js";

interface Rec {
  sec: number;
  frac: number;
  caplen: number;
  len: number;
  extra?: number;
}

/** A classic pcap file built field by field. */
function pcap(o: { magic: number; le: boolean; major?: number; minor?: number; linkType?: number; recs: Rec[]; rh?: number }): Uint8Array {
  const rh = o.rh ?? 16;
  const size = 24 + o.recs.reduce((n, r) => n + rh + r.caplen, 0);
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, o.magic, o.le);
  v.setUint16(4, o.major ?? 2, o.le);
  v.setUint16(6, o.minor ?? 4, o.le);
  v.setUint32(16, 65535, o.le);
  v.setUint32(20, o.linkType ?? 1, o.le);
  let p = 24;
  for (const r of o.recs) {
    v.setUint32(p, r.sec, o.le);
    v.setUint32(p + 4, r.frac, o.le);
    v.setUint32(p + 8, r.caplen, o.le);
    v.setUint32(p + 12, r.len, o.le);
    for (let i = 0; i < r.caplen; i++) b[p + rh + i] = (i + r.caplen) & 0xff;
    p += rh + r.caplen;
  }
  return b;
}

describe("classic pcap header variants", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "xdpsim-pcap-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const tmp = (bytes: Uint8Array): string => {
    const p = join(dir, `f${n++}.pcap`);
    writeFileSync(p, bytes);
    return p;
  };
  const recs: Rec[] = [
    { sec: 1767225600, frac: 1, caplen: 60, len: 60 },
    { sec: 4294967295, frac: 999, caplen: 14, len: 1514 },
  ];

  for (const le of [true, false]) {
    for (const ns of [false, true]) {
      it(`${ns ? "ns" : "µs"} magic, ${le ? "little" : "big"}-endian`, async () => {
        const got = await drain(tmp(pcap({ magic: ns ? 0xa1b23c4d : 0xa1b2c3d4, le, recs })));
        expect(got.nanosecond).to.equal(ns);
        expect(got.rows.map((r) => [r.sec, r.nsec, r.len, r.origLen])).to.deep.equal([
          [1767225600, ns ? 1 : 1000, 60, 60],
          [4294967295, ns ? 999 : 999000, 14, 1514],
        ]);
        const g2 = await drain(tmp(pcap({ magic: ns ? 0xa1b23c4d : 0xa1b2c3d4, le, recs })), { reader: "pcap-parser" });
        expect(g2.rows.map((r) => [r.sec, r.nsec, r.len, r.origLen])).to.deep.equal(got.rows.map((r) => [r.sec, r.nsec, r.len, r.origLen]));
      });
    }
  }

  it("a fraction of a second ≥ 1 s is carried into the seconds", async () => {
    const got = await drain(tmp(pcap({ magic: 0xa1b2c3d4, le: true, recs: [{ sec: 10, frac: 2_500_000, caplen: 1, len: 1 }] })));
    expect([got.rows[0]!.sec, got.rows[0]!.nsec]).to.deep.equal([12, 500_000_000]);
  });

  it("versions: 2.0–2.4 read; 2.5, 3.0, 1.0 refused", async () => {
    for (const minor of [0, 1, 2, 3, 4]) {
      const got = await drain(tmp(pcap({ magic: 0xa1b2c3d4, le: true, minor, recs: [{ sec: 1, frac: 0, caplen: 20, len: 20 }] })));
      expect(got.rows.length, `2.${minor}`).to.equal(1);
    }
    for (const [major, minor, msg] of [[2, 5, /unsupported pcap savefile version 2\.5/], [3, 0, /unsupported pcap savefile version 3\.0/], [1, 0, /archaic/]] as const) {
      try {
        await openCapture(tmp(pcap({ magic: 0xa1b2c3d4, le: false, major, minor, recs: [] })));
        expect.fail("opened");
      } catch (e) {
        expect(e).to.be.instanceOf(CaptureError);
        expect((e as Error).message).to.match(msg);
      }
    }
  });

  it("pre-2.3 files have caplen and len swapped (libpcap: always before 2.3, when caplen > len in 2.3)", async () => {
    const r = [{ sec: 1, frac: 0, caplen: 20, len: 40 }];
    // As written by old libpcap, the record header holds (len, caplen): swap the fields on disk.
    const old = (minor: number): Uint8Array => {
      const b = pcap({ magic: 0xa1b2c3d4, le: true, minor, recs: r });
      const v = new DataView(b.buffer);
      v.setUint32(32, 40, true);
      v.setUint32(36, 20, true);
      return b.subarray(0, 24 + 16 + 20);
    };
    for (const minor of [2, 3]) {
      const got = await drain(tmp(old(minor)));
      expect(got.rows.map((x) => [x.len, x.origLen]), `2.${minor}`).to.deep.equal([[20, 40]]);
    }
  });

  it("Kuznetzov's patched-libpcap magic (a1b2cd34): 24-byte record headers", async () => {
    const got = await drain(tmp(pcap({ magic: 0xa1b2cd34, le: true, rh: 24, recs })));
    expect(got.rows.map((r) => [r.len, r.origLen])).to.deep.equal([
      [60, 60],
      [14, 1514],
    ]);
    expect(got.rows[0]!.bytes[0]).to.equal(60);
  });

  it("detectFormat names every magic", () => {
    const f = (b: number[]): string => JSON.stringify(detectFormat(Uint8Array.from(b)));
    expect(f([0xd4, 0xc3, 0xb2, 0xa1])).to.contain('"littleEndian":true,"nanosecond":false');
    expect(f([0x4d, 0x3c, 0xb2, 0xa1])).to.contain('"littleEndian":true,"nanosecond":true');
    expect(f([0xa1, 0xb2, 0x3c, 0x4d])).to.contain('"littleEndian":false,"nanosecond":true');
    expect(f([0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0])).to.equal('{"kind":"pcapng"}');
    expect(f([0x1f, 0x8b, 8, 0])).to.equal('{"kind":"gzip"}');
    expect(f([0x04, 0x22, 0x4d, 0x18])).to.contain("lz4");
    expect(f([1, 2])).to.equal('{"kind":"short","length":2}');
  });
});
