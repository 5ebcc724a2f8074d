// The smaller helpers against the kernel (xdp-misc-helpers fixture): bpf_strtol / strtoul /
// strncmp, bpf_snprintf, bpf_probe_read_kernel(_str), bpf_perf_event_output and the ring buffer
// helpers (ring state carried across packets, as in the recording).

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { addr, REGION_STACK, RegionKind } from "../../../src/runtime/memory.js";
import type { BpfMap } from "../../../src/runtime/maps/bpf-map.js";
import type { Runtime } from "../../../src/runtime/runtime.js";
import { call, CTX, hex, kernelFixture, loadPacket, makeRuntime, mapPtr, mapSpec, putStack, s64, stack } from "./call-helper.js";

const STRTOL = 105, STRTOUL = 106, STRNCMP = 182, SNPRINTF = 165, READ_STR = 115, READ = 113, PERF = 25;
const RB_OUTPUT = 130, RB_RESERVE = 131, RB_SUBMIT = 132, RB_DISCARD = 133, RB_QUERY = 134;

/** Stack layout of the emulated program: p.buf at 0, out at 64, val at 96, data[3] at 104, "hello" / fmt at 160 / 176. */
const BUF = 0, OUT = 64, VAL = 96, DATA = 104, HELLO = 160, FMT = 176;

function runMisc(rt: Runtime, p: Uint8Array): Uint8Array {
  const dv = new DataView(p.buffer);
  const op = dv.getUint32(16, true), len = dv.getUint32(20, true), flags = dv.getBigUint64(24, true);
  const st = rt.stackRegion.bytes;
  const sdv = new DataView(st.buffer);
  st.set(p.subarray(32, 64), BUF);
  st.fill(0xee, OUT, OUT + 32);
  sdv.setBigUint64(VAL, 0xeeeeeeeeeeeeeeeen, true);
  st.set(Buffer.from("hello\0"), HELLO);
  st.set(Buffer.from("%d-%s-%x\0"), FMT);
  const rb = mapPtr(rt, 0);
  let r = 0n;
  const query = () => {
    sdv.setBigUint64(VAL, call(rt, RB_QUERY, rb, 0), true);
    sdv.setBigUint64(DATA, call(rt, RB_QUERY, rb, op === 9 ? 99 : 1), true);
    sdv.setBigUint64(DATA + 8, call(rt, RB_QUERY, rb, 2), true);
    sdv.setBigUint64(DATA + 16, call(rt, RB_QUERY, rb, 3), true);
    st.copyWithin(OUT, DATA, DATA + 24);
  };
  switch (op) {
    case 1: r = call(rt, STRTOL, stack(BUF), len, flags, stack(VAL)); break;
    case 2: r = call(rt, STRTOUL, stack(BUF), len, flags, stack(VAL)); break;
    case 3: r = call(rt, STRNCMP, stack(BUF), len, stack(HELLO)); break;
    case 4:
      sdv.setBigUint64(DATA, flags, true);
      sdv.setBigUint64(DATA + 8, BigInt(stack(BUF)), true);
      sdv.setBigUint64(DATA + 16, flags >> 8n, true);
      r = call(rt, SNPRINTF, stack(OUT), len, stack(FMT), stack(DATA), 24);
      break;
    case 5: r = call(rt, READ_STR, stack(OUT), len, stack(BUF)); break;
    case 6: r = call(rt, READ, stack(OUT), len, flags); break;
    case 7: r = call(rt, PERF, CTX, mapPtr(rt, 1), flags, stack(BUF), len); break;
    case 8:
      r = call(rt, RB_OUTPUT, rb, stack(BUF), len, flags);
      query();
      break;
    case 9: {
      const rec = call(rt, RB_RESERVE, rb, 16, flags);
      r = rec !== 0n ? 1n : 0n;
      if (rec !== 0n) {
        const region = rt.mem.region(Number(rec >> 32n));
        region.bytes.set(st.subarray(BUF, BUF + 16), Number(rec & 0xffffffffn));
        call(rt, len & 1 ? RB_DISCARD : RB_SUBMIT, rec, 0);
      }
      query();
      break;
    }
  }
  const out = rt.xdp.output(true);
  const odv = new DataView(out.buffer);
  odv.setBigUint64(64, r, true);
  out.set(st.subarray(VAL, VAL + 8), 72);
  out.set(st.subarray(OUT, OUT + 32), 80);
  return out;
}

