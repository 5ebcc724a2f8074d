// bpf_fib_lookup against the kernel (xdp-fib-lookup fixture, recorded in a network namespace with
// the routes and neighbours listed in the fixture; the same host as xdpsim routes in "sim"), plus
// the JSON route parser and longest-prefix matching.

import { expect } from "chai";
import { UsageError } from "../../../src/errors.js";
import { findRoute, parseFibRoute, parseFibRoutes, parseIp } from "../../../src/runtime/helpers/fib-lookup.js";
import type { Device } from "../../../src/runtime/runtime.js";
import { call, CTX, hex, kernelFixture, loadPacket, makeRuntime, putStack, s64 } from "./call-helper.js";

const FIB_LOOKUP = 69;

describe("bpf_fib_lookup vs kernel (xdp-fib-lookup)", () => {
  const fx = kernelFixture("xdp-fib-lookup") as ReturnType<typeof kernelFixture> & { sim: { devices: Device[]; routes: unknown } };
  const rt = makeRuntime([], { devices: fx.sim.devices, fib: parseFibRoutes(fx.sim.routes) });
  for (const c of fx.cases) {
    it(c.name, () => {
      const p = loadPacket(rt, c.packet);
      const params = putStack(rt, 0, p.subarray(16, 80));
      const flags = new DataView(p.buffer).getUint32(80, true);
      const r = s64(call(rt, FIB_LOOKUP, CTX, params, 64, flags));
      const out = rt.xdp.output(true);
      out.set(rt.stackRegion.bytes.subarray(0, 64), 16);
      new DataView(out.buffer).setInt32(84, r, true);
      expect(hex(out)).to.equal(c.out);
    });
  }
});

describe("bpf_fib_lookup argument checks", () => {
  const rt = makeRuntime([], { fib: parseFibRoutes([{ prefix: "0.0.0.0/0", ifindex: 1, dmac: "02:00:00:00:00:09" }]) });
  const params = () => putStack(rt, 0, Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, ...new Array(52).fill(0)]));
  const cases: [string, number, number, number][] = [
    ["plen 63 → -EINVAL", 63, 0, -22],
    ["negative plen passes the size_t check", -1, 0, 0],
    ["default route", 64, 0, 0],
    ["unknown flag → -EINVAL", 64, 1 << 6, -22],
  ];
  for (const [name, plen, flags, want] of cases) {
    it(name, () => expect(s64(call(rt, FIB_LOOKUP, CTX, params(), plen, flags))).to.equal(want));
  }
});

describe("route table", () => {
  it("parses addresses, CIDR prefixes and MACs", () => {
    const r = parseFibRoute({ prefix: "2001:db8::/32", ifindex: 3, gateway: "fe80::1", dmac: "aa-bb-cc-dd-ee-ff", mtu: 1280, metric: 5, type: "unicast" }, "r");
    expect(r.family).to.equal(6);
    expect(r.prefixLen).to.equal(32);
    expect(hex(r.gateway)).to.equal("fe800000000000000000000000000001");
    expect(hex(r.dmac)).to.equal("aabbccddeeff");
    expect(r.smac).to.have.length(0);
    expect(hex(parseIp("::ffff:10.0.0.1", "x"))).to.equal("00000000000000000000ffff0a000001");
    expect(parseFibRoute({ prefix: "10.0.0.0", prefixLen: 8, ifindex: 1 }, "r").prefixLen).to.equal(8);
  });

  const bad: [string, unknown, RegExp][] = [
    ["missing prefix", { ifindex: 1 }, /"prefix" must be/],
    ["bad length", { prefix: "10.0.0.0/33", ifindex: 1 }, /prefix length/],
    ["bad IPv6", { prefix: "1::2::3/64", ifindex: 1 }, /bad IPv6/],
    ["bad MAC", { prefix: "10.0.0.0/8", ifindex: 1, dmac: "1:2:3" }, /bad MAC/],
    ["unknown field", { prefix: "10.0.0.0/8", ifindex: 1, via: "x" }, /unknown route field 'via'/],
    ["family mismatch", { prefix: "10.0.0.0/8", ifindex: 1, family: 6 }, /does not match/],
    ["bad type", { prefix: "10.0.0.0/8", ifindex: 1, type: "local" }, /expected unicast/],
  ];
  for (const [name, json, re] of bad) {
    it(`rejects ${name}`, () => expect(() => parseFibRoute(json, "--fib r.json[0]")).to.throw(UsageError, re));
  }

  it("picks the longest prefix, then the lowest metric, then the first listed", () => {
    const routes = parseFibRoutes([
      { prefix: "10.0.0.0/8", ifindex: 1 },
      { prefix: "10.1.0.0/16", ifindex: 2, metric: 9 },
      { prefix: "10.1.0.0/16", ifindex: 3, metric: 1 },
      { prefix: "10.1.2.0/23", ifindex: 4 },
    ]);
    const at = (a: string) => findRoute(routes, 4, parseIp(a, "x"), 0)?.ifindex;
    expect([at("10.9.9.9"), at("10.1.9.9"), at("10.1.3.1"), at("11.0.0.1")]).to.deep.equal([1, 3, 4, undefined]);
  });
});
