// XSKMAP: no AF_XDP sockets exist in the simulator, so slots stay empty: syscall updates fail as the
// kernel's do for a bad fd, lookups find nothing, redirect targets are always empty.

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { BPF_ANY, E2BIG, EBADF, EINVAL, type RedirectMap } from "../../../src/runtime/maps/bpf-map.js";
import { hex, makeMap, u32, walkKeys } from "./make-map.js";

describe("maps: XSKMAP", () => {
  const table: [string, number, number, number][] = [
    ["any socket fd", 0, BPF_ANY, -EBADF],
    ["key = max_entries", 4, BPF_ANY, -E2BIG],
    ["flags 3", 0, 3, -EINVAL],
  ];
  for (const [name, key, flags, rc] of table) {
    it(`update: ${name} → ${rc}`, () => {
      const { map } = makeMap({ type: MapType.XSKMAP, maxEntries: 4 });
      expect(map.userUpdate(u32(key), u32(3), flags)).to.equal(rc);
    });
  }

  it("is always empty: no lookups, no targets, nothing to dump; keys walk like an array", () => {
    const { map } = makeMap<RedirectMap>({ type: MapType.XSKMAP, maxEntries: 3 });
    expect(map.lookup(u32(0), 0, 0)).to.equal(-1);
    expect(map.userLookup(u32(0))).to.equal(null);
    expect(map.target(0)).to.equal(-1);
    expect(map.dump()).to.deep.equal([]);
    expect(map.dumpable).to.equal(true);
    expect(walkKeys(map).map(hex)).to.deep.equal(["00000000", "01000000", "02000000"]);
    expect(map.userDelete(u32(2))).to.equal(0);
    expect(map.userDelete(u32(3))).to.equal(-EINVAL);
  });
});