/**
 * Runtime with the ring buffer in slot 0 and the PERF_EVENT_ARRAY in slot 1. The map factory does
 * not create perf event arrays (no perf events in xdpsim), so slot 1 is a stand-in with just the
 * spec and handle the helper looks at.
 */
function miscRuntime(): Runtime {
  const perfSpec = mapSpec(1, "perf", MapType.PERF_EVENT_ARRAY, 4, 4, 2);
  let rt: Runtime;
  try {
    rt = makeRuntime([mapSpec(0, "rb", MapType.RINGBUF, 0, 0, 4096), perfSpec]);
  } catch {
    rt = makeRuntime([mapSpec(0, "rb", MapType.RINGBUF, 0, 0, 4096)]);
    const handleRegion = rt.mem.add(RegionKind.MapHandle, new Uint8Array(0), false, "map 'perf'", 1);
    rt.maps.push({ spec: perfSpec, handleRegion } as unknown as BpfMap);
  }
  return rt;
}

describe("misc helpers vs kernel (xdp-misc-helpers)", () => {
  const fx = kernelFixture("xdp-misc-helpers");
  const rt = miscRuntime();
  for (const c of fx.cases) {
    it(c.name, () => {
      const p = loadPacket(rt, c.packet);
      expect(hex(runMisc(rt, p))).to.equal(c.out);
    });
  }
});

describe("probe_read on simulated memory", () => {
  const rt = makeRuntime();
  it("reads any mapped simulated address as kernel memory", () => {
    putStack(rt, 300, Uint8Array.from([1, 2, 3, 4]));
    expect(s64(call(rt, READ, stack(0), 4, stack(300)))).to.equal(0);
    expect(Array.from(rt.stackRegion.bytes.subarray(0, 4))).to.deep.equal([1, 2, 3, 4]);
  });
  it("faults past a region's end (-EFAULT) and refuses user addresses (-ERANGE), zeroing dst", () => {
    const end = addr(REGION_STACK, rt.stackRegion.bytes.length - 2);
    rt.stackRegion.bytes.fill(9, 0, 4);
    expect(s64(call(rt, READ, stack(0), 4, end))).to.equal(-34); // region id 3: the user half
    expect(Array.from(rt.stackRegion.bytes.subarray(0, 4))).to.deep.equal([0, 0, 0, 0]);
    expect(s64(call(rt, READ, stack(0), 4, 0xffffffffffff0000n))).to.equal(-14);
    expect(s64(call(rt, 112, stack(0), 4, stack(300)))).to.equal(-14);
  });
});

describe("ring buffer and perf argument checks", () => {
  const rt = miscRuntime();
  it("submit/discard fault on a pointer that is not a reserved record", () => {
    expect(() => call(rt, RB_SUBMIT, stack(0), 0)).to.throw(/not a ring buffer record/);
    expect(() => call(rt, RB_DISCARD, 0, 0)).to.throw(/not a ring buffer record/);
  });
  it("reserve with a size above 2^32 or any flag gives NULL", () => {
    expect(call(rt, RB_RESERVE, mapPtr(rt, 0), 1n << 32n, 0)).to.equal(0n);
    expect(call(rt, RB_RESERVE, mapPtr(rt, 0), 8, 1)).to.equal(0n);
  });
  it("ring buffer and perf helpers fault on other map types", () => {
    expect(() => call(rt, RB_QUERY, mapPtr(rt, 1), 0)).to.throw(/not a ring buffer/);
    expect(() => call(rt, PERF, CTX, mapPtr(rt, 0), 0, stack(0), 4)).to.throw(/not a perf event array/);
  });
});
