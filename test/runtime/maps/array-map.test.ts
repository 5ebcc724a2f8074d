// ARRAY, PERCPU_ARRAY and global-data maps: update flag rules (program and syscall side), value
// offsets and the per-CPU layout, get_next_key/dump shapes, read-only data and reset.

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { RegionKind } from "../../../src/runtime/memory.js";
import { ArrayMap } from "../../../src/runtime/maps/array-map.js";
import {
  BPF_ANY, BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, EPERM,
} from "../../../src/runtime/maps/bpf-map.js";
import { BPF_F_RDONLY, BPF_F_RDONLY_PROG, BPF_F_WRONLY } from "../../../src/runtime/maps/map-flags.js";
import { hex, makeMap, u32 } from "./make-map.js";

describe("maps: ARRAY", () => {
  const table: { name: string; key: number; flags: number; rc: number; lock?: boolean }[] = [
    { name: "BPF_ANY", key: 0, flags: BPF_ANY, rc: 0 },
    { name: "BPF_EXIST (every index exists)", key: 1, flags: BPF_EXIST, rc: 0 },
    { name: "BPF_NOEXIST (every index exists)", key: 1, flags: BPF_NOEXIST, rc: -EEXIST },
    { name: "index = max_entries", key: 4, flags: BPF_ANY, rc: -E2BIG },
    { name: "index out of range beats NOEXIST", key: 9, flags: BPF_NOEXIST, rc: -E2BIG },
    { name: "flags 3", key: 0, flags: 3, rc: -EINVAL },
    { name: "flags 8", key: 0, flags: 8, rc: -EINVAL },
    { name: "flags above 32 bits", key: 0, flags: 2 ** 32, rc: -EINVAL },
    { name: "BPF_F_LOCK without a spin lock", key: 0, flags: BPF_F_LOCK, rc: -EINVAL },
    { name: "BPF_F_LOCK|NOEXIST: EEXIST first", key: 0, flags: BPF_F_LOCK | BPF_NOEXIST, rc: -EEXIST },
    { name: "BPF_F_LOCK with a spin lock", key: 0, flags: BPF_F_LOCK, rc: 0, lock: true },
  ];
  for (const t of table) {
    it(`program update, ${t.name} → ${t.rc}`, () => {
      const { map } = makeMap({ type: MapType.ARRAY, valueSize: 8, spinLockOffset: t.lock ? 0 : undefined });
      expect(map.update(u32(t.key), 0, new Uint8Array(8).fill(3), 0, t.flags, 0)).to.equal(t.rc);
    });
  }

  it("delete is EINVAL from both sides; lookups of missing indexes are NULL / ENOENT", () => {
    const { map } = makeMap({ type: MapType.ARRAY });
    expect(map.delete(u32(0), 0, 0)).to.equal(-EINVAL);
    expect(map.userDelete(u32(0))).to.equal(-EINVAL);
    expect(map.lookup(u32(4), 0, 0)).to.equal(-1);
    expect(map.userLookup(u32(4))).to.equal(null);
  });

  it("values are round_up(value_size, 8) apart in the value region and start zeroed", () => {
    const { map } = makeMap({ type: MapType.ARRAY, valueSize: 5, maxEntries: 3 });
    expect([0, 1, 2].map((i) => map.lookup(u32(i), 0, 0))).to.deep.equal([0, 8, 16]);
    expect(map.valueRegion!.bytes.length).to.equal(24);
    expect(map.update(u32(2), 0, new Uint8Array([1, 2, 3, 4, 5]), 0, BPF_ANY, 0)).to.equal(0);
    expect(hex(map.valueRegion!.bytes.subarray(16, 21))).to.equal("0102030405");
    expect(hex(map.userLookup(u32(2)))).to.equal("0102030405");
    expect(hex(map.userLookup(u32(1)))).to.equal("0000000000");
  });

  it("reads the key at an offset inside simulated memory", () => {
    const { map } = makeMap({ type: MapType.ARRAY, maxEntries: 8 });
    const stack = new Uint8Array(16);
    stack.set(u32(5), 12);
    expect(map.lookup(stack, 12, 0)).to.equal(5 * 8);
  });

  it("get_next_key walks every index; a missing or null key restarts at 0; the last ends", () => {
    const { map } = makeMap({ type: MapType.ARRAY, maxEntries: 3 });
    expect(hex(map.userNextKey(null))).to.equal("00000000");
    expect(hex(map.userNextKey(u32(1)))).to.equal("02000000");
    expect(map.userNextKey(u32(2))).to.equal(null);
    expect(hex(map.userNextKey(u32(77)))).to.equal("00000000");
    expect(map.dump().map((e) => hex(e.key))).to.deep.equal(["00000000", "01000000", "02000000"]);
  });

  it("BPF_F_RDONLY refuses syscall writes (EPERM), BPF_F_WRONLY syscall reads", () => {
    const ro = makeMap({ type: MapType.ARRAY, flags: BPF_F_RDONLY }).map;
    expect(ro.userUpdate(u32(0), u32(1), BPF_ANY)).to.equal(-EPERM);
    expect(ro.userDelete(u32(0))).to.equal(-EPERM);
    expect(ro.update(u32(0), 0, u32(1), 0, BPF_ANY, 0)).to.equal(0);
    const wo = makeMap({ type: MapType.ARRAY, flags: BPF_F_WRONLY }).map;
    expect(wo.userUpdate(u32(0), u32(1), BPF_ANY)).to.equal(0);
    expect(wo.userLookup(u32(0))).to.equal(null);
    expect(wo.userNextKey(null)).to.equal(null);
  });

  it("BPF_F_RDONLY_PROG makes the value region read-only to programs", () => {
    const { map } = makeMap({ type: MapType.ARRAY, flags: BPF_F_RDONLY_PROG });
    expect(map.valueRegion!.writable).to.equal(false);
    expect(makeMap({ type: MapType.ARRAY }).map.valueRegion!.writable).to.equal(true);
  });

  it("a spin lock word is never copied by updates and reads back as zeros", () => {
    const { map } = makeMap({ type: MapType.ARRAY, valueSize: 12, spinLockOffset: 4 });
    map.valueRegion!.bytes.set([9, 9, 9, 9], 4); // "locked" by someone
    expect(map.userUpdate(u32(0), new Uint8Array(12).fill(1), BPF_ANY)).to.equal(0);
    expect(hex(map.valueRegion!.bytes.subarray(0, 12))).to.equal("010101010909090901010101");
    expect(hex(map.userLookup(u32(0)))).to.equal("010101010000000001010101");
    expect(map.userUpdate(u32(0), new Uint8Array(12).fill(2), BPF_F_LOCK)).to.equal(0);
    expect(hex(map.dump()[0].value!)).to.equal("020202020000000002020202");
  });
});

