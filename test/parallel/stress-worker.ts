// Worker for shared-maps.test.ts: attaches to a map's shared storage (or a raw shared buffer) and
// hammers it concurrently with the other worker; posts "done" when finished.

import { parentPort, workerData } from "node:worker_threads";
import { AddressSpace } from "../../src/runtime/memory.js";
import { createMap } from "../../src/runtime/maps/create-map.js";
import { AttachedMapStorage, withMapStorage } from "../../src/runtime/maps/map-storage.js";
import { sharedAtomic, sharedAtomicHi } from "../../src/exec/shared-atomics.js";
import type { MapSpec } from "../../src/loader/types.js";

interface Task {
  kind: "atomics" | "hash";
  buffers: SharedArrayBuffer[];
  spec?: MapSpec;
  ncpus?: number;
  cpu: number;
  n: number;
  start: Int32Array;
}

const t = workerData as Task;
// Start together: both workers spin on the start flag so their loops overlap.
Atomics.add(t.start, 0, 1);
while (Atomics.load(t.start, 0) < 2) { /* spin */ }

if (t.kind === "atomics") {
  const bytes = new Uint8Array(t.buffers[0]);
  for (let i = 0; i < t.n; i++) {
    sharedAtomic(bytes, 0, 4, 0x00, 1, 0, 0, 0); // 32-bit add
    sharedAtomic(bytes, 8, 8, 0x01, 0x7fffffff, 0, 0, 0); // 64-bit fetch-add (carries into the high word)
    sharedAtomic(bytes, 24, 8, 0x00, -1, 0, 0, 0); // 64-bit add of 0xffffffff without fetch (two 32-bit atomics, carry each time)
    // cmpxchg loop increment on a 64-bit word
    for (;;) {
      const lo = sharedAtomic(bytes, 16, 8, 0x40 | 0x01, 0, 0, 0, 0); // fetch-or 0: an atomic read
      const hi = sharedAtomicHi;
      const nlo = (lo + 1) | 0;
      const nhi = nlo === 0 ? (hi + 1) | 0 : hi;
      const old = sharedAtomic(bytes, 16, 8, 0xf1, nlo, nhi, lo, hi);
      if (old === lo && sharedAtomicHi === hi) break;
    }
  }
} else {
  const mem = new AddressSpace();
  const map = withMapStorage(new AttachedMapStorage(t.buffers), () => createMap(t.spec!, mem, t.ncpus!));
  const key = new Uint8Array(4), val = new Uint8Array(8);
  const kv = new DataView(key.buffer), vv = new DataView(val.buffer);
  const base = (t.cpu + 1) * 100000;
  for (let i = 0; i < t.n; i++) {
    kv.setUint32(0, base + i, true);
    vv.setUint32(0, i, true);
    vv.setUint32(4, t.cpu, true);
    if (map.update(key, 0, val, 0, 1 /* NOEXIST */, t.cpu) !== 0) throw new Error(`insert ${base + i} failed`);
    if (map.lookup(key, 0, t.cpu) < 0) throw new Error(`lookup ${base + i} after insert failed`);
  }
  for (let i = 1; i < t.n; i += 2) {
    kv.setUint32(0, base + i, true);
    if (map.delete(key, 0, t.cpu) !== 0) throw new Error(`delete ${base + i} failed`);
  }
  for (let i = 0; i < t.n; i += 2) {
    kv.setUint32(0, base + i, true);
    vv.setUint32(0, i * 3, true);
    if (map.update(key, 0, val, 0, 2 /* EXIST */, t.cpu) !== 0) throw new Error(`replace ${base + i} failed`);
  }
}
parentPort!.postMessage("done");
