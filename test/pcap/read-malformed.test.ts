// Corrupt and unsupported captures: every good packet before the damage is yielded, then a
// CaptureError names the file, byte offset and packet index (compared with tcpdump's verdicts).
// Spec: draft-ietf-opsawg-pcap/pcapng; libpcap sf-pcap.c / sf-pcapng.c error cases.

import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { CaptureError } from "../../src/errors.js";
import { openCapture } from "../../src/pcap/open-capture.js";
import { capture, drain, loadTshark } from "./load-fixtures.js";
import { buildPcapng, epb, idb, shb, block } from "./build-pcapng.js";

async function openError(path: string, opts = {}): Promise<CaptureError> {
  try {
    const cap = await openCapture(path, opts);
    await cap.close();
  } catch (e) {
    expect(e).to.be.instanceOf(CaptureError);
    return e as CaptureError;
  }
  throw new Error(`${path}: opened without error`);
}

describe("corrupt captures", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "xdpsim-malformed-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const tmp = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  // [file, good packets (tcpdump -r agrees), byte offset of the damage, message part]
  const cases: [string, number, number, RegExp][] = [
    ["malformed/absurd-caplen.pcap", 3, 286, /invalid packet capture length 2147483647, bigger than the maximum of 262144/],
    ["malformed/trunc-mid-packet.pcap", 5, 522, /truncated packet data: caplen 89, only 44 bytes/],
    ["malformed/truncated_dns_2.pcap", 1, 240, /truncated record header: 7 of 16 bytes/],
    ["malformed/epb-length-past-eof.pcapng", 1, 496, /truncated block \(type 0x6\): block total length 16776960/],
  ];
  for (const [file, good, offset, msg] of cases) {
    for (const reader of ["chunked", "pcap-parser"] as const) {
      if (reader === "pcap-parser" && file.endsWith(".pcapng")) continue;
      it(`${file} (${reader}): ${good} good packets, then CaptureError at byte ${offset}, packet ${good}`, async () => {
        for (const chunkSize of reader === "chunked" ? [8 << 20, 1, 50] : [0]) {
          const got = await drain(capture(file), chunkSize ? { reader, chunkSize } : { reader });
          expect(got.rows.length).to.equal(good);
          expect(got.error, "error").to.be.instanceOf(CaptureError);
          const e = got.error!;
          expect(e.offset).to.equal(offset);
          expect(e.packetIndex).to.equal(good);
          expect(e.message).to.match(msg);
          expect(e.message).to.contain(file.split("/")[1]);
          expect(e.format()).to.match(/^\[capture\] .*\(byte offset \d+, packet \d+\)$/);
        }
      });
    }
  }

  it("the good packets before the damage are intact (absurd-caplen.pcap: same bytes as the original)", async () => {
    const got = await drain(capture("malformed/absurd-caplen.pcap"));
    // Packets 1-3 of the capture gopacket's test_ethernet.pcap: lengths 74, 74, 66.
    expect(got.rows.map((r) => r.len)).to.deep.equal([74, 74, 66]);
  });

  it("pcap version 2.5 is refused at open, as libpcap does", async () => {
    const e = await openError(capture("malformed/pcap-invalid-version-2.pcap"));
    expect(e.message).to.match(/unsupported pcap savefile version 2\.5/);
    expect([e.offset, e.packetIndex]).to.deep.equal([4, 0]);
  });

  it("pcapng SHB whose trailer length differs is refused at open", async () => {
    const e = await openError(capture("malformed/shb-option-too-long.pcapng"));
    expect(e.message).to.match(/block total length in header \(52\) and trailer \(808464432\) don't match/);
    expect([e.offset, e.packetIndex]).to.deep.equal([0, 0]);
  });

  it("a Solaris snoop file is not pcap: bad magic named", async () => {
    const e = await openError(capture("malformed/solaris.snoop"));
    expect(e.message).to.match(/unknown file format: Solaris snoop capture/);
  });

  it("unknown magic", async () => {
    const e = await openError(tmp("junk.pcap", Buffer.from("hello world, not a capture")));
    expect(e.message).to.match(/unknown file format: magic 0x68656c6c/);
  });

  it("a 0-byte file and a file shorter than its header", async () => {
    expect((await openError(tmp("zero.pcap", new Uint8Array(0)))).message).to.match(/empty file/);
    const head = readFileSync(capture("http.pcap")).subarray(0, 10);
    const e = await openError(tmp("short.pcap", head));
    expect(e.message).to.match(/truncated pcap file header: 10 of 24 bytes/);
  });

  for (const [name, magic] of [
    ["zstd", [0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]],
    ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]],
    ["bzip2", [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26]],
  ] as const) {
    it(`${name}-compressed capture: a clear error naming the compression`, async () => {
      const e = await openError(tmp(`c.pcap.${name}`, Uint8Array.from(magic)));
      expect(e.message).to.contain(`${name}-compressed capture is not supported`);
    });
  }

  it("gzip cut short: the good packets, then a gzip CaptureError", async () => {
    const whole = readFileSync(capture("http.pcap"));
    const gz = gzipSync(whole);
    const got = await drain(tmp("cut.pcap.gz", gz.subarray(0, gz.length - 5000)));
    expect(got.rows.length).to.be.greaterThan(0);
    expect(got.rows.length).to.be.lessThan(43);
    expect(got.error).to.be.instanceOf(CaptureError);
    expect(got.error!.message).to.match(/gzip data corrupt: unexpected end of file|truncated/);
    expect(got.error!.packetIndex).to.equal(got.rows.length);
    const want = loadTshark("http.pcap");
    got.rows.forEach((r, i) => expect(r.len).to.equal(want[i]!.capLen));
  });

  it("gzip whose content is zstd: names the compression inside the gzip stream", async () => {
    const e = await openError(tmp("nested.gz", gzipSync(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4]))));
    expect(e.message).to.contain("zstd-compressed capture inside the gzip stream");
  });

  it("a caplen above the configured maximum is corruption (maxCaplen option)", async () => {
    const got = await drain(capture("ipv6_jumbogram_1.pcap"), { maxCaplen: 65535 });
    expect(got.rows).to.have.length(0);
    expect(got.error!.message).to.match(/invalid packet capture length 65590/);
    expect([got.error!.offset, got.error!.packetIndex]).to.deep.equal([24, 0]);
  });

  describe("pcapng damage", () => {
    const pkt = Uint8Array.from({ length: 60 }, (_, i) => i);
    it("interface id out of range: packets before it, then the error", async () => {
      const f = buildPcapng([shb(), idb(1), epb(0, pkt), epb(0, pkt), epb(3, pkt)]);
      const got = await drain(tmp("ifid.pcapng", f.bytes));
      expect(got.rows).to.have.length(2);
      expect(got.error!.message).to.match(/interface id 3 out of range \(section has 1 interface\)/);
      expect([got.error!.offset, got.error!.packetIndex]).to.deep.equal([f.offsets[4], 2]);
    });

    it("a block length that is not a multiple of 4", async () => {
      const f = buildPcapng([shb(), idb(1), epb(0, pkt), block(0x0bad, new Uint8Array(8))]);
      const bytes = Uint8Array.from(f.bytes);
      new DataView(bytes.buffer).setUint32(f.offsets[3]! + 4, 22, true);
      const got = await drain(tmp("len.pcapng", bytes));
      expect(got.rows).to.have.length(1);
      expect(got.error!.message).to.match(/invalid block total length 22/);
      expect(got.error!.offset).to.equal(f.offsets[3]);
    });

    it("a block length beyond 16 MiB", async () => {
      const f = buildPcapng([shb(), idb(1), epb(0, pkt), epb(0, pkt)]);
      const bytes = Uint8Array.from(f.bytes);
      new DataView(bytes.buffer).setUint32(f.offsets[3]! + 4, 0x7ffffff0, true);
      const got = await drain(tmp("huge.pcapng", bytes));
      expect(got.rows).to.have.length(1);
      expect(got.error!.message).to.match(/block total length 2147483632 exceeds the maximum/);
    });

    it("an EPB whose caplen overruns its block", async () => {
      const f = buildPcapng([shb(), idb(1), epb(0, pkt), epb(0, pkt)]);
      const bytes = Uint8Array.from(f.bytes);
      new DataView(bytes.buffer).setUint32(f.offsets[3]! + 20, 200, true);
      const got = await drain(tmp("overrun.pcapng", bytes));
      expect(got.rows).to.have.length(1);
      expect(got.error!.message).to.match(/packet data \(caplen 200\) overruns the block/);
    });

    it("an unsupported section version in a later section", async () => {
      const f = buildPcapng([shb(), idb(1), epb(0, pkt), shb({ major: 2 }), idb(1), epb(0, pkt)]);
      const got = await drain(tmp("ver.pcapng", f.bytes));
      expect(got.rows).to.have.length(1);
      expect(got.error!.message).to.match(/unsupported pcapng version 2\.0/);
      expect(got.error!.offset).to.equal(f.offsets[3]);
    });

    it("a file cut inside a block header", async () => {
      const f = buildPcapng([shb(), idb(1), epb(0, pkt), epb(0, pkt)]);
      const got = await drain(tmp("cut.pcapng", f.bytes.subarray(0, f.offsets[3]! + 6)));
      expect(got.rows).to.have.length(1);
      expect(got.error!.message).to.match(/truncated block header: 6 bytes/);
      expect([got.error!.offset, got.error!.packetIndex]).to.deep.equal([f.offsets[3], 1]);
    });

    it("a file cut inside the first section header is refused at open", async () => {
      const f = buildPcapng([shb(), idb(1)]);
      const e = await openError(tmp("cutshb.pcapng", f.bytes.subarray(0, 20)));
      expect(e.message).to.match(/truncated section header block/);
    });

    it("an IDB option that overruns its block", async () => {
      const f = buildPcapng([shb(), idb(1, { rawOptions: Uint8Array.from([9, 0, 40, 0, 6, 0, 0, 0]) }), epb(0, pkt)]);
      const e = await drain(tmp("opt.pcapng", f.bytes));
      expect(e.rows).to.have.length(0);
      expect(e.error!.message).to.match(/option 9 of length 40 overruns the block/);
    });
  });
});

describe("openCapture on unreadable paths and bad options", () => {
  it("a missing file and a directory: CaptureError naming the file", async () => {
    for (const [p, msg] of [["/nonexistent/x.pcap", /cannot open: ENOENT: no such file or directory/], [tmpdir(), /cannot open: EISDIR/]] as const) {
      try {
        await openCapture(p);
        expect.fail("opened");
      } catch (e) {
        expect(e).to.be.instanceOf(CaptureError);
        expect((e as CaptureError).format()).to.match(msg);
        expect((e as CaptureError).message.startsWith(p)).to.equal(true);
      }
    }
  });

  it("bad options are programming errors (RangeError), not capture errors", async () => {
    for (const o of [{ chunkSize: 0 }, { batchSize: 0 }, { maxCaplen: -1 }, { reader: "libpcap" }]) {
      let err: unknown = null;
      try {
        await openCapture(capture("http.pcap"), o as never);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(o)).to.be.instanceOf(RangeError);
    }
  });
});
