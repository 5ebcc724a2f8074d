// Map helpers: queue/stack push/pop/peek against the kernel (xdp-queue-stack fixture, map state
// carried across packets), and table-driven lookup/update/delete/percpu cases on simulated maps.

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { addr } from "../../../src/runtime/memory.js";
import { call, kernelFixture, loadPacket, makeRuntime, mapPtr, mapSpec, putStack, s64, stack, unhex } from "./call-helper.js";

const LOOKUP = 1, UPDATE = 2, DELETE = 3, PUSH = 87, POP = 88, PEEK = 89, LOOKUP_PERCPU = 195;
const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);

describe("queue/stack helpers vs kernel (xdp-queue-stack)", () => {
  const fx = kernelFixture("xdp-queue-stack");
  const rt = makeRuntime([mapSpec(0, "queue", MapType.QUEUE, 0, 4, 4), mapSpec(1, "stack", MapType.STACK, 0, 4, 4)]);
  for (const c of fx.cases) {
    it(c.name, () => {
      const p = loadPacket(rt, c.packet);
      const dv = new DataView(p.buffer);
      const want = new DataView(unhex(c.out!).buffer);
      for (let i = 0; i < 6; i++) {
        const at = 16 + 16 * i;
        const code = p[at], m = mapPtr(rt, p[at + 1]);
        const v = dv.getUint32(at + 4, true), flags = dv.getBigUint64(at + 8, true);
        let r = 0;
        const buf = putStack(rt, 0, u32(code === 1 ? v : code === 0 ? v : 0xeeeeeeee));
        if (code === 1) r = s64(call(rt, PUSH, m, buf, flags));
        else if (code === 2) r = s64(call(rt, POP, m, buf));
        else if (code === 3) r = s64(call(rt, PEEK, m, buf));
        const got = new DataView(rt.stackRegion.bytes.buffer).getUint32(0, true);
        expect([i, r, got]).to.deep.equal([i, want.getInt8(112 + 5 * i), want.getUint32(113 + 5 * i, true)]);
      }
    });
  }
});

describe("lookup / update / delete", () => {
  const rt = makeRuntime([
    mapSpec(0, "arr", MapType.ARRAY, 4, 8, 4),
    mapSpec(1, "hash", MapType.HASH, 4, 4, 2),
    mapSpec(2, "pcpu", MapType.PERCPU_ARRAY, 4, 4, 2),
  ], { ncpus: 3, cpu: 1 });
  const key = (k: number) => putStack(rt, 0, u32(k));
  const val = (v: number) => putStack(rt, 8, u32(v));

  it("array lookup returns a pointer into the value region; out of range → NULL", () => {
    const p = call(rt, LOOKUP, mapPtr(rt, 0), key(2));
    expect(Number(p >> 32n)).to.equal(rt.maps[0].valueRegion!.id);
    expect(call(rt, LOOKUP, mapPtr(rt, 0), key(4))).to.equal(0n);
  });

  const table: [string, () => bigint, number][] = [
    ["hash update ANY", () => call(rt, UPDATE, mapPtr(rt, 1), key(1), val(11), 0), 0],
    ["hash update NOEXIST on existing → -EEXIST", () => call(rt, UPDATE, mapPtr(rt, 1), key(1), val(12), 1), -17],
    ["hash update EXIST on missing → -ENOENT", () => call(rt, UPDATE, mapPtr(rt, 1), key(2), val(12), 2), -2],
    ["hash update flags with high bits → -EINVAL", () => call(rt, UPDATE, mapPtr(rt, 1), key(2), val(12), 1n << 32n), -22],
    ["hash second key", () => call(rt, UPDATE, mapPtr(rt, 1), key(2), val(22), 0), 0],
    ["hash full → -E2BIG", () => call(rt, UPDATE, mapPtr(rt, 1), key(3), val(33), 0), -7],
    ["hash delete", () => call(rt, DELETE, mapPtr(rt, 1), key(2)), 0],
    ["hash delete missing → -ENOENT", () => call(rt, DELETE, mapPtr(rt, 1), key(2)), -2],
    ["array delete → -EINVAL", () => call(rt, DELETE, mapPtr(rt, 0), key(0)), -22],
  ];
  for (const [name, fn, want] of table) it(name, () => expect(s64(fn())).to.equal(want));

  it("hash lookup sees the updated value", () => {
    const p = call(rt, LOOKUP, mapPtr(rt, 1), key(1));
    const region = rt.mem.region(Number(p >> 32n));
    expect(region.dv.getUint32(Number(p & 0xffffffffn), true)).to.equal(11);
  });

  it("per-CPU lookup uses the runtime's CPU; lookup_percpu_elem any CPU below ncpus", () => {
    const mine = call(rt, LOOKUP, mapPtr(rt, 2), key(0));
    const cpu1 = call(rt, LOOKUP_PERCPU, mapPtr(rt, 2), key(0), 1);
    const cpu0 = call(rt, LOOKUP_PERCPU, mapPtr(rt, 2), key(0), 0);
    expect(mine).to.equal(cpu1);
    expect(cpu0).to.not.equal(cpu1);
    expect(call(rt, LOOKUP_PERCPU, mapPtr(rt, 2), key(0), 3)).to.equal(0n);
  });

  it("faults on a non-map first argument and on keys outside memory", () => {
    expect(() => call(rt, LOOKUP, stack(0), key(0))).to.throw(/R1 is not a map pointer/);
    expect(() => call(rt, LOOKUP, mapPtr(rt, 0), addr(0, 0))).to.throw(/invalid memory access/);
    expect(() => call(rt, LOOKUP_PERCPU, mapPtr(rt, 0), key(0), 0)).to.throw(/not a per-CPU map/);
    expect(() => call(rt, PUSH, mapPtr(rt, 0), key(0), 0)).to.throw(/not a queue or stack/);
  });
});
