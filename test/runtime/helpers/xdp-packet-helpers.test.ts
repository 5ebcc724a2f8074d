// Replays the kernel oracle programs xdp-adjust, xdp-bytes and xdp-check-mtu (kernel/*.bpf.c) by
// calling the helpers directly with each recorded packet's arguments, then compares the whole
// output frame (data_meta..end, fragments included) with what BPF_PROG_TEST_RUN returned on 6.18.

import { expect } from "chai";
import { addr, REGION_PACKET } from "../../../src/runtime/memory.js";
import type { Runtime } from "../../../src/runtime/runtime.js";
import { ETH_HLEN, XDP_LINEAR_MAX } from "../../../src/runtime/xdp-buff.js";
import { call, CTX, expectOut, kernelFixture, loadPacket, makeRuntime, putStack, s64, stack } from "./call-helper.js";

const ADJUST_HEAD = 44, ADJUST_META = 54, ADJUST_TAIL = 65, CHECK_MTU = 163;
const GET_BUFF_LEN = 188, LOAD_BYTES = 189, STORE_BYTES = 190;
const XDP_PASS = 2;

function pkt(rt: Runtime): Uint8Array {
  return rt.packetRegion.bytes;
}

/** xdp-adjust.bpf.c: four (code, arg) ops from bytes 16..47, summary at the end of the linear area. */
function runAdjust(rt: Runtime): number {
  const ops = new Uint8Array(32);
  expect(s64(call(rt, LOAD_BYTES, CTX, 16, stack(0), 32))).to.equal(0);
  ops.set(rt.stackRegion.bytes.subarray(0, 32));
  const dv = new DataView(ops.buffer);
  const rets: number[] = [];
  for (let i = 0; i < 4; i++) {
    const code = ops[8 * i];
    const arg = dv.getInt32(8 * i + 4, true);
    const x = rt.xdp;
    let r = 0;
    if (code === 1) r = s64(call(rt, ADJUST_HEAD, CTX, arg));
    else if (code === 2) r = s64(call(rt, ADJUST_TAIL, CTX, arg));
    else if (code === 3) r = s64(call(rt, ADJUST_META, CTX, arg));
    else if (code === 4) {
      if (x.dataEnd - x.data >= 16) pkt(rt).fill(0xab, x.data, x.data + 16);
      else r = 99;
    } else if (code === 5) {
      if (x.data - x.meta >= 4) pkt(rt).fill(0xcd, x.meta, x.meta + 4);
      else r = 99;
    }
    rets.push(r);
  }
  const x = rt.xdp;
  const linear = x.dataEnd - x.data;
  const metalen = x.data - x.meta;
  const blen = Number(call(rt, GET_BUFF_LEN, CTX));
  const s = x.data + linear - 11;
  const b = pkt(rt);
  rets.forEach((v, i) => (b[s + i] = v & 0xff));
  b[s + 4] = linear & 0xff;
  b[s + 5] = (linear >> 8) & 0xff;
  b[s + 6] = metalen & 0xff;
  new DataView(b.buffer, b.byteOffset).setUint32(s + 7, blen, true);
  return XDP_PASS;
}

/** xdp-bytes.bpf.c: load (off, len) into a 0xee-filled buffer, store it back at off2. */
function runBytes(rt: Runtime): number {
  const dv = new DataView(pkt(rt).buffer, pkt(rt).byteOffset);
  const at = rt.xdp.data + 16;
  const loadOff = dv.getUint32(at, true), len = dv.getUint32(at + 4, true), storeOff = dv.getUint32(at + 8, true);
  rt.stackRegion.bytes.fill(0xee, 0, 256);
  const r1 = loadOff !== 0xffffffff ? s64(call(rt, LOAD_BYTES, CTX, loadOff, stack(0), len)) : 100;
  const r2 = storeOff !== 0xffffffff ? s64(call(rt, STORE_BYTES, CTX, storeOff, stack(0), len)) : 100;
  const s = rt.xdp.dataEnd - 2;
  pkt(rt)[s] = r1 & 0xff;
  pkt(rt)[s + 1] = r2 & 0xff;
  return XDP_PASS;
}

