// PERF_EVENT_ARRAY: created like libbpf creates it (max_entries 0 = one slot per CPU), never filled
// (no perf events in a replay), refused fds as the kernel refuses a non-perf fd, not dumpable.

import { expect } from "chai";
import { LoadError } from "../../../src/errors.js";
import { MapType } from "../../../src/loader/types.js";
import { EBADF, E2BIG, EINVAL } from "../../../src/runtime/maps/bpf-map.js";
import { makeMap, u32 } from "./make-map.js";

describe("PERF_EVENT_ARRAY map", () => {
  it("gets one slot per possible CPU when max_entries is 0, and lists them in get_next_key", () => {
    const { map } = makeMap({ type: MapType.PERF_EVENT_ARRAY, maxEntries: 0 }, 3);
    const keys: number[] = [];
    for (let k = map.userNextKey(null); k; k = map.userNextKey(k)) keys.push(new DataView(k.buffer, k.byteOffset).getUint32(0, true));
    expect(keys).to.deep.equal([0, 1, 2]);
  });

  it("refuses every fd (none is a perf event), out-of-range keys and bad flags like the kernel", () => {
    const { map } = makeMap({ type: MapType.PERF_EVENT_ARRAY, maxEntries: 2 });
    expect(map.userUpdate(u32(0), u32(3), 0)).to.equal(-EBADF);
    expect(map.userUpdate(u32(2), u32(3), 0)).to.equal(-E2BIG);
    expect(map.userUpdate(u32(0), u32(3), 9)).to.equal(-EINVAL);
    expect(map.userLookup(u32(0))).to.equal(null);
  });

  it("is not dumpable and has no program-visible values", () => {
    const { map } = makeMap({ type: MapType.PERF_EVENT_ARRAY, maxEntries: 2 });
    expect(map.dumpable).to.equal(false);
    expect(map.valueRegion).to.equal(null);
    expect(map.lookup(u32(0), 0, 0)).to.equal(-1);
  });

  it("refuses a value size other than a 4-byte fd", () => {
    expect(() => makeMap({ type: MapType.PERF_EVENT_ARRAY, valueSize: 8 })).to.throw(LoadError, /value_size is 8, must be 4/);
  });
});
