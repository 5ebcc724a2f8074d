// Shared map storage (src/runtime/maps/map-storage.ts, shared-maps.ts) and shared atomics
// (src/exec/shared-atomics.ts) under real concurrency: two worker threads hammer the same
// SharedArrayBuffers; lost updates or a corrupted index would change the exact totals checked here.

import { expect } from "chai";
import { Worker } from "node:worker_threads";
import { MapType, type MapSpec } from "../../src/loader/types.js";
import { AddressSpace } from "../../src/runtime/memory.js";
import { createMap } from "../../src/runtime/maps/create-map.js";
import { HashMap } from "../../src/runtime/maps/hash-map.js";
import { SharedMapStorage, withMapStorage } from "../../src/runtime/maps/map-storage.js";
import { SharedHashMap, SharedLruHashMap } from "../../src/runtime/maps/shared-maps.js";

const spec = (type: MapType, maxEntries: number): MapSpec => ({
  index: 0, name: "m", type, keySize: 4, valueSize: 8, maxEntries, flags: 0, btfKeyTypeId: 0, btfValueTypeId: 0,
  isGlobalData: false, readOnly: false, pinning: 0, numaNode: 0,
} as MapSpec);

function runWorkers(data: (cpu: number) => object, n = 2): Promise<void> {
  const start = new Int32Array(new SharedArrayBuffer(4));
  const url = new URL("./stress-worker.js", import.meta.url);
  return Promise.all(Array.from({ length: n }, (_, cpu) => new Promise<void>((resolve, reject) => {
    const w = new Worker(url, { workerData: { ...data(cpu), cpu, start } });
    w.on("message", () => { void w.terminate(); resolve(); });
    w.on("error", reject);
  }))).then(() => undefined);
}

describe("parallel: shared maps and atomics across worker threads", function () {
  this.timeout(120_000);

  it("BPF atomic add, fetch-add (64-bit carry) and cmpxchg loops lose no update", async () => {
    const sab = new SharedArrayBuffer(32);
    const n = 100_000;
    await runWorkers(() => ({ kind: "atomics", buffers: [sab], n }));
    const dv = new DataView(sab);
    expect(dv.getUint32(0, true)).to.equal(2 * n);
    expect(dv.getBigUint64(8, true)).to.equal(BigInt(2 * n) * 0x7fffffffn);
    expect(dv.getBigUint64(16, true)).to.equal(BigInt(2 * n));
    expect(dv.getBigUint64(24, true)).to.equal(BigInt(2 * n) * 0xffffffffn);
  });

  for (const type of [MapType.HASH, MapType.LRU_HASH]) {
    it(`${type === MapType.HASH ? "HASH" : "LRU_HASH"}: concurrent inserts, deletes and replacements keep the index exact`, async () => {
      const n = 3000;
      const storage = new SharedMapStorage();
      const s = spec(type, 8192);
      const map = withMapStorage(storage, () => createMap(s, new AddressSpace(), 2));
      expect(map).to.be.instanceOf(type === MapType.HASH ? SharedHashMap : SharedLruHashMap);
      await runWorkers(() => ({ kind: "hash", buffers: storage.buffers, spec: s, ncpus: 2, n }));
      const entries = map.dump();
      expect(entries.length).to.equal(2 * Math.ceil(n / 2));
      expect((map as SharedHashMap).size).to.equal(entries.length);
      const seen = new Map<number, [number, number]>();
      for (const e of entries) {
        const k = new DataView(e.key.buffer).getUint32(0, true);
        const v = new DataView(e.value!.buffer);
        seen.set(k, [v.getUint32(0, true), v.getUint32(4, true)]);
      }
      for (let cpu = 0; cpu < 2; cpu++) {
        for (let i = 0; i < n; i++) {
          const k = (cpu + 1) * 100000 + i;
          if (i % 2) expect(seen.has(k), `key ${k} deleted`).to.equal(false);
          else expect(seen.get(k), `key ${k}`).to.deep.equal([i * 3, cpu]);
        }
      }
    });
  }

  it("the single-threaded default keeps private ArrayBuffers and the plain classes", () => {
    const m = createMap(spec(MapType.HASH, 16), new AddressSpace(), 2);
    expect(m.constructor).to.equal(HashMap);
    expect(m.valueRegion!.bytes.buffer).to.be.instanceOf(ArrayBuffer);
    const storage = new SharedMapStorage();
    const a = withMapStorage(storage, () => createMap(spec(MapType.ARRAY, 16), new AddressSpace(), 2));
    expect(a.valueRegion!.bytes.buffer).to.be.instanceOf(SharedArrayBuffer);
    expect(storage.buffers.length).to.equal(1);
  });
});