describe("maps: PERCPU_ARRAY", () => {
  const ncpus = 3;

  it("lookup for cpu c points at slot (index * ncpus + c) * round_up(value_size, 8); cpu ≥ ncpus is NULL", () => {
    const { map } = makeMap({ type: MapType.PERCPU_ARRAY, valueSize: 4, maxEntries: 2 }, ncpus);
    const offs = [0, 1].flatMap((i) => [0, 1, 2].map((c) => map.lookup(u32(i), 0, c)));
    expect(offs).to.deep.equal([0, 8, 16, 24, 32, 40]);
    expect(map.lookup(u32(0), 0, 3)).to.equal(-1);
    expect(map.lookup(u32(0), 0, -1)).to.equal(-1);
  });

  it("syscall values are ncpus × round_up(value_size, 8) bytes, padding kept (copy_map_value_long)", () => {
    const { map } = makeMap({ type: MapType.PERCPU_ARRAY, valueSize: 4, maxEntries: 2 }, ncpus);
    const v = Uint8Array.from({ length: 24 }, (_, i) => i + 1);
    expect(map.userUpdate(u32(1), v, BPF_ANY)).to.equal(0);
    expect(hex(map.userLookup(u32(1)))).to.equal(hex(v));
    const off = map.lookup(u32(1), 0, 2);
    expect(hex(map.valueRegion!.bytes.subarray(off, off + 4))).to.equal("11121314");
    expect(map.dump()[1].values!.map(hex)).to.deep.equal(["01020304", "090a0b0c", "11121314"]);
  });

  it("a program update writes only its CPU's value", () => {
    const { map } = makeMap({ type: MapType.PERCPU_ARRAY, valueSize: 4, maxEntries: 1 }, ncpus);
    expect(map.update(u32(0), 0, u32(0xaabbccdd), 0, BPF_ANY, 1)).to.equal(0);
    expect(map.dump()[0].values!.map(hex)).to.deep.equal(["00000000", "ddccbbaa", "00000000"]);
  });

  const userFlags: [string, number, number][] = [
    ["BPF_ANY", BPF_ANY, 0], ["BPF_EXIST", BPF_EXIST, 0], ["BPF_NOEXIST", BPF_NOEXIST, -EEXIST],
    ["BPF_F_LOCK", BPF_F_LOCK, -EINVAL], ["flags 3", 3, -EINVAL],
  ];
  for (const [name, flags, rc] of userFlags) {
    it(`syscall update ${name} → ${rc}`, () => {
      const { map } = makeMap({ type: MapType.PERCPU_ARRAY, valueSize: 4, maxEntries: 1 }, 2);
      expect(map.userUpdate(u32(0), new Uint8Array(16), flags)).to.equal(rc);
    });
  }
});

describe("maps: global data", () => {
  const init = new Uint8Array([1, 2, 3, 4, 5, 6]);

  it("is a one-entry ARRAY initialised from the section image; reset() restores it", () => {
    const { map, mem } = makeMap<ArrayMap>({ type: MapType.ARRAY, name: ".data", valueSize: 6, maxEntries: 1, isGlobalData: true, initialValue: init, index: 3 });
    expect(hex(map.userLookup(u32(0)))).to.equal("010203040506");
    expect(map.valueRegion.kind).to.equal(RegionKind.MapValue);
    expect(map.valueRegion.mapIndex).to.equal(3);
    expect(mem.region(map.valueRegion.id)).to.equal(map.valueRegion);
    map.valueRegion.bytes[0] = 0xff;
    map.reset();
    expect(hex(map.userLookup(u32(0)))).to.equal("010203040506");
  });

  it(".bss without an image starts zeroed", () => {
    const { map } = makeMap({ type: MapType.ARRAY, name: ".bss", valueSize: 3, maxEntries: 1, isGlobalData: true });
    expect(hex(map.userLookup(u32(0)))).to.equal("000000");
  });

  it(".rodata is read-only to programs and frozen for the syscall (EPERM); --const bytes survive reset", () => {
    const { map } = makeMap<ArrayMap>({ type: MapType.ARRAY, name: ".rodata", valueSize: 6, maxEntries: 1, isGlobalData: true, readOnly: true, initialValue: init });
    expect(map.valueRegion.writable).to.equal(false);
    expect(map.userUpdate(u32(0), new Uint8Array(6), BPF_ANY)).to.equal(-EPERM);
    map.setGlobalBytes(2, new Uint8Array([0xee, 0xdd]));
    map.reset();
    expect(hex(map.userLookup(u32(0)))).to.equal("0102eedd0506");
    expect(() => map.setGlobalBytes(5, new Uint8Array(2))).to.throw(RangeError);
  });
});
