// bpf_trace_printk against the kernel (xdp-printk fixture: return values and trace_pipe messages for
// every conversion the kernel accepts and the formats it refuses), the trace_pipe line format, and
// table-driven checks of bpf_snprintf / bpf_trace_vprintk sharing the same engine.

import { expect } from "chai";
import { addr, REGION_STACK } from "../../../src/runtime/memory.js";
import { formatTraceLine } from "../../../src/runtime/helpers/trace-printk.js";
import { call, kernelFixture, loadPacket, makeRuntime, putStack, s64, stack, unhex } from "./call-helper.js";

const TRACE_PRINTK = 6, SNPRINTF = 165, TRACE_VPRINTK = 177;

/** The fmts[] table of kernel/xdp-printk.bpf.c, in order (each padded to 32 bytes with NULs). */
const FMTS = [
  "plain text", "d=%d i=%i u=%u x=%x", "ld=%ld li=%li lu=%lu lx=%lx", "lld=%lld lli=%lli llu=%llu",
  "llx=%llx X=%X lX=%lX", "c=%c%c%c", "s=%s.", "p=%p px=%px", "pct=%% %d%%", "w=[%5d] [%-5d] [%05d]",
  "w=[%+d] [% d] [%08x]", "ip4=%pI4 ip4=%pi4", "ip6=%pI6", "ip6=%pi6", "bad=%q", "four=%d %d %d %d",
  "sx=%sx", "dot=%.2d", "nl\n", "tab\there", "s=%s s=%s", "ks=%pks", "us=%pus", "hh=%hhd", "z=%zd",
  "ll=%llc", "pK=%pK", "S=%pS", "lli=%lli", "i=%i x=%x", "end%", "%",
];

/** %p / %pK print a per-boot hash in the kernel (the simulator prints the value): mask them. */
const maskHash = (s: string) => s.replace(/\b(p|pK)=[0-9a-f]{16}/g, "$1=<hash>");

const cstr = (s: string, size: number) => {
  const b = new Uint8Array(size);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
};

describe("bpf_trace_printk vs kernel (xdp-printk)", () => {
  const fx = kernelFixture("xdp-printk");
  const rt = makeRuntime();
  const lines = [...fx.trace!];
  expect(FMTS).to.have.length(32);
  for (const c of fx.cases) {
    it(c.name, () => {
      const p = loadPacket(rt, c.packet);
      const dv = new DataView(p.buffer);
      const f = dv.getUint32(16, true);
      const modes = p.subarray(20, 24);
      const str = putStack(rt, 64, p.subarray(48, 64));
      const args = [0, 1, 2].map((i) => (modes[i] === 1 ? BigInt(str) : dv.getBigUint64(24 + 8 * i, true)));
      let r: number;
      if (modes[3] === 1) {
        r = s64(call(rt, TRACE_PRINTK, putStack(rt, 0, cstr("abcd", 4)), 4));
      } else {
        r = s64(call(rt, TRACE_PRINTK, putStack(rt, 0, cstr(FMTS[f], 32)), 32, ...args));
      }
      expect(r, "return value").to.equal(Number(new DataView(unhex(c.out!).buffer).getBigInt64(64, true)));
      if (r < 0) {
        expect(rt.trace).to.have.length(0);
      } else {
        expect(rt.trace).to.have.length(1);
        expect(maskHash(rt.trace[0].text)).to.equal(maskHash(lines.shift()!));
      }
    });
  }
  it("used every recorded trace line", () => expect(lines).to.deep.equal([]));
});

