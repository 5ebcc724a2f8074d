// LRU_HASH / LRU_PERCPU_HASH: least-recently-used eviction in the kernel's batches, program lookups
// marking entries referenced (syscall lookups do not), failed updates still taking a node, flags.

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { BPF_ANY, BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, EEXIST, EINVAL, ENOENT } from "../../../src/runtime/maps/bpf-map.js";
import type { LruHashMap } from "../../../src/runtime/maps/lru-hash-map.js";
import { BPF_F_NO_COMMON_LRU } from "../../../src/runtime/maps/map-flags.js";
import { hex, makeMap, u32, walkKeys } from "./make-map.js";

function keysOf(map: LruHashMap): number[] {
  return walkKeys(map).map((k) => new DataView(k.buffer).getUint32(0, true)).sort((a, b) => a - b);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

describe("maps: LRU_HASH", () => {
  it("target_free = clamp(max_entries / ncpus / 2, 1, 128) (bpf_common_lru_populate)", () => {
    const table: [number, number, number][] = [[8, 2, 2], [16, 2, 4], [3, 2, 1], [1024, 1, 128], [100, 4, 12]];
    for (const [max, ncpus, want] of table) {
      expect(makeMap<LruHashMap>({ type: MapType.LRU_HASH, maxEntries: max }, ncpus).map.lru.targetFree, `${max}/${ncpus}`).to.equal(want);
    }
  });

  it("inserting into a full map evicts the oldest entries first, target_free at a time", () => {
    const { map } = makeMap<LruHashMap>({ type: MapType.LRU_HASH, maxEntries: 16 }, 2);
    for (const k of range(1, 17)) expect(map.userUpdate(u32(k), u32(k), BPF_ANY)).to.equal(0);
    expect(keysOf(map)).to.deep.equal(range(1, 17));
    map.userUpdate(u32(17), u32(17), BPF_ANY);
    expect(keysOf(map)).to.deep.equal(range(5, 18)); // 4 oldest harvested, one reused
    for (const k of range(18, 30)) map.userUpdate(u32(k), u32(k), BPF_ANY);
    const keys = keysOf(map);
    expect(keys.length).to.be.within(13, 16);
    expect(keys).to.deep.equal(range(30 - keys.length, 30)); // survivors are always the newest
  });

  it("keys a program keeps looking up survive a stream of new keys (map smaller than the working set)", () => {
    const { map } = makeMap<LruHashMap>({ type: MapType.LRU_HASH, maxEntries: 64 }, 2);
    const hot = range(1000, 1008);
    for (const k of hot) map.update(u32(k), 0, u32(k), 0, BPF_ANY, 0);
    for (let k = 0; k < 2000; k++) {
      map.update(u32(k), 0, u32(k), 0, BPF_ANY, 0);
      if (k % 16 === 0) for (const h of hot) expect(map.lookup(u32(h), 0, 0), `hot ${h} at ${k}`).to.be.at.least(0);
    }
    const keys = keysOf(map);
    expect(keys.filter((k) => k >= 1000 && k < 1008)).to.deep.equal(hot);
    expect(keys.length).to.be.at.most(64);
  });

  it("a program lookup saves an entry from eviction, a syscall lookup does not", () => {
    for (const [who, survives] of [["program", true], ["syscall", false]] as const) {
      const { map } = makeMap<LruHashMap>({ type: MapType.LRU_HASH, maxEntries: 8 }, 1); // target_free 4
      for (const k of range(1, 9)) map.userUpdate(u32(k), u32(k), BPF_ANY);
      if (who === "program") map.lookup(u32(1), 0, 0);
      else map.userLookup(u32(1));
      map.userUpdate(u32(9), u32(9), BPF_ANY);
      expect(keysOf(map).includes(1), who).to.equal(survives);
    }
  });

  it("an update that fails its flag check still takes (and may evict for) a node, as the kernel's", () => {
    const { map } = makeMap<LruHashMap>({ type: MapType.LRU_HASH, maxEntries: 8 }, 1);
    for (const k of range(1, 9)) map.userUpdate(u32(k), u32(k), BPF_ANY);
    expect(map.userUpdate(u32(50), u32(0), BPF_EXIST)).to.equal(-ENOENT);
    expect(keysOf(map)).to.deep.equal(range(5, 9));
  });

  const flags: [string, number, boolean, number][] = [
    ["NOEXIST on existing", BPF_NOEXIST, true, -EEXIST],
    ["EXIST on missing", BPF_EXIST, false, -ENOENT],
    ["BPF_F_LOCK (program)", BPF_F_LOCK, true, -EINVAL],
    ["flags 3", 3, true, -EINVAL],
    ["EXIST on existing", BPF_EXIST, true, 0],
  ];
  for (const [name, f, existing, rc] of flags) {
    it(`${name} → ${rc}`, () => {
      const { map } = makeMap({ type: MapType.LRU_HASH, maxEntries: 4 }, 1);
      if (existing) map.userUpdate(u32(1), u32(1), BPF_ANY);
      expect(map.update(u32(1), 0, u32(2), 0, f, 0)).to.equal(rc);
    });
  }

  it("replacing a key gives it a new element (and value address), delete frees it", () => {
    const { map } = makeMap({ type: MapType.LRU_HASH, maxEntries: 4 }, 1);
    map.update(u32(1), 0, u32(1), 0, BPF_ANY, 0);
    const a = map.lookup(u32(1), 0, 0);
    map.update(u32(1), 0, u32(2), 0, BPF_ANY, 0);
    const b = map.lookup(u32(1), 0, 0);
    expect(b).to.not.equal(a);
    expect(hex(map.userLookup(u32(1)))).to.equal("02000000");
    expect(map.delete(u32(1), 0, 0)).to.equal(0);
    expect(map.delete(u32(1), 0, 0)).to.equal(-ENOENT);
  });

  it("BPF_F_NO_COMMON_LRU: each CPU evicts from its own list (max_entries / ncpus nodes each)", () => {
    const { map } = makeMap<LruHashMap>({ type: MapType.LRU_HASH, maxEntries: 8, flags: BPF_F_NO_COMMON_LRU }, 2);
    for (const k of range(1, 9)) map.update(u32(k), 0, u32(k), 0, BPF_ANY, 0);
    expect(keysOf(map)).to.deep.equal([5, 6, 7, 8]);
    for (const k of range(11, 15)) map.update(u32(k), 0, u32(k), 0, BPF_ANY, 1);
    expect(keysOf(map)).to.deep.equal([5, 6, 7, 8, 11, 12, 13, 14]);
  });

  it("reset() empties the map and the LRU lists", () => {
    const { map } = makeMap<LruHashMap>({ type: MapType.LRU_HASH, maxEntries: 8 }, 2);
    for (const k of range(1, 20)) map.userUpdate(u32(k), u32(k), BPF_ANY);
    map.reset();
    expect(map.dump()).to.deep.equal([]);
    for (const k of range(1, 9)) map.userUpdate(u32(k), u32(k), BPF_ANY);
    expect(keysOf(map)).to.deep.equal(range(1, 9));
  });
});

describe("maps: LRU_PERCPU_HASH", () => {
  it("updates existing values in place for one CPU (program) or all (syscall); inserts zero other CPUs", () => {
    const { map } = makeMap({ type: MapType.LRU_PERCPU_HASH, maxEntries: 4, valueSize: 4 }, 2);
    expect(map.update(u32(1), 0, u32(0x11), 0, BPF_ANY, 1)).to.equal(0);
    const off = map.lookup(u32(1), 0, 1);
    expect(map.dump()[0].values!.map(hex)).to.deep.equal(["00000000", "11000000"]);
    expect(map.update(u32(1), 0, u32(0x22), 0, BPF_ANY, 0)).to.equal(0);
    expect(map.lookup(u32(1), 0, 1)).to.equal(off);
    expect(map.userUpdate(u32(1), new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]), BPF_EXIST)).to.equal(0);
    expect(map.dump()[0].values!.map(hex)).to.deep.equal(["03000000", "04000000"]);
    expect(map.lookup(u32(1), 0, 2)).to.equal(-1);
  });
});
