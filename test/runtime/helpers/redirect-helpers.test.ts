// bpf_redirect / bpf_redirect_map against the kernel (xdp-redirect fixture: filled/empty slots,
// fallback flags, broadcast, rejected flag bits on CPUMAP/XSKMAP, 64-bit keys), plus the redirect
// state the helpers leave for the pipeline (rt.redirectKind / redirectTarget / redirectFlags).

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { RedirectKind } from "../../../src/runtime/runtime.js";
import { call, kernelFixture, loadPacket, makeRuntime, mapPtr, mapSpec, s64, unhex } from "./call-helper.js";

const REDIRECT = 23, REDIRECT_MAP = 51;

function redirectRuntime() {
  const rt = makeRuntime([
    mapSpec(0, "devmap", MapType.DEVMAP, 4, 4, 4),
    mapSpec(1, "devhash", MapType.DEVMAP_HASH, 4, 4, 4),
    mapSpec(2, "cpumap", MapType.CPUMAP, 4, 8, 2),
    mapSpec(3, "xskmap", MapType.XSKMAP, 4, 4, 2),
  ]);
  const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);
  expect(rt.maps[0].userUpdate(u32(1), u32(1), 0)).to.equal(0);
  expect(rt.maps[1].userUpdate(u32(7), u32(1), 0)).to.equal(0);
  expect(rt.maps[2].userUpdate(u32(0), new Uint8Array([64, 0, 0, 0, 0, 0, 0, 0]), 0)).to.equal(0);
  return rt;
}

describe("bpf_redirect_map / bpf_redirect vs kernel (xdp-redirect)", () => {
  const fx = kernelFixture("xdp-redirect");
  const rt = redirectRuntime();
  for (const c of fx.cases) {
    it(c.name, () => {
      const p = loadPacket(rt, c.packet);
      const dv = new DataView(p.buffer);
      const which = dv.getUint32(16, true), key = dv.getBigUint64(24, true), flags = dv.getBigUint64(32, true);
      const r = which < 4 ? call(rt, REDIRECT_MAP, mapPtr(rt, which), key, flags) : call(rt, REDIRECT, key, flags);
      const want = new DataView(unhex(c.out!).buffer).getInt32(40, true);
      expect(s64(r)).to.equal(want);
    });
  }
});

describe("redirect state", () => {
  const rt = redirectRuntime();
  const cases: [string, () => bigint, number, RedirectKind, number, number][] = [
    // name, call, r0, kind, target, flags
    ["redirect(5)", () => call(rt, REDIRECT, 5, 0), 4, RedirectKind.Ifindex, 5, 0],
    ["devmap slot 1 → ifindex 1", () => call(rt, REDIRECT_MAP, mapPtr(rt, 0), 1, 0), 4, RedirectKind.Ifindex, 1, 0],
    ["devhash key 7 → ifindex 1", () => call(rt, REDIRECT_MAP, mapPtr(rt, 1), 7, 0), 4, RedirectKind.Ifindex, 1, 0],
    ["cpumap 0 → cpu 0", () => call(rt, REDIRECT_MAP, mapPtr(rt, 2), 0, 0), 4, RedirectKind.Cpu, 0, 0],
    ["broadcast excluding ingress → map slot", () => call(rt, REDIRECT_MAP, mapPtr(rt, 0), 0, 8 | 16), 4, RedirectKind.Broadcast, 0, 24],
    ["failed lookup clears the state", () => call(rt, REDIRECT_MAP, mapPtr(rt, 3), 0, 2), 2, RedirectKind.None, 0, 0],
  ];
  for (const [name, fn, r0, kind, target, flags] of cases) {
    it(name, () => {
      rt.beginPacket();
      call(rt, REDIRECT, 99, 0); // stale state a later failed lookup must clear or overwrite
      expect(s64(fn())).to.equal(r0);
      expect(rt.redirectKind).to.equal(kind);
      expect(rt.redirectTarget).to.equal(target);
      expect(rt.redirectFlags).to.equal(flags);
    });
  }

  it("flags on bpf_redirect abort without touching the state", () => {
    rt.beginPacket();
    call(rt, REDIRECT, 3, 0);
    expect(s64(call(rt, REDIRECT, 4, 1))).to.equal(0);
    expect(rt.redirectTarget).to.equal(3);
  });

  it("faults on a map that cannot redirect", () => {
    const rt2 = makeRuntime([mapSpec(0, "arr", MapType.ARRAY, 4, 4, 1)]);
    expect(() => call(rt2, REDIRECT_MAP, mapPtr(rt2, 0), 0, 0)).to.throw(/not a redirect map/);
  });
});
