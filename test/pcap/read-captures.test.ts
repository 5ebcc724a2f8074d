// Reads every real-world fixture capture (pcap µs/ns, both byte orders, pcapng LE/BE, gzip) with
// each reader and chunk size, and compares packet count, timestamps, lengths and bytes with tshark.
// Spec: draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng; fixtures from test/fixtures/captures.

import { expect } from "chai";
import { existsSync } from "node:fs";
import { capture, drain, epoch, loadManifest, loadTshark, md5, type Drained } from "./load-fixtures.js";

const manifest = loadManifest().filter((m) => !m.file.startsWith("malformed/") && existsSync(capture(m.file)));
const NANOSECOND = new Set(["get-to-ssh-server.pcap", "pcapng-multi-interface.pcapng"]);

function compareWithTshark(name: string, got: Drained): void {
  const want = loadTshark(name);
  expect(got.error, "no error").to.equal(null);
  expect(got.rows.length, "packet count vs tshark").to.equal(want.length);
  got.rows.forEach((r, i) => {
    const w = want[i]!;
    const where = `${name} packet ${i}`;
    expect(r.index, where).to.equal(i);
    // SPBs carry no timestamp: tshark shows none, we give 0.
    expect(epoch(r.sec, r.nsec), `${where} time`).to.equal(w.time === "" ? "0.000000000" : w.time);
    expect(r.origLen, `${where} frame.len`).to.equal(w.len);
    expect(r.len, `${where} frame.cap_len`).to.equal(w.capLen);
    expect(md5(r.bytes), `${where} bytes`).to.equal(w.md5);
  });
}

describe("capture readers on real captures", () => {
  it("covers every fixture format of the manifest", () => {
    const formats = new Set(manifest.map((m) => m.format));
    for (const f of ["pcap-le", "pcap-be", "pcap-ns-le", "pcapng-le", "pcapng-be", "pcap-le+gzip"]) {
      expect(formats.has(f), f).to.equal(true);
    }
  });

  for (const m of manifest) {
    describe(`${m.file} (${m.format}, linktype ${m.linktype})`, () => {
      it(`chunked reader: ${m.packets} packets, same times/lengths/bytes as tshark`, async () => {
        const got = await drain(capture(m.file));
        expect(got.rows.length, "MANIFEST packet count").to.equal(m.packets);
        compareWithTshark(m.file, got);
        expect(got.nanosecond).to.equal(NANOSECOND.has(m.file));
        // Link types: every packet's is one the manifest lists (FCS bits masked off).
        const listed = m.linktype.split(/[ ,(]/).map(Number).filter((n) => Number.isInteger(n));
        for (const r of got.rows) expect(listed, `linktype of packet ${r.index}`).to.include(r.linkType);
      });

      it("chunked reader with tiny chunks (records straddle every boundary): same packets", async () => {
        const ref = await drain(capture(m.file));
        for (const chunkSize of [1, 13, 100]) {
          const got = await drain(capture(m.file), { chunkSize, batchSize: 3 });
          expect(got.error).to.equal(null);
          expect(got.rows.length).to.equal(ref.rows.length);
          got.rows.forEach((r, i) => {
            const w = ref.rows[i]!;
            expect([r.index, r.sec, r.nsec, r.len, r.origLen, r.linkType], `chunk ${chunkSize} packet ${i}`).to.deep.equal([
              w.index,
              w.sec,
              w.nsec,
              w.len,
              w.origLen,
              w.linkType,
            ]);
            expect(md5(r.bytes)).to.equal(md5(w.bytes));
          });
        }
      });

      if (m.format.startsWith("pcap-")) {
        it("pcap-parser reader: same as tshark", async () => {
          compareWithTshark(m.file, await drain(capture(m.file), { reader: "pcap-parser" }));
        });
      }
    });
  }

  it("masks the FCS bits of the link-type field (esp_truncated.pcap: 0x40000001 → 1)", async () => {
    const { openCapture } = await import("../../src/pcap/open-capture.js");
    const cap = await openCapture(capture("esp_truncated.pcap"));
    expect(cap.linkTypeField).to.equal(0x40000001);
    expect(cap.linkType).to.equal(1);
    await cap.close();
  });

  it("keeps a record longer than the snaplen whole (trunc-hdr.pcap: snaplen 1, caplen 8)", async () => {
    const got = await drain(capture("trunc-hdr.pcap"));
    expect(got.rows.map((r) => [r.len, r.origLen])).to.deep.equal([[8, 78]]);
  });

  it("reads a 0-byte record (icmp6_mobileprefix_asan.pcap packet 1)", async () => {
    const got = await drain(capture("icmp6_mobileprefix_asan.pcap"));
    expect(got.rows[1]!.len).to.equal(0);
    expect(got.rows[1]!.origLen).to.equal(0);
  });

  it("an empty pcap (header only) is 0 packets and no error", async () => {
    const got = await drain(capture("empty.pcap"));
    expect(got.rows).to.have.length(0);
    expect(got.error).to.equal(null);
  });

  it("gives per-interface link types in a multi-interface pcapng (many_interfaces-1: Ethernet + NULL)", async () => {
    const got = await drain(capture("many_interfaces-1.pcapng"));
    const counts = new Map<number, number>();
    for (const r of got.rows) counts.set(r.linkType, (counts.get(r.linkType) ?? 0) + 1);
    expect([...counts.entries()].sort()).to.deep.equal([
      [0, 2],
      [1, 62],
    ]);
  });

  it("detects the format by magic, not by name (IcmpPackets.pcap is pcapng)", async () => {
    const { openCapture } = await import("../../src/pcap/open-capture.js");
    const cap = await openCapture(capture("IcmpPackets.pcap"));
    expect(cap.format).to.equal("pcapng");
    await cap.close();
  });
});
