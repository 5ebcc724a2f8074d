// Map keys/values formatted through BTF, compared with the "formatted" part of `bpftool map dump -j`
// recorded on the reference kernel for maps filled with crafted entries (record-bpftool.py).

import { expect } from "chai";
import { BtfError } from "../../src/errors.js";
import { formatBtfValue, formatBtfValueObject, jsonQuote } from "../../src/btf/format-btf-value.js";
import { BtfKind } from "../../src/btf/types.js";
import { loadObject } from "../../src/loader/load-object.js";
import { hexList, kernelMapNameMatches, objectBytes, recording, type RecordedEntry } from "../loader/object-fixtures.js";

describe("btf/format-btf-value", () => {
  for (const name of ["maps", "globals", "calls", "v4"]) {
    describe(`${name}.o maps as bpftool map dump -j formats them`, () => {
      const obj = loadObject(objectBytes(name), `${name}.o`);
      const rec = recording(name);
      for (const [mapName, entries] of Object.entries(rec.dumps)) {
        if (!Array.isArray(entries)) continue;
        const spec = obj.maps.find((m) => kernelMapNameMatches(mapName, m.name))!;
        const withText = (entries as RecordedEntry[]).filter((e) => e.formatted_text);
        if (withText.length === 0) continue;
        it(`${mapName}: ${withText.length} entries`, () => {
          expect(spec, mapName).to.not.equal(undefined);
          for (const e of withText) {
            const t = e.formatted_text!;
            if (t.key !== undefined) expect(formatBtfValue(obj.btf!, spec.btfKeyTypeId, hexList(e.key))).to.equal(t.key);
            if (t.value !== undefined) expect(formatBtfValue(obj.btf!, spec.btfValueTypeId, hexList(e.value!))).to.equal(t.value);
            t.values?.forEach((v, cpu) => expect(formatBtfValue(obj.btf!, spec.btfValueTypeId, hexList(e.values![cpu].value))).to.equal(v));
          }
        });
      }
    });
  }

  it("covers the shapes that matter (recorded values)", () => {
    const misc = (recording("maps").dumps.misc as RecordedEntry[]).map((e) => e.formatted_text!.value!);
    expect(misc.join("\n")).to.contain('"big":"B64_B"').and.contain('"big":-2').and.contain('"s":"S_NEG"').and.contain('"s":77')
      .and.contain('"sbits":"0xffd"').and.contain('"name":"ab"').and.contain('"name":[97,98,99,100,101,102]')
      .and.contain('"wide":"0x10000000000000002"').and.contain('"ok":true').and.contain('"ptr":3735928559');
    const flows = (recording("maps").dumps.flows as RecordedEntry[]).map((e) => e.formatted_text!.value!).join("\n");
    expect(flows).to.contain('"packets":18446744073709551615').and.contain('"tag":"q\\"\\n"');
  });

  it("plain-text leaves like bpftool without -j", () => {
    const obj = loadObject(objectBytes("maps"), "maps.o");
    const misc = obj.maps.find((m) => m.name === "misc")!;
    const e = (recording("maps").dumps.misc as RecordedEntry[]).find((x) => x.formatted_text!.value!.includes("B64_B"))!;
    const plain = formatBtfValue(obj.btf!, misc.btfValueTypeId, hexList(e.value!), 0, { plain: true });
    expect(plain).to.contain('"sbits":0xffd').and.contain('"ptr":0xdeadbeef').and.contain('"wide":0x10000000000000002');
  });

  it("reads at an offset and parses to an object", () => {
    const obj = loadObject(objectBytes("maps"), "maps.o");
    const counters = obj.maps.find((m) => m.name === "counters")!;
    const buf = new Uint8Array([9, 9, 9, 42, 0, 0, 0, 0, 0, 0, 0]);
    expect(formatBtfValue(obj.btf!, counters.btfValueTypeId, buf, 3)).to.equal("42");
    const flows = obj.maps.find((m) => m.name === "flows")!;
    expect(formatBtfValueObject(obj.btf!, flows.btfKeyTypeId, new Uint8Array(16))).to.deep.equal({ saddr: 0, daddr: 0, sport: 0, dport: 0, proto: 0, pad: [0, 0, 0] });
  });

  it("prints floats as numbers (bpftool cannot)", () => {
    const obj = loadObject(objectBytes("kinds"), "kinds.o");
    const kv = obj.btf!.find("kv", BtfKind.STRUCT)!;
    const b = new Uint8Array(104);
    new DataView(b.buffer).setFloat32(28, 1.5, true);
    new DataView(b.buffer).setFloat64(32, -0.25, true);
    const v = formatBtfValueObject(obj.btf!, kv.id, b) as Record<string, unknown>;
    expect(v.f).to.equal(1.5);
    expect(v.d).to.equal(-0.25);
    expect((recording("kinds").dumps.kv_map as { invalid_json: string }).invalid_json).to.contain('"f":(unsupported-kind');
  });

  it("refuses a value shorter than its type", () => {
    const obj = loadObject(objectBytes("maps"), "maps.o");
    const flows = obj.maps.find((m) => m.name === "flows")!;
    expect(() => formatBtfValue(obj.btf!, flows.btfValueTypeId, new Uint8Array(8))).to.throw(BtfError, /needs 40 bytes/);
  });

  it("escapes strings like json_writer (backslash quirk included)", () => {
    expect(jsonQuote('a"b\tc\\')).to.equal('"a\\"b\\tc\\n"');
  });
});
