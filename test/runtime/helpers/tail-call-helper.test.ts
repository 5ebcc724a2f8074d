// bpf_tail_call against the kernel (xdp-tail-call fixture): failing calls (empty slot, index ≥
// max_entries) do not count, 33 successful tail calls are allowed per packet, the 34th fails.

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import type { ProgArrayMap } from "../../../src/runtime/maps/bpf-map.js";
import { call, CTX, kernelFixture, loadPacket, makeRuntime, mapPtr, mapSpec, s64 } from "./call-helper.js";

const TAIL_CALL = 12;
const XDP_DROP = 1, XDP_PASS = 2;

describe("bpf_tail_call vs kernel (xdp-tail-call)", () => {
  const fx = kernelFixture("xdp-tail-call");
  const rt = makeRuntime([mapSpec(0, "jmp", MapType.PROG_ARRAY, 4, 4, 4)]);
  (rt.maps[0] as ProgArrayMap).setProgram(0, 0); // slot 0 = `counter`
  const jmp = mapPtr(rt, 0);

  /** The object's two programs, with the backend's tail-call jump written out. */
  function counter(p: Uint8Array): number {
    for (;;) {
      p[rt.xdp.data + 59]++;
      rt.tailCallTarget = -1;
      call(rt, TAIL_CALL, CTX, jmp, 0);
      if (rt.tailCallTarget < 0) return XDP_PASS;
    }
  }
  function entry(p: Uint8Array): number {
    const n = p[rt.xdp.data + 16];
    const idx = p[rt.xdp.data + 17] ? 9 : 3;
    p[rt.xdp.data + 59] = 0;
    for (let i = 0; i < n; i++) {
      expect(s64(call(rt, TAIL_CALL, CTX, jmp, idx))).to.be.below(0);
      expect(rt.tailCallTarget).to.equal(-1);
    }
    call(rt, TAIL_CALL, CTX, jmp, 0);
    return rt.tailCallTarget >= 0 ? counter(p) : XDP_DROP;
  }

  for (const c of fx.cases) {
    it(c.name, () => {
      loadPacket(rt, c.packet);
      expect(entry(rt.packetRegion.bytes)).to.equal(c.action);
      expect(Buffer.from(rt.xdp.output(true)).toString("hex")).to.equal(c.out);
      expect(rt.tailCallCount).to.equal(33);
    });
  }

  it("faults on a map that is not a program array", () => {
    const rt2 = makeRuntime([mapSpec(0, "arr", MapType.ARRAY, 4, 4, 1)]);
    expect(() => call(rt2, TAIL_CALL, CTX, mapPtr(rt2, 0), 0)).to.throw(/not a program array/);
  });
});
