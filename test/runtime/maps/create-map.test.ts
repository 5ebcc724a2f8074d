// createMap: one family per supported type, LoadErrors naming map, type and errno for definitions
// the kernel refuses or types xdpsim lacks, and the regions each map puts in the address space.

import { expect } from "chai";
import { LoadError } from "../../../src/errors.js";
import { MapType } from "../../../src/loader/types.js";
import { AddressSpace, RegionKind } from "../../../src/runtime/memory.js";
import { createMap, mapTypeName } from "../../../src/runtime/maps/create-map.js";
import { BPF_F_NO_PREALLOC } from "../../../src/runtime/maps/map-flags.js";
import { makeSpec } from "./make-map.js";

/** A valid definition of every supported family, and what it should look like. */
const FAMILIES: { type: MapType; over?: object; values: boolean; dumpable: boolean }[] = [
  { type: MapType.HASH, values: true, dumpable: true },
  { type: MapType.ARRAY, values: true, dumpable: true },
  { type: MapType.PROG_ARRAY, values: false, dumpable: false },
  { type: MapType.PERCPU_HASH, values: true, dumpable: true },
  { type: MapType.PERCPU_ARRAY, values: true, dumpable: true },
  { type: MapType.LRU_HASH, values: true, dumpable: true },
  { type: MapType.LRU_PERCPU_HASH, values: true, dumpable: true },
  { type: MapType.LPM_TRIE, over: { keySize: 8, flags: BPF_F_NO_PREALLOC }, values: true, dumpable: true },
  { type: MapType.DEVMAP, values: true, dumpable: true },
  { type: MapType.DEVMAP_HASH, values: true, dumpable: true },
  { type: MapType.CPUMAP, values: false, dumpable: true },
  { type: MapType.XSKMAP, values: false, dumpable: true },
  { type: MapType.QUEUE, over: { keySize: 0 }, values: false, dumpable: false },
  { type: MapType.STACK, over: { keySize: 0 }, values: false, dumpable: false },
  { type: MapType.RINGBUF, over: { keySize: 0, valueSize: 0, maxEntries: 4096 }, values: false, dumpable: false },
];

describe("maps: createMap", () => {
  for (const f of FAMILIES) {
    it(`${mapTypeName(f.type)}: handle region${f.values ? " + value region" : ""}, both tagged with the map slot`, () => {
      const mem = new AddressSpace();
      const spec = makeSpec({ type: f.type, name: "fam", index: 5, ...f.over });
      const map = createMap(spec, mem, 2);
      expect(map.spec).to.equal(spec);
      expect(map.dumpable).to.equal(f.dumpable);
      expect(map.handleRegion.kind).to.equal(RegionKind.MapHandle);
      expect(map.handleRegion.mapIndex).to.equal(5);
      expect(map.handleRegion.label).to.equal("map 'fam'");
      expect(mem.region(map.handleRegion.id)).to.equal(map.handleRegion);
      if (f.values) {
        expect(map.valueRegion!.kind).to.equal(RegionKind.MapValue);
        expect(map.valueRegion!.mapIndex).to.equal(5);
        expect(mem.region(map.valueRegion!.id)).to.equal(map.valueRegion);
      } else {
        expect(map.valueRegion).to.equal(null);
      }
    });
  }

  const unsupported: [MapType, string][] = [
    [MapType.ARRAY_OF_MAPS, "array_of_maps"],
    [MapType.HASH_OF_MAPS, "hash_of_maps"], [MapType.SOCKMAP, "sockmap"], [MapType.STACK_TRACE, "stack_trace"],
    [99 as MapType, "type 99"],
  ];
  for (const [type, name] of unsupported) {
    it(`${name}: LoadError naming the map and the type`, () => {
      expect(() => createMap(makeSpec({ type, name: "events" }), new AddressSpace(), 1))
        .to.throw(LoadError, new RegExp(`map 'events'.*${name}.*not supported`));
    });
  }

  const refused: [string, object, string, RegExp][] = [
    ["array key_size 8", { type: MapType.ARRAY, keySize: 8 }, "EINVAL", /key_size is 8, must be 4/],
    ["hash max_entries 0", { type: MapType.HASH, maxEntries: 0 }, "EINVAL", /max_entries is 0/],
    ["array value_size 2^31", { type: MapType.ARRAY, valueSize: 2 ** 31 }, "E2BIG", /value_size 2147483648 exceeds KMALLOC_MAX_SIZE/],
    ["array value_size 4 MiB + 1", { type: MapType.ARRAY, valueSize: 4 * 2 ** 20 + 1, maxEntries: 1 }, "E2BIG", /exceeds KMALLOC_MAX_SIZE/],
    ["lru with BPF_F_NO_PREALLOC", { type: MapType.LRU_HASH, flags: BPF_F_NO_PREALLOC }, "ENOTSUPP", /NO_PREALLOC/],
    ["lpm key layout", { type: MapType.LPM_TRIE, keySize: 4, flags: BPF_F_NO_PREALLOC }, "EINVAL", /prefixlen/],
    ["ringbuf 6000 bytes", { type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 6000 }, "EINVAL", /power of 2/],
    ["queue with a key", { type: MapType.QUEUE, keySize: 4 }, "EINVAL", /key_size is 4, must be 0/],
    ["cpumap beyond NR_CPUS", { type: MapType.CPUMAP, maxEntries: 100000 }, "E2BIG", /NR_CPUS/],
    ["global data with 2 entries", { type: MapType.ARRAY, isGlobalData: true, maxEntries: 2 }, "EINVAL", /global data/],
  ];
  for (const [name, over, errno, why] of refused) {
    it(`${name}: LoadError with the reason and ${errno}`, () => {
      const make = (): unknown => createMap(makeSpec({ name: "bad", ...over } as never), new AddressSpace(), 2);
      expect(make).to.throw(LoadError, new RegExp(`map 'bad'.*${errno}`));
      expect(make).to.throw(LoadError, why);
    });
  }

  it("LoadError messages are one line with the loader stage", () => {
    try {
      createMap(makeSpec({ type: MapType.HASH, name: "flows", keySize: 0 }), new AddressSpace(), 1);
      expect.fail("no error");
    } catch (e) {
      expect(e).to.be.instanceOf(LoadError);
      expect((e as LoadError).format()).to.equal("[loader] map 'flows' (hash): key_size is 0 (the kernel's BPF_MAP_CREATE fails: EINVAL)");
    }
  });

  it("refuses maps too large to allocate up front", () => {
    expect(() => createMap(makeSpec({ type: MapType.ARRAY, valueSize: 1 << 20, maxEntries: 4096 }), new AddressSpace(), 1))
      .to.throw(LoadError, /MiB/);
  });

  it("needs a positive CPU count", () => {
    expect(() => createMap(makeSpec({ type: MapType.ARRAY }), new AddressSpace(), 0)).to.throw(RangeError);
  });
});
