// bpf_loop against the kernel (xdp-loop fixture: return value, callback count and last index for
// nr_loops 0 / 5 / 2^23 / too big, early stop, flags), with a JS stand-in for the BPF callback.

import { expect } from "chai";
import { addr, REGION_FUNC } from "../../../src/runtime/memory.js";
import { call, kernelFixture, loadPacket, makeRuntime, s64, stack, unhex } from "./call-helper.js";

const LOOP = 181;
const CALLBACK_INSN = 42;

describe("bpf_loop vs kernel (xdp-loop)", () => {
  const fx = kernelFixture("xdp-loop");
  const rt = makeRuntime();
  for (const c of fx.cases) {
    it(c.name, () => {
      const p = loadPacket(rt, c.packet);
      const dv = new DataView(p.buffer);
      const nr = dv.getUint32(16, true), stop = dv.getUint32(20, true), flags = dv.getBigUint64(24, true);
      let count = 0, last = 0, badArgs = 0;
      rt.callback = (insn, r) => {
        if (insn !== CALLBACK_INSN || r[4] + r[5] * 2 ** 32 !== stack(8)) badArgs++;
        count++;
        last = r[2];
        r[0] = r[2] === stop ? 1 : 0;
        r[1] = 0;
      };
      const ret = s64(call(rt, LOOP, nr, addr(REGION_FUNC, CALLBACK_INSN), stack(8), flags));
      expect(badArgs, "callback insn / ctx argument").to.equal(0);
      const want = new DataView(unhex(c.out!).buffer);
      expect(ret, "return").to.equal(Number(want.getBigInt64(32, true)));
      expect(count, "callback calls").to.equal(want.getUint32(40, true));
      expect(last, "last index").to.equal(want.getUint32(44, true));
    });
  }
});

describe("bpf_loop callbacks", () => {
  const rt = makeRuntime();

  it("stops on any non-zero 64-bit return and passes r3..r5 = 0", () => {
    let calls = 0;
    rt.callback = (_insn, r) => {
      calls++;
      expect([r[6], r[7], r[8], r[9], r[10], r[11]]).to.deep.equal([0, 0, 0, 0, 0, 0]);
      r[0] = 0;
      r[1] = calls === 3 ? 1 : 0; // high word only
    };
    expect(s64(call(rt, LOOP, 10, addr(REGION_FUNC, 1), 0, 0))).to.equal(3);
  });

  it("supports a callback that calls bpf_loop itself", () => {
    let inner = 0;
    rt.callback = (insn, r) => {
      if (insn === 1) {
        const regs = new Uint32Array(12);
        regs[2] = 4;
        regs[4] = 2;
        regs[5] = REGION_FUNC;
        rt.helpers[LOOP]!(rt, regs);
        expect(regs[0]).to.equal(4);
      } else {
        inner++;
      }
      r[0] = 0;
      r[1] = 0;
    };
    expect(s64(call(rt, LOOP, 3, addr(REGION_FUNC, 1), 0, 0))).to.equal(3);
    expect(inner).to.equal(12);
  });

  it("faults when the callback is not a function address", () => {
    expect(() => call(rt, LOOP, 1, stack(0), 0, 0)).to.throw(/not a callback function/);
  });
});
