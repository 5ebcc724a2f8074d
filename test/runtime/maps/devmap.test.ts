// DEVMAP and DEVMAP_HASH: update rules and errors, the simulated host's device table, read-only
// bpf_devmap_val lookups, redirect targets, and DEVMAP_HASH's kernel bucket order.

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import {
  BPF_ANY, BPF_EXIST, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT, type RedirectMap,
} from "../../../src/runtime/maps/bpf-map.js";
import type { DevMap, DevMapHash } from "../../../src/runtime/maps/devmap.js";
import { hex, makeMap, u32, walkKeys } from "./make-map.js";

const devices = [{ ifindex: 1 }, { ifindex: 4 }, { ifindex: 7 }];

function devval(ifindex: number, fd = 0): Uint8Array {
  return new Uint8Array([...u32(ifindex), ...u32(fd)]);
}

describe("maps: DEVMAP", () => {
  const table: [string, number, Uint8Array, number, number][] = [
    ["an existing device", 0, u32(4), BPF_ANY, 0],
    ["BPF_EXIST on an empty slot", 1, u32(4), BPF_EXIST, 0],
    ["BPF_NOEXIST (always)", 1, u32(4), BPF_NOEXIST, -EEXIST],
    ["a device the host does not have", 0, u32(5), BPF_ANY, -EINVAL],
    ["index = max_entries", 4, u32(4), BPF_ANY, -E2BIG],
    ["flags 3", 0, u32(4), 3, -EINVAL],
    ["ifindex 0 empties the slot", 0, u32(0), BPF_ANY, 0],
  ];
  for (const [name, key, value, flags, rc] of table) {
    it(`update: ${name} → ${rc}`, () => {
      const { map } = makeMap({ type: MapType.DEVMAP, maxEntries: 4 }, 1, { devices });
      expect(map.userUpdate(u32(key), value, flags)).to.equal(rc);
    });
  }

  it("8-byte values: a program fd needs an xdp/devmap program; ifindex 0 with a program fd is EINVAL", () => {
    const progs = (fd: number): number => (fd === 42 ? 17 : -1);
    const { map } = makeMap({ type: MapType.DEVMAP, valueSize: 8, maxEntries: 2 }, 1, { devices, devmapProgram: progs });
    expect(map.userUpdate(u32(0), devval(4, 5), BPF_ANY)).to.equal(-EINVAL);
    expect(map.userUpdate(u32(0), devval(0, 42), BPF_ANY)).to.equal(-EINVAL);
    expect(map.userUpdate(u32(0), devval(4, 42), BPF_ANY)).to.equal(0);
    expect(hex(map.userLookup(u32(0)))).to.equal(hex(devval(4, 17))); // the kernel reports the program id
  });

  it("defaults to a host with only lo (ifindex 1)", () => {
    const { map } = makeMap({ type: MapType.DEVMAP, maxEntries: 2 });
    expect(map.userUpdate(u32(0), u32(1), BPF_ANY)).to.equal(0);
    expect(map.userUpdate(u32(1), u32(2), BPF_ANY)).to.equal(-EINVAL);
  });

  it("programs look up a read-only struct bpf_devmap_val; target() gives the ifindex", () => {
    const { map } = makeMap<DevMap>({ type: MapType.DEVMAP, maxEntries: 4 }, 1, { devices });
    map.userUpdate(u32(2), u32(7), BPF_ANY);
    const off = map.lookup(u32(2), 0, 0);
    expect(off).to.equal(16);
    expect(hex(map.valueRegion.bytes.subarray(off, off + 8))).to.equal(hex(devval(7)));
    expect(map.valueRegion.writable).to.equal(false);
    expect(map.lookup(u32(1), 0, 0)).to.equal(-1);
    expect(map.lookup(u32(9), 0, 0)).to.equal(-1);
    expect([0, 1, 2, 3, 4, -1].map((k) => map.target(k))).to.deep.equal([-1, -1, 7, -1, -1, -1]);
    expect(map.targets()).to.deep.equal([7]);
  });

  it("delete: any index below max_entries (even empty) → 0, above → EINVAL; get_next_key walks all; dump only filled", () => {
    const { map } = makeMap({ type: MapType.DEVMAP, maxEntries: 3 }, 1, { devices });
    map.userUpdate(u32(1), u32(4), BPF_ANY);
    expect(map.userDelete(u32(0))).to.equal(0);
    expect(map.userDelete(u32(3))).to.equal(-EINVAL);
    expect(walkKeys(map).map(hex)).to.deep.equal(["00000000", "01000000", "02000000"]);
    expect(map.dump().map((e) => [hex(e.key), hex(e.value!)])).to.deep.equal([["01000000", "04000000"]]);
    expect(map.userDelete(u32(1))).to.equal(0);
    expect(map.dump()).to.deep.equal([]);
  });
});

