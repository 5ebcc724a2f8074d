// pcapng features beyond the real fixtures: if_tsresol (10^-n and 2^-n), if_tsoffset, OPB, SPB
// snaplen rules, sections of both byte orders, skipped blocks; timestamp arithmetic vs BigInt.
// Spec: draft-ietf-opsawg-pcapng §4.2 (if_tsresol, if_tsoffset), §4.4 (SPB), Appendix A (OPB).

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { openCapture } from "../../src/pcap/open-capture.js";
import { convertTimestamp, makeInterface } from "../../src/pcap/read-pcapng.js";
import { block, buildPcapng, epb, idb, opb, shb, spb } from "./build-pcapng.js";
import { drain, epoch } from "./load-fixtures.js";

const T = 1767225600n; // 2026-01-01
const data = (n: number, seed = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const hasTshark = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;

/** tshark's frame.time_epoch for each packet of a file (live cross-check where tshark exists). */
function tsharkTimes(path: string): string[] {
  const r = spawnSync("tshark", ["-r", path, "-T", "fields", "-e", "frame.encap_type", "-e", "frame.time_epoch"], {
    encoding: "utf8",
  });
  return r.stdout
    .split("\n")
    .filter((l) => l.length > 0 && !l.startsWith("\t"))
    .map((l) => l.split("\t")[1]!);
}

describe("pcapng reader", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "xdpsim-pcapng-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const tmp = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it("timestamp resolutions: 10^-3, 10^-6 (default), 10^-9, 10^-12, 2^-10, 2^-20, 2^-30", async () => {
    const f = buildPcapng([
      shb(),
      idb(1, { tsresol: 3 }),
      idb(1),
      idb(1, { tsresol: 9 }),
      idb(1, { tsresol: 12 }),
      idb(1, { tsresol: 0x80 | 10 }),
      idb(1, { tsresol: 0x80 | 20 }),
      idb(1, { tsresol: 0x80 | 30 }),
      epb(0, data(60), { ts: T * 1000n + 250n }),
      epb(1, data(60), { ts: T * 1_000_000n + 123456n }),
      epb(2, data(60), { ts: T * 1_000_000_000n + 987654321n }),
      epb(3, data(60), { ts: 1_000_000n * 10n ** 12n + 123456789012n }), // 2026 does not fit 64 bits of ps
      epb(4, data(60), { ts: (T << 10n) + 512n + 3n }),
      epb(5, data(60), { ts: (T << 20n) + 524288n }),
      epb(6, data(60), { ts: (T << 30n) + 3n }),
    ]);
    const path = tmp("res.pcapng", f.bytes);
    const got = await drain(path);
    expect(got.error).to.equal(null);
    expect(got.nanosecond).to.equal(true);
    const want = [
      "1767225600.250000000",
      "1767225600.123456000",
      "1767225600.987654321",
      "1000000.123456789", // ps truncated to ns
      "1767225600.502929687", // (512+3)/1024 s = 0.5029296875 → truncated
      "1767225600.500000000",
      "1767225600.000000002", // 3/2^30 s = 2.79 ns → truncated
    ];
    expect(got.rows.map((r) => epoch(r.sec, r.nsec))).to.deep.equal(want);
    // tshark 4.0 overflows on 10^-12 (it prints 1000000.012776324), so that one is not cross-checked.
    if (hasTshark) expect(tsharkTimes(path).filter((_, i) => i !== 3)).to.deep.equal(want.filter((_, i) => i !== 3));
  });

  it("if_tsoffset adds whole seconds (positive and negative)", async () => {
    const f = buildPcapng([
      shb(),
      idb(1, { tsoffset: 1_000_000_000n }),
      idb(1, { tsoffset: -100n, tsresol: 9 }),
      epb(0, data(60), { ts: 767225600n * 1_000_000n + 5n }),
      epb(1, data(60), { ts: (T + 100n) * 1_000_000_000n + 7n }),
    ]);
    const path = tmp("off.pcapng", f.bytes);
    const got = await drain(path);
    const want = ["1767225600.000005000", "1767225600.000000007"];
    expect(got.rows.map((r) => epoch(r.sec, r.nsec))).to.deep.equal(want);
    if (hasTshark) expect(tsharkTimes(path)).to.deep.equal(want);
  });

  it("µs-only interfaces are not nanosecond", async () => {
    const f = buildPcapng([shb(), idb(1), idb(101, { tsresol: 6 }), epb(0, data(60))]);
    expect((await drain(tmp("us.pcapng", f.bytes))).nanosecond).to.equal(false);
  });

  it("reads the obsolete packet block (OPB)", async () => {
    const f = buildPcapng([shb(), idb(1), idb(101), opb(1, data(40, 4), { ts: T * 1_000_000n + 42n, origLen: 100 })]);
    const got = await drain(tmp("opb.pcapng", f.bytes));
    expect(got.rows).to.have.length(1);
    const r = got.rows[0]!;
    expect([r.len, r.origLen, r.linkType, epoch(r.sec, r.nsec)]).to.deep.equal([40, 100, 101, "1767225600.000042000"]);
    expect(Array.from(r.bytes)).to.deep.equal(Array.from(data(40, 4)));
  });

  it("SPB: captured length = min(original length, block room, interface 0 snaplen); no timestamp", async () => {
    const f = buildPcapng([
      shb(),
      idb(1, { snaplen: 32 }),
      spb(data(60), 60), // snaplen cuts it to 32
      shb(),
      idb(113), // snaplen 0: no limit
      spb(data(60), 1500), // only 60 bytes in the block
      spb(data(61), 58), // 58 of the (padded) bytes
    ]);
    const got = await drain(tmp("spb.pcapng", f.bytes));
    expect(got.rows.map((r) => [r.len, r.origLen, r.linkType, r.sec, r.nsec])).to.deep.equal([
      [32, 60, 1, 0, 0],
      [60, 1500, 113, 0, 0],
      [58, 58, 113, 0, 0],
    ]);
    expect(Array.from(got.rows[0]!.bytes)).to.deep.equal(Array.from(data(32)));
  });

  it("SPB with no interface is an error", async () => {
    const f = buildPcapng([shb(), spb(data(60))]);
    const got = await drain(tmp("spb0.pcapng", f.bytes));
    expect(got.error!.message).to.match(/interface id 0 out of range \(section has 0 interfaces\)/);
  });

  it("sections of different byte orders, each with its own interfaces", async () => {
    const f = buildPcapng([
      shb({ le: true }),
      idb(1),
      epb(0, data(60, 1), { ts: T * 1_000_000n }),
      shb({ le: false }),
      idb(101, { tsresol: 9 }),
      idb(1),
      epb(0, data(40, 2), { ts: T * 1_000_000_000n + 1n }),
      epb(1, data(60, 3), { ts: T * 1_000_000n + 2n }),
      shb({ le: true }),
      idb(276),
      epb(0, data(50, 4), { ts: T * 1_000_000n + 3n }),
    ]);
    const path = tmp("sections.pcapng", f.bytes);
    for (const chunkSize of [1 << 20, 1, 30]) {
      const got = await drain(path, { chunkSize });
      expect(got.error).to.equal(null);
      expect(got.rows.map((r) => [r.linkType, r.len, epoch(r.sec, r.nsec)])).to.deep.equal([
        [1, 60, "1767225600.000000000"],
        [101, 40, "1767225600.000000001"],
        [1, 60, "1767225600.000002000"],
        [276, 50, "1767225600.000003000"],
      ]);
      expect(Array.from(got.rows[1]!.bytes)).to.deep.equal(Array.from(data(40, 2)));
    }
    const cap = await openCapture(path);
    expect([cap.littleEndian, cap.linkType, cap.format]).to.deep.equal([true, 1, "pcapng"]);
    await cap.close();
    if (hasTshark) expect(tsharkTimes(path)).to.have.length(4);
  });

  it("skips ISB, NRB, DSB, custom and unknown blocks, and EPB options", async () => {
    const f = buildPcapng([
      shb(),
      block(4, new Uint8Array(4)), // NRB: just the end record
      idb(1),
      block(0x0bad, Uint8Array.of(0, 0, 0x7e, 0x58, 1, 2, 3, 4)), // custom block (PEN 32382)
      epb(0, data(60), { comment: "hello" }),
      block(5, new Uint8Array(12)), // ISB
      block(0x0a, new Uint8Array(16)), // DSB
      block(0x12345678, new Uint8Array(20)), // unknown
      epb(0, data(61)),
    ]);
    const got = await drain(tmp("skip.pcapng", f.bytes));
    expect(got.error).to.equal(null);
    expect(got.rows.map((r) => r.len)).to.deep.equal([60, 61]);
  });

  it("a pcapng without packets (SHB only, or SHB + IDB) is 0 packets and no error", async () => {
    for (const blocks of [[shb()], [shb(), idb(1)], [shb({ le: false }), idb(101), block(5, new Uint8Array(12))]]) {
      const got = await drain(tmp("empty.pcapng", buildPcapng(blocks).bytes));
      expect([got.rows.length, got.error]).to.deep.equal([0, null]);
    }
  });

  it("a big-endian file reports littleEndian false and the first interface's link type", async () => {
    const f = buildPcapng([shb({ le: false }), idb(113, { snaplen: 65535 }), epb(0, data(60))]);
    const cap = await openCapture(tmp("be.pcapng", f.bytes));
    expect([cap.littleEndian, cap.linkType, cap.snaplen]).to.deep.equal([false, 113, 65535]);
    await cap.close();
  });

  it("convertTimestamp matches BigInt arithmetic for any 64-bit value and resolution", () => {
    const out = { sec: 0, nsec: 0 };
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0x80, max: 0x80 + 48 })),
        (ts, res) => {
          const ifc = makeInterface(1, 0, res);
          convertTimestamp(ifc, Number(ts >> 32n), Number(ts & 0xffffffffn), out);
          const units = res & 0x80 ? 1n << BigInt(res & 0x7f) : 10n ** BigInt(res);
          // Seconds beyond 2^53 cannot be exact in a double; everything realistic is.
          if (ts / units < 1n << 53n) expect(out.sec).to.equal(Number(ts / units));
          expect(out.nsec).to.equal(Number(((ts % units) * 1_000_000_000n) / units));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