/** xdp-check-mtu.bpf.c: check_mtu(ctx, ifindex, &mtu_len, len_diff, flags) → bytes 40..47. */
function runMtu(rt: Runtime): number {
  const dv = new DataView(pkt(rt).buffer, pkt(rt).byteOffset);
  const at = rt.xdp.data + 16;
  const mtuLen = putStack(rt, 0, pkt(rt).slice(at + 4, at + 8));
  const flags = dv.getBigUint64(at + 16, true);
  const r = s64(call(rt, CHECK_MTU, CTX, dv.getUint32(at, true), mtuLen, dv.getInt32(at + 8, true), flags));
  dv.setInt32(rt.xdp.data + 40, r, true);
  pkt(rt).set(rt.stackRegion.bytes.subarray(0, 4), rt.xdp.data + 44);
  return XDP_PASS;
}

const PROGRAMS: [string, (rt: Runtime) => number][] = [
  ["xdp-adjust", runAdjust],
  ["xdp-bytes", runBytes],
  ["xdp-check-mtu", runMtu],
];

for (const [name, run] of PROGRAMS) {
  describe(`XDP packet helpers vs kernel: ${name}`, () => {
    const fx = kernelFixture(name);
    const rt = makeRuntime();
    for (const c of fx.cases) {
      it(c.name, () => {
        loadPacket(rt, c.packet);
        const action = run(rt);
        expect(action).to.equal(c.action);
        expectOut(rt.xdp.output(true), c);
      });
    }
  });
}

describe("XdpBuff layout invariants", () => {
  const rt = makeRuntime();

  it("keeps the packet region's window equal to [data_meta, data_end) after every change", () => {
    loadPacket(rt, "00".repeat(100));
    const check = () => {
      expect(rt.packetRegion.start).to.equal(rt.xdp.meta);
      expect(rt.packetRegion.end).to.equal(rt.xdp.dataEnd);
    };
    for (const [id, arg] of [[ADJUST_HEAD, -20], [ADJUST_META, -8], [ADJUST_TAIL, 30], [ADJUST_HEAD, 10], [ADJUST_TAIL, -40], [ADJUST_META, 8]]) {
      expect(s64(call(rt, id, CTX, arg))).to.equal(0);
      check();
    }
  });

  it("loads at most XDP_LINEAR_MAX bytes linearly and the rest as 4096-byte frags", () => {
    loadPacket(rt, "11".repeat(XDP_LINEAR_MAX + 4096 + 5));
    expect(rt.xdp.dataEnd - rt.xdp.data).to.equal(XDP_LINEAR_MAX);
    expect(rt.xdp.fragLens.slice(0, rt.xdp.nrFrags)).to.deep.equal([4096, 5]);
    expect(Number(call(rt, GET_BUFF_LEN, CTX))).to.equal(XDP_LINEAR_MAX + 4101);
  });

  it("store_bytes from packet memory into an overlapping packet range behaves as memcpy of a copy", () => {
    const p = loadPacket(rt, Buffer.from(Array.from({ length: 64 }, (_, i) => i)).toString("hex"));
    const src = addr(REGION_PACKET, rt.xdp.data + 4);
    expect(s64(call(rt, STORE_BYTES, CTX, 8, src, 16))).to.equal(0);
    const out = rt.xdp.output(false);
    expect(Array.from(out.subarray(8, 24))).to.deep.equal(Array.from(p.subarray(4, 20)));
  });

  it("faults (never a host access) when the buffer argument is out of bounds", () => {
    loadPacket(rt, "00".repeat(60));
    expect(() => call(rt, LOAD_BYTES, CTX, 0, stack(rt.stackRegion.bytes.length - 4), 8)).to.throw(/invalid memory access/);
    expect(() => call(rt, ADJUST_HEAD, stack(0), 0)).to.throw(/not the xdp_md context/);
  });

  it("adjust_head never leaves fewer than ETH_HLEN bytes", () => {
    loadPacket(rt, "00".repeat(60));
    expect(s64(call(rt, ADJUST_HEAD, CTX, 60 - ETH_HLEN + 1))).to.equal(-22);
    expect(s64(call(rt, ADJUST_HEAD, CTX, 60 - ETH_HLEN))).to.equal(0);
  });
});