describe("maps: DEVMAP_HASH", () => {
  it("orders get_next_key by bucket (key & (n_buckets - 1)), newest first within a bucket", () => {
    const { map } = makeMap<DevMapHash>({ type: MapType.DEVMAP_HASH, maxEntries: 4 }, 1, { devices });
    for (const k of [5, 2, 1, 9]) expect(map.userUpdate(u32(k), u32(1), BPF_ANY)).to.equal(0);
    const order = (): number[] => walkKeys(map).map((k) => new DataView(k.buffer).getUint32(0, true));
    expect(order()).to.deep.equal([9, 1, 5, 2]);
    map.userUpdate(u32(5), u32(4), BPF_ANY); // replacing moves it to its bucket's head
    expect(order()).to.deep.equal([5, 9, 1, 2]);
    expect(hex(map.userNextKey(u32(77)))).to.equal(hex(u32(5))); // unknown key: first
    expect(map.targets()).to.deep.equal([4, 1, 1, 1]);
  });

  const table: [string, () => number, number][] = [
    ["insert into a full map", () => full().userUpdate(u32(3), u32(1), BPF_ANY), -E2BIG],
    ["BPF_EXIST is not checked: a missing key is inserted", () => full(1).userUpdate(u32(3), u32(1), BPF_EXIST), 0],
    ["BPF_NOEXIST on an existing key", () => full().userUpdate(u32(1), u32(1), BPF_NOEXIST), -EEXIST],
    ["replace in a full map", () => full().userUpdate(u32(1), u32(7), BPF_ANY), 0],
    ["ifindex 0", () => full(1).userUpdate(u32(3), u32(0), BPF_ANY), -EINVAL],
    ["unknown device", () => full(1).userUpdate(u32(3), u32(3), BPF_ANY), -EINVAL],
    ["flags 3", () => full(1).userUpdate(u32(3), u32(1), 3), -EINVAL],
    ["delete a missing key", () => full().userDelete(u32(3)), -ENOENT],
    ["delete an existing key", () => full().userDelete(u32(2)), 0],
  ];
  function full(n = 2): RedirectMap {
    const { map } = makeMap<RedirectMap>({ type: MapType.DEVMAP_HASH, maxEntries: 2 }, 1, { devices });
    for (let k = 1; k <= n; k++) map.userUpdate(u32(k), u32(4), BPF_ANY);
    return map;
  }
  for (const [name, run, rc] of table) it(`${name} → ${rc}`, () => expect(run()).to.equal(rc));

  it("lookups and target() go by key, not slot", () => {
    const { map } = makeMap<DevMapHash>({ type: MapType.DEVMAP_HASH, maxEntries: 2 }, 1, { devices });
    map.userUpdate(u32(1000), u32(7), BPF_ANY);
    const off = map.lookup(u32(1000), 0, 0);
    expect(hex(map.valueRegion.bytes.subarray(off, off + 4))).to.equal(hex(u32(7)));
    expect(map.target(1000)).to.equal(7);
    expect(map.target(1001)).to.equal(-1);
    map.reset();
    expect(map.target(1000)).to.equal(-1);
  });
});