describe("trace_pipe line format", () => {
  it("renders task, pid, CPU, flags and the capture time like the kernel's tracer", () => {
    const line = formatTraceLine({ cpu: 1, text: "hello 42", timeHi: 0x17b, timeLo: 0x7a4b4a42 });
    // 0x17b_7a4b4a42 ns = 1629.844359746 s
    expect(line).to.equal("          <idle>-0       [001] ..s1.  1629.844359: bpf_trace_printk: hello 42");
    // same shape as a real line from /sys/kernel/tracing/trace
    const real = "         python3-9535    [000] b..11   821.057405: bpf_trace_printk: hello 42";
    const shape = /^ *\S+-\d+ +\[\d{3}\] .{5} +\d+\.\d{6}: bpf_trace_printk: .*$/;
    expect(real).to.match(shape);
    expect(line).to.match(shape);
    expect(line.indexOf("[")).to.equal(real.indexOf("["));
    expect(formatTraceLine({ cpu: 0, text: "x" }, 0, 2_000_000_000)).to.contain("    2.000000: bpf_trace_printk: x");
  });

  it("stamps lines with the capture time and feeds rt.onTrace", () => {
    const rt = makeRuntime();
    const seen: string[] = [];
    rt.onTrace = (l) => seen.push(l.text);
    rt.timeHi = 0;
    rt.timeLo = 1_500_000_000;
    call(rt, TRACE_PRINTK, putStack(rt, 0, cstr("x=%d", 8)), 8, 5);
    expect(seen).to.deep.equal(["x=5"]);
    expect(formatTraceLine(rt.trace[0])).to.contain("    1.500000: bpf_trace_printk: x=5");
  });
});

describe("bpf_snprintf / bpf_trace_vprintk", () => {
  const rt = makeRuntime();
  const u64s = (...v: bigint[]) => new Uint8Array(new BigUint64Array(v).buffer);

  const cases: [string, string, bigint[], number, string, number][] = [
    // name, fmt, args, str_size, expected string, expected return
    ["fits", "a=%d b=%s", [7n, 0n], 32, "a=7 b=", 7],
    ["truncated to size - 1", "%llu", [123456789n], 4, "123", 10],
    ["size 0 writes nothing", "%d", [5n], 0, "", 2],
    ["12 args", "%d%d%d%d%d%d%d%d%d%d%d%d", [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 0n, 1n, 2n], 32, "123456789012", 13],
  ];
  for (const [name, fmt, args, size, want, ret] of cases) {
    it(`snprintf: ${name}`, () => {
      rt.stackRegion.bytes.fill(0xaa, 0, 64);
      const f = putStack(rt, 64, cstr(fmt, fmt.length + 1));
      const data = args.length ? putStack(rt, 128, u64s(...args)) : 0;
      expect(s64(call(rt, SNPRINTF, stack(0), size, f, data, args.length * 8))).to.equal(ret);
      const out = rt.stackRegion.bytes.subarray(0, size);
      const text = Buffer.from(out.subarray(0, Math.max(0, out.indexOf(0)))).toString("latin1");
      expect(text).to.equal(want);
      if (size === 0) expect(rt.stackRegion.bytes[0]).to.equal(0xaa);
    });
  }

  it("snprintf refuses a data_len that is not a multiple of 8 or above 96", () => {
    const f = putStack(rt, 64, cstr("%d", 3));
    expect(s64(call(rt, SNPRINTF, stack(0), 8, f, stack(128), 4))).to.equal(-22);
    expect(s64(call(rt, SNPRINTF, stack(0), 8, f, stack(128), 104))).to.equal(-22);
    expect(s64(call(rt, SNPRINTF, stack(0), 8, f, 0, 8))).to.equal(-22);
  });

  it("trace_vprintk takes up to 12 arguments from an array", () => {
    rt.beginPacket();
    const f = putStack(rt, 64, cstr("%d %d %d %d %s", 16));
    const s = putStack(rt, 200, cstr("ok", 3));
    const data = putStack(rt, 128, u64s(1n, 2n, 3n, 4n, BigInt(s)));
    expect(s64(call(rt, TRACE_VPRINTK, f, 16, data, 40))).to.equal(10);
    expect(rt.trace.map((l) => l.text)).to.deep.equal(["1 2 3 4 ok"]);
    expect(s64(call(rt, TRACE_VPRINTK, f, 16, data, 32))).to.equal(-22);
  });

  it("a %s longer than the 512-byte argument buffer is truncated, as the kernel's buffer does", () => {
    rt.beginPacket();
    const long = "y".repeat(600);
    const s = addr(REGION_STACK, 400);
    rt.stackRegion.bytes.set(cstr(long, 601), 400);
    const r = s64(call(rt, TRACE_PRINTK, putStack(rt, 0, cstr("%s", 3)), 3, s));
    expect(r).to.equal(511);
    expect(rt.trace[0].text).to.equal("y".repeat(511));
  });
});
