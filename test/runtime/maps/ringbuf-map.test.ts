// RINGBUF: record headers (len | BUSY/DISCARD, pg_off), 8-byte alignment, full ring refusals, drain
// order (discarded records skipped, a busy record blocking), records wrapping past the end, query.

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { RegionKind } from "../../../src/runtime/memory.js";
import { EAGAIN, EINVAL, ENOTSUPP, type RingbufMap } from "../../../src/runtime/maps/bpf-map.js";
import {
  BPF_RB_AVAIL_DATA, BPF_RB_CONS_POS, BPF_RB_PROD_POS, BPF_RB_RING_SIZE, BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT,
} from "../../../src/runtime/maps/ringbuf-map.js";
import { hex, makeMap } from "./make-map.js";

function ring(size = 4096): RingbufMap {
  return makeMap<RingbufMap>({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: size }).map;
}

function header(rb: RingbufMap, pos: number): [number, number] {
  const dv = new DataView(rb.dataRegion.bytes.buffer);
  return [dv.getUint32(pos, true), dv.getUint32(pos + 4, true)];
}

describe("maps: RINGBUF", () => {
  const sizes: [number, number][] = [[0, 8], [1, 16], [7, 16], [8, 16], [9, 24], [13, 24], [100, 112]];
  for (const [size, len] of sizes) {
    it(`a ${size}-byte record takes ${len} bytes (8-byte header, rounded up to 8)`, () => {
      const rb = ring();
      expect(rb.reserve(size, 0)).to.equal(8);
      expect(rb.query(BPF_RB_PROD_POS)).to.equal(len);
      expect(rb.reserve(1, 0)).to.equal(len + 8);
    });
  }

  it("the header holds len | BUSY while reserved, len after submit, len | DISCARD after discard; pg_off = 3 + page", () => {
    const rb = ring(8192);
    const a = rb.reserve(5, 0);
    expect(header(rb, a - 8)).to.deep.equal([(5 | BPF_RINGBUF_BUSY_BIT) >>> 0, 3]);
    rb.commit(a, false, 0);
    expect(header(rb, a - 8)).to.deep.equal([5, 3]);
    const b = rb.reserve(4090, 0); // header at 16, data crosses into page 1
    rb.commit(b, true, 0);
    expect(header(rb, b - 8)).to.deep.equal([(4090 | BPF_RINGBUF_DISCARD_BIT) >>> 0, 3]);
    const c = rb.reserve(1, 0);
    expect(c - 8).to.equal(4120); // 16 + round_up(4090 + 8, 8)
    expect(header(rb, c - 8)[1]).to.equal(4);
  });

  it("drain() returns committed records in order, skips discarded ones and stops at a busy one", () => {
    const rb = ring();
    expect(rb.output(new Uint8Array([1, 2, 3]), 0, 3, 0)).to.equal(0);
    const d = rb.reserve(2, 0);
    rb.dataRegion.bytes.set([9, 9], d);
    rb.commit(d, true, 0);
    const busy = rb.reserve(4, 0);
    expect(rb.output(new Uint8Array([7]), 0, 1, 0)).to.equal(0);
    expect(rb.drain().map(hex)).to.deep.equal(["010203"]);
    expect(rb.query(BPF_RB_AVAIL_DATA)).to.equal(rb.query(BPF_RB_PROD_POS) - rb.query(BPF_RB_CONS_POS));
    rb.dataRegion.bytes.set([4, 3, 2, 1], busy);
    rb.commit(busy, false, 0);
    expect(rb.drain().map(hex)).to.deep.equal(["04030201", "07"]);
    expect(rb.query(BPF_RB_AVAIL_DATA)).to.equal(0);
    expect(rb.drain()).to.deep.equal([]);
  });

  it("refuses a record that would put more than size - 1 bytes between consumer and producer", () => {
    const rb = ring();
    expect(rb.reserve(4096, 0)).to.equal(-1); // longer than the ring
    expect(rb.reserve(4088, 0)).to.equal(-1); // exactly the ring: needs size - 1 at most
    expect(rb.reserve(4080, 0)).to.equal(8);
    expect(rb.output(new Uint8Array(1), 0, 1, 0)).to.equal(-EAGAIN);
    expect(rb.query(BPF_RB_RING_SIZE)).to.equal(4096);
  });

  it("a record that wraps past the end reads back contiguously and lands at the ring's start", () => {
    const rb = ring();
    const a = rb.reserve(4000, 0);
    rb.commit(a, false, 0);
    expect(rb.drain()).to.have.length(1);
    const payload = Uint8Array.from({ length: 200 }, (_, i) => i);
    expect(rb.output(payload, 0, 200, 0)).to.equal(0); // header at 4008, data 4016..4216 wraps
    expect(hex(rb.dataRegion.bytes.subarray(0, 120))).to.equal(hex(payload.subarray(80)));
    const [rec] = rb.drain();
    expect(hex(rec)).to.equal(hex(payload));
    const b = rb.reserve(300, 0); // reserved right after the wrapped record, at ring offset 120
    expect(b).to.equal(128);
  });

  it("reserve with flags fails; output flags other than NO_WAKEUP/FORCE_WAKEUP are EINVAL", () => {
    const rb = ring();
    expect(rb.reserve(8, 1)).to.equal(-1);
    expect(rb.output(new Uint8Array(1), 0, 1, 3)).to.equal(0);
    expect(rb.output(new Uint8Array(1), 0, 1, 4)).to.equal(-EINVAL);
    expect(rb.query(99)).to.equal(0);
  });

  it("lives in a Ringbuf region of twice the ring size; not addressable as map values, not dumpable", () => {
    const rb = ring(8192);
    expect(rb.dataRegion.kind).to.equal(RegionKind.Ringbuf);
    expect(rb.dataRegion.bytes.length).to.equal(16384);
    expect(rb.dataRegion.writable).to.equal(true);
    expect(rb.valueRegion).to.equal(null);
    expect(rb.dumpable).to.equal(false);
    expect(rb.userUpdate(new Uint8Array(0), new Uint8Array(0), 0)).to.equal(-ENOTSUPP);
    expect(rb.userNextKey(null)).to.equal(null);
    rb.output(new Uint8Array(4), 0, 4, 0);
    rb.reset();
    expect([rb.query(BPF_RB_PROD_POS), rb.query(BPF_RB_CONS_POS), rb.drain().length]).to.deep.equal([0, 0, 0]);
  });
});
