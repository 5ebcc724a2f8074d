// CPUMAP: struct bpf_cpumap_val updates (qsize 0 empties, > 16384 EOVERFLOW, CPUs that do not exist
// ENODEV), targets, dumps of filled slots only; programs can only redirect (no lookups).

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import {
  BPF_ANY, BPF_EXIST, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENODEV, ENOMEM, EOVERFLOW, type RedirectMap,
} from "../../../src/runtime/maps/bpf-map.js";
import { hex, makeMap, u32 } from "./make-map.js";

describe("maps: CPUMAP", () => {
  const ncpus = 2;
  const table: [string, number, number, number, number][] = [
    ["qsize 192 on cpu 0", 0, 192, BPF_ANY, 0],
    ["qsize 16384 (the limit)", 1, 16384, BPF_ANY, 0],
    ["qsize 16385", 0, 16385, BPF_ANY, -EOVERFLOW],
    ["a CPU the host does not have", 2, 64, BPF_ANY, -ENODEV],
    ["key = max_entries", 4, 64, BPF_ANY, -E2BIG],
    ["BPF_NOEXIST (always)", 0, 64, BPF_NOEXIST, -EEXIST],
    ["BPF_EXIST on an empty slot", 0, 64, BPF_EXIST, 0],
    ["flags 3", 0, 64, 3, -EINVAL],
    ["qsize 0 (empties the slot)", 0, 0, BPF_ANY, 0],
  ];
  for (const [name, key, qsize, flags, rc] of table) {
    it(`update: ${name} → ${rc}`, () => {
      const { map } = makeMap({ type: MapType.CPUMAP, maxEntries: 4 }, ncpus);
      expect(map.userUpdate(u32(key), u32(qsize), flags)).to.equal(rc);
    });
  }

  it("target(key) is the CPU for a filled slot, -1 otherwise; dump lists filled slots", () => {
    const { map } = makeMap<RedirectMap>({ type: MapType.CPUMAP, maxEntries: 4 }, ncpus);
    map.userUpdate(u32(1), u32(128), BPF_ANY);
    expect([0, 1, 2, 9].map((k) => map.target(k))).to.deep.equal([-1, 1, -1, -1]);
    expect(map.dump().map((e) => [hex(e.key), hex(e.value!)])).to.deep.equal([["01000000", "80000000"]]);
    expect(hex(map.userLookup(u32(1)))).to.equal("80000000");
    expect(map.userLookup(u32(0))).to.equal(null);
    expect(map.userDelete(u32(1))).to.equal(0);
    expect(map.userDelete(u32(4))).to.equal(-EINVAL);
    expect(map.target(1)).to.equal(-1);
    expect(map.lookup(u32(1), 0, 0)).to.equal(-1);
    expect(map.valueRegion).to.equal(null);
  });

  it("8-byte values: a program fd must name an xdp/cpumap program (else ENOMEM, as the kernel's)", () => {
    const progs = (fd: number): number => (fd === 3 ? 11 : -1);
    const { map } = makeMap({ type: MapType.CPUMAP, valueSize: 8, maxEntries: 2 }, ncpus, { cpumapProgram: progs });
    const val = (q: number, fd: number): Uint8Array => new Uint8Array([...u32(q), ...u32(fd)]);
    expect(map.userUpdate(u32(0), val(64, 9), BPF_ANY)).to.equal(-ENOMEM);
    expect(map.userUpdate(u32(0), val(64, 3), BPF_ANY)).to.equal(0);
    expect(hex(map.userLookup(u32(0)))).to.equal(hex(val(64, 11)));
    expect(map.userUpdate(u32(1), val(0, 9), BPF_ANY)).to.equal(0); // empty slot: fd not looked at
    expect(map.dump()).to.have.length(1);
  });
});
