// --map-init (CONTRACT.md shape): every accepted form fills the map as bpf(2) would, and every bad
// document is refused with a UsageError naming the file, the map and the entry.

import { expect } from "chai";
import { join } from "node:path";
import { UsageError } from "../../src/errors.js";
import { applyMapInit } from "../../src/pipeline/apply-map-init.js";
import { loadObjectFromFile, Simulation } from "../../src/pipeline/create-simulation.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { REPO } from "./kernel-fixtures.js";

async function runtimeOf(object: string): Promise<Runtime> {
  return new Simulation(await loadObjectFromFile(join(REPO, object)), { ncpus: 2, noVerify: true }).rt;
}

const mapOf = (rt: Runtime, name: string) => rt.maps.find((m) => m.spec.name === name)!;
const hex = (b: Uint8Array | null): string | null => (b ? Buffer.from(b).toString("hex") : null);

describe("applyMapInit", () => {
  it("accepts hex strings, byte lists of ints and of bpftool's 0x strings, and numeric u32 keys", async () => {
    const rt = await runtimeOf("xdp/firewall.o");
    applyMapInit(rt, {
      blocklist_v4: [{ key: "18000000c6336400", value: ["0x2a", 0, 0, 0, 0, 0, 0, 0] }],
      drop_reasons: [{ key: 2, value: "0700000000000000" }],
    }, "t.json");
    expect(hex(mapOf(rt, "blocklist_v4").userLookup(Buffer.from("18000000c6336400", "hex")))).to.equal("2a00000000000000");
    expect(hex(mapOf(rt, "drop_reasons").userLookup(Buffer.from("02000000", "hex")))).to.equal("0700000000000000");
  });

  it("fills per-CPU maps per CPU (unlisted CPUs get zeros) or with one value for every CPU", async () => {
    const rt = await runtimeOf("xdp/firewall.o");
    const vs = mapOf(rt, "verdict_stats");
    const size = vs.spec.valueSize;
    const one = "01".padEnd(size * 2, "0");
    applyMapInit(rt, {
      verdict_stats: [{ key: 0, values: [{ cpu: 1, value: one }] }, { key: 1, value: one }],
    }, "t.json");
    const slot = (size + 7) & ~7;
    const v0 = vs.userLookup(Buffer.from("00000000", "hex"))!;
    expect(hex(v0.subarray(0, size))).to.equal("00".repeat(size));
    expect(hex(v0.subarray(slot, slot + size))).to.equal(one);
    const v1 = vs.userLookup(Buffer.from("01000000", "hex"))!;
    expect(hex(v1.subarray(0, size))).to.equal(one);
    expect(hex(v1.subarray(slot, slot + size))).to.equal(one);
  });

  it("fills prog arrays by program name and devmaps by ifindex", async () => {
    const rt = await runtimeOf("xdp/tailcall.o");
    const pa = rt.maps.find((m) => m.spec.type === 3)!;
    const target = rt.obj.programs[1].name;
    applyMapInit(rt, { [pa.spec.name]: [{ key: 0, value: target }] }, "t.json");
    expect((pa as unknown as { program(slot: number): number }).program(0)).to.equal(1);
    const lb = await runtimeOf("xdp/lb.o");
    applyMapInit(lb, { tx_ports: [{ key: 0, value: "01000000" }] }, "t.json");
    expect((mapOf(lb, "tx_ports") as unknown as { target(k: number): number }).target(0)).to.equal(1);
  });

  const bad: [string, unknown, RegExp][] = [
    ["a list instead of an object", [], /expected a JSON object/],
    ["an unknown map", { nope: [] }, /no map named 'nope' \(have: .*blocklist_v4/],
    ["__proto__ as a map name", JSON.parse('{"__proto__": []}'), /no map named '__proto__'/],
    ["a read-only .rodata map", { ".rodata": [] }, /'.rodata' is read-only after load; use --const/],
    ["entries that are not a list", { drop_reasons: { key: 1 } }, /map 'drop_reasons': expected a list/],
    ["a key of the wrong size", { drop_reasons: [{ key: "0100", value: "0000000000000000" }] }, /map 'drop_reasons' entry 0: key: has 2 bytes, the map wants 4/],
    ["a value of the wrong size", { drop_reasons: [{ key: 1, value: "00" }] }, /entry 0: value: has 1 bytes, the map wants 8/],
    ["a non-hex string", { drop_reasons: [{ key: 1, value: "zz00000000000000" }] }, /entry 0: value: "zz00000000000000" is not a hex byte string/],
    ["a byte out of range", { drop_reasons: [{ key: 1, value: [256, 0, 0, 0, 0, 0, 0, 0] }] }, /byte 0 \(256\) is not in 0..255/],
    ["an index past max_entries", { drop_reasons: [{ key: 999, value: "0000000000000000" }] }, /entry 0: update failed: E2BIG/],
    ["a CPU that does not exist", { verdict_stats: [{ key: 0, values: [{ cpu: 5, value: "00" }] }] }, /values\[0\]\.cpu must be an integer in 0..1/],
    ["a huge entry list", { drop_reasons: new Array(20000).fill({ key: 0, value: "0000000000000000" }) }, /20000 entries for a map of/],
  ];
  for (const [what, doc, re] of bad) {
    it(`refuses ${what} with a message naming the map and entry`, async () => {
      const rt = await runtimeOf("xdp/firewall.o");
      expect(() => applyMapInit(rt, doc, "t.json")).to.throw(UsageError, re);
    });
  }

  it("refuses a prog array entry naming no program", async () => {
    const rt = await runtimeOf("xdp/tailcall.o");
    const pa = rt.maps.find((m) => m.spec.type === 3)!;
    expect(() => applyMapInit(rt, { [pa.spec.name]: [{ key: 0, value: "nope" }] }, "t.json")).to.throw(UsageError, /no program named 'nope'/);
  });
});
