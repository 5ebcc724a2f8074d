// PcapWriter: round trips through our readers and tcpdump, temp-name-then-rename, abort, origLen
// rule, oversized records; a fast-check property (random records → write → read back identical).
// Spec: draft-ietf-opsawg-pcap §4–5.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { openCapture } from "../../src/pcap/open-capture.js";
import { outputOrigLen, PcapWriter } from "../../src/pcap/write-pcap.js";
import { capture, drain, md5, type Row } from "./load-fixtures.js";

const hasTcpdump = spawnSync("tcpdump", ["--version"], { stdio: "ignore" }).status === 0;

describe("PcapWriter", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "xdpsim-writer-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function copyCapture(src: string, dst: string, opts: { bufferSize?: number } = {}): Promise<Row[]> {
    const ref = await drain(src);
    const cap = await openCapture(src);
    const w = new PcapWriter(dst, { linkType: cap.linkType, nanosecond: cap.nanosecond, ...opts });
    for await (const b of cap.batches()) {
      for (let i = 0; i < b.count; i++) w.write(b.buf, b.offs[i]!, b.lens[i]!, b.origLens[i]!, b.tsSec[i]!, b.tsNsec[i]!);
    }
    await w.close();
    return ref.rows;
  }

  for (const [name, ns] of [
    ["http.pcap", false],
    ["get-to-ssh-server.pcap", true],
    ["pptp.pcap", false],
    ["truncated-header.pcap", false],
    ["ipv6_jumbogram_1.pcap", false],
  ] as const) {
    it(`round trip of ${name} (${ns ? "ns" : "µs"}): same packets, little-endian ${ns ? "a1b23c4d" : "a1b2c3d4"}`, async () => {
      const out = join(dir, "out.pcap");
      const ref = await copyCapture(capture(name), out, { bufferSize: 4096 });
      const head = readFileSync(out).subarray(0, 24);
      const v = new DataView(head.buffer, head.byteOffset, 24);
      expect(v.getUint32(0, true)).to.equal(ns ? 0xa1b23c4d : 0xa1b2c3d4);
      expect([v.getUint16(4, true), v.getUint16(6, true), v.getUint32(16, true), v.getUint32(20, true)]).to.deep.equal([2, 4, 262144, 1]);
      const got = await drain(out);
      expect(got.nanosecond).to.equal(ns);
      expect(got.rows.map((r) => [r.sec, r.nsec, r.len, r.origLen, md5(r.bytes)])).to.deep.equal(
        ref.map((r) => [r.sec, r.nsec, r.len, r.origLen, md5(r.bytes)]),
      );
      if (hasTcpdump) {
        const t = spawnSync("tcpdump", ["-nr", out], { encoding: "utf8" });
        expect(t.status, t.stderr).to.equal(0);
        expect(t.stdout.trim().split("\n")).to.have.length(ref.length);
      }
    });
  }

  it("writes to a hidden temp name in the same directory and renames it on close()", async () => {
    const out = join(dir, "pass.pcap");
    const w = new PcapWriter(out, { linkType: 1 });
    w.write(new Uint8Array(60), 0, 60, 60, 1767225600, 0);
    expect(existsSync(out)).to.equal(false);
    expect(existsSync(w.tempPath)).to.equal(true);
    expect(w.tempPath.startsWith(join(dir, ".pass.pcap."))).to.equal(true);
    await w.close();
    expect(existsSync(w.tempPath)).to.equal(false);
    expect(readdirSync(dir)).to.deep.equal(["pass.pcap"]);
    expect(readFileSync(out).length).to.equal(24 + 16 + 60);
    await w.close(); // idempotent
  });

  it("abort() removes the temp file and never touches an existing output", async () => {
    const out = join(dir, "drop.pcap");
    writeFileSync(out, "previous run");
    const w = new PcapWriter(out, { linkType: 1, bufferSize: 64 });
    for (let i = 0; i < 10; i++) w.write(new Uint8Array(100), 0, 100, 100, i, 0); // flushed to disk already
    await w.abort();
    expect(readdirSync(dir)).to.deep.equal(["drop.pcap"]);
    expect(readFileSync(out, "utf8")).to.equal("previous run");
    expect(() => w.write(new Uint8Array(1), 0, 1, 1, 0, 0)).to.throw(/write after close/);
  });

  it("origLen: never below the bytes written; outputOrigLen keeps the uncaptured byte count", async () => {
    expect(outputOrigLen(60, 60, 60)).to.equal(60);
    expect(outputOrigLen(1514, 68, 68)).to.equal(1514); // snaplen-truncated, unchanged
    expect(outputOrigLen(1514, 68, 54)).to.equal(1500); // 14 bytes popped (decap)
    expect(outputOrigLen(1514, 68, 118)).to.equal(1564); // 50 bytes pushed (encap)
    expect(outputOrigLen(60, 60, 40)).to.equal(40);
    const out = join(dir, "o.pcap");
    const w = new PcapWriter(out, { linkType: 1 });
    w.write(new Uint8Array(80), 0, 80, 60, 0, 0); // origLen below len is raised
    await w.close();
    expect((await drain(out)).rows.map((r) => [r.len, r.origLen])).to.deep.equal([[80, 80]]);
  });

  it("µs output truncates nanoseconds; seconds are unsigned 32-bit (far future kept, wider wraps)", async () => {
    const out = join(dir, "t.pcap");
    const w = new PcapWriter(out, { linkType: 1 });
    w.write(new Uint8Array(14), 0, 14, 14, 4294967295, 999999999);
    w.write(new Uint8Array(14), 0, 14, 14, 4294967296 + 5, 1999);
    await w.close();
    expect((await drain(out)).rows.map((r) => [r.sec, r.nsec])).to.deep.equal([
      [4294967295, 999999000],
      [5, 1000],
    ]);
  });

  it("records larger than the buffer, and a 0-byte record", async () => {
    const out = join(dir, "big.pcap");
    const big = Uint8Array.from({ length: 70000 }, (_, i) => i & 0xff);
    const w = new PcapWriter(out, { linkType: 276, bufferSize: 1000 });
    w.write(big, 0, 70000, 70000, 1, 2000);
    w.write(big, 5, 0, 0, 2, 0);
    w.write(big, 10, 500, 600, 3, 0);
    await w.close();
    expect([w.packets, w.bytes]).to.deep.equal([3, 70500]);
    const got = await drain(out);
    expect(got.rows.map((r) => [r.len, r.origLen, r.linkType])).to.deep.equal([
      [70000, 70000, 276],
      [0, 0, 276],
      [500, 600, 276],
    ]);
    expect(md5(got.rows[0]!.bytes)).to.equal(md5(big));
    expect(md5(got.rows[2]!.bytes)).to.equal(md5(big.subarray(10, 510)));
  });

  it("property: any records written read back identical (both precisions, any buffer/chunk size)", async () => {
    const record = fc.record({
      bytes: fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      extra: fc.nat({ max: 100000 }),
      sec: fc.nat({ max: 0xffffffff }),
      nsec: fc.nat({ max: 999_999_999 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: 16, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom("chunked", "pcap-parser"),
        async (recs, ns, bufferSize, chunkSize, reader) => {
          const out = join(dir, `p${run++}.pcap`);
          const w = new PcapWriter(out, { linkType: 1, nanosecond: ns, bufferSize });
          for (const r of recs) w.write(r.bytes, 0, r.bytes.length, r.bytes.length + r.extra, r.sec, r.nsec);
          await w.close();
          const got = await drain(out, { chunkSize, reader: reader as "chunked" | "pcap-parser", batchSize: 7 });
          expect(got.error).to.equal(null);
          expect(got.nanosecond).to.equal(ns);
          expect(got.rows.length).to.equal(recs.length);
          got.rows.forEach((g, i) => {
            const r = recs[i]!;
            expect([g.index, g.sec, g.nsec, g.len, g.origLen]).to.deep.equal([
              i,
              r.sec,
              ns ? r.nsec : Math.floor(r.nsec / 1000) * 1000,
              r.bytes.length,
              r.bytes.length + r.extra,
            ]);
            expect(Buffer.from(g.bytes).equals(Buffer.from(r.bytes))).to.equal(true);
          });
          rmSync(out);
        },
      ),
      { numRuns: 60 },
    );
  });
});
