// PROG_ARRAY: slots hold program indexes (user side: the u32 value), flag and range errors of the
// kernel's fd-array update/delete, program(slot) for tail calls, not dumpable.

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { BPF_ANY, BPF_EXIST, E2BIG, EBADF, EINVAL, ENOENT, type ProgArrayMap } from "../../../src/runtime/maps/bpf-map.js";
import { hex, makeMap, u32 } from "./make-map.js";

describe("maps: PROG_ARRAY", () => {
  const table: [string, number, number, number, number][] = [
    ["program 1 in slot 0", 0, 1, BPF_ANY, 0],
    ["BPF_EXIST (only BPF_ANY is allowed)", 0, 1, BPF_EXIST, -EINVAL],
    ["slot = max_entries", 4, 1, BPF_ANY, -E2BIG],
    ["a program index the object does not have", 0, 3, BPF_ANY, -EBADF],
  ];
  for (const [name, key, value, flags, rc] of table) {
    it(`update: ${name} → ${rc}`, () => {
      const { map } = makeMap({ type: MapType.PROG_ARRAY, maxEntries: 4 }, 1, { programCount: 3 });
      expect(map.userUpdate(u32(key), u32(value), flags)).to.equal(rc);
    });
  }

  it("program(slot) follows updates, setProgram and deletes", () => {
    const { map } = makeMap<ProgArrayMap>({ type: MapType.PROG_ARRAY, maxEntries: 4 }, 1, { programCount: 3 });
    expect(map.program(0)).to.equal(-1);
    map.userUpdate(u32(2), u32(1), BPF_ANY);
    map.setProgram(0, 2);
    expect([0, 1, 2, 3, 4, -1].map((s) => map.program(s))).to.deep.equal([2, -1, 1, -1, -1, -1]);
    expect(hex(map.userLookup(u32(2)))).to.equal("01000000");
    expect(map.userLookup(u32(1))).to.equal(null);
    expect(map.userDelete(u32(1))).to.equal(-ENOENT);
    expect(map.userDelete(u32(9))).to.equal(-E2BIG);
    expect(map.userDelete(u32(2))).to.equal(0);
    expect(map.program(2)).to.equal(-1);
    expect(map.dumpable).to.equal(false);
    expect(map.dump().map((e) => [hex(e.key), hex(e.value!)])).to.deep.equal([["00000000", "02000000"]]);
    expect(() => map.setProgram(4, 0)).to.throw(RangeError);
    map.reset();
    expect(map.program(0)).to.equal(-1);
  });
});
