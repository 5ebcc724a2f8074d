// BTF and BTF.ext parsing: every kind clang emits (kinds.bpf.c), the size/resolve helpers, the
// func_info/line_info records, and malformed sections turning into BtfError.

import { expect } from "chai";
import { BtfError } from "../../src/errors.js";
import { findSection, readElf } from "../../src/elf/read-elf.js";
import { parseBtf } from "../../src/btf/parse-btf.js";
import { parseBtfExt } from "../../src/btf/parse-btf-ext.js";
import { readElfBtf } from "../../src/btf/read-elf-btf.js";
import { Btf, BtfKind, BTF_INT_BOOL, BTF_INT_SIGNED, BTF_KIND_NAMES, type BtfTypeOfKind } from "../../src/btf/types.js";
import { objectBytes } from "../loader/object-fixtures.js";

function btfOf(name: string): Btf {
  const { btf } = readElfBtf(readElf(objectBytes(name), `${name}.o`));
  if (!btf) throw new Error(`${name}.o has no BTF`);
  return btf;
}

function only<K extends BtfKind>(btf: Btf, name: string, kind: K): BtfTypeOfKind<K> {
  const list = btf.findByName(name, kind);
  expect(list, `${BTF_KIND_NAMES[kind]} '${name}'`).to.have.length(1);
  return list[0];
}

function btfError(fn: () => unknown): BtfError {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(BtfError);
    return e as BtfError;
  }
  throw new Error("no error thrown");
}

describe("btf/parse-btf", () => {
  const btf = btfOf("kinds");

  it("parses every kind from 1 to 19", () => {
    const kinds = new Set(btf.types.slice(1).map((t) => t.kind));
    for (let k = 1; k <= 19; k++) expect(kinds.has(k), BTF_KIND_NAMES[k]).to.equal(true);
    expect(btf.types[0].kind).to.equal(BtfKind.UNKN);
    expect(btf.count).to.equal(btf.types.length);
  });

  it("decodes INT encodings and sizes", () => {
    const i = only(btf, "int", BtfKind.INT);
    expect(i).to.include({ size: 4, nrBits: 32, bitsOffset: 0, encoding: BTF_INT_SIGNED });
    expect(only(btf, "_Bool", BtfKind.INT)).to.include({ size: 1, encoding: BTF_INT_BOOL });
    expect(only(btf, "unsigned long long", BtfKind.INT)).to.include({ size: 8, encoding: 0 });
  });

  it("decodes structs with bitfields (kflag), unions, fwd and anonymous members", () => {
    const kv = only(btf, "kv", BtfKind.STRUCT);
    expect(kv.size).to.equal(104);
    expect(kv.kflag).to.equal(true);
    const m = Object.fromEntries(kv.members.map((x) => [x.name, x]));
    expect(m.big_bits).to.include({ bitOffset: 768, bitfieldSize: 40 });
    expect(m.sbits).to.include({ bitOffset: 808, bitfieldSize: 12 });
    expect(m.f).to.include({ bitOffset: 224, bitfieldSize: 0 });
    expect(btf.typeName(m.a.type)).to.equal("union addr");
    expect(btf.typeName(m.op.type)).to.equal("struct opaque *");
    expect(only(btf, "opaque", BtfKind.FWD).isUnion).to.equal(false);
    expect(btf.typeName(m.inner.type)).to.equal("struct (anon)");
    expect(btf.typeName(m.cv.type)).to.equal("const volatile u32_t");
    expect(btf.typeName(m.fn.type)).to.equal("int (int, char) *");
    expect(only(btf, "addr", BtfKind.UNION).members.map((x) => [x.name, x.bitOffset])).to.deep.equal([["v4", 0], ["bytes", 0]]);
  });

  it("decodes ENUM (signed) and ENUM64 values", () => {
    const neg = only(btf, "neg", BtfKind.ENUM);
    expect(neg.signed).to.equal(true);
    expect(neg.values.map((v) => [v.name, v.val])).to.deep.equal([["NEG_M", -5], ["NEG_Z", 0], ["NEG_P", 3]]);
    const big = only(btf, "big", BtfKind.ENUM64);
    expect(big.signed).to.equal(false);
    expect(big.size).to.equal(8);
    expect(big.values.map((v) => v.val)).to.deep.equal([1n, 0x100000000n, 0xffffffffffffffffn]);
  });

  it("decodes FLOAT, TYPE_TAG, DECL_TAG, RESTRICT, FUNC and FUNC_PROTO", () => {
    expect(only(btf, "float", BtfKind.FLOAT).size).to.equal(4);
    expect(only(btf, "double", BtfKind.FLOAT).size).to.equal(8);
    const tag = only(btf, "user", BtfKind.TYPE_TAG);
    expect(btf.typeName(tag.type)).to.equal("__u32");
    const tags = btf.types.filter((t) => t.kind === BtfKind.DECL_TAG).map((t) => t.kind === BtfKind.DECL_TAG && [t.name, btf.type(t.type).name, t.componentIdx]);
    expect(tags).to.deep.include.members([["kv_struct", "kv", -1], ["tail_field", "kv", 12], ["arg_b", "add", 1], ["helper_fn", "add", -1]]);
    const add = only(btf, "add", BtfKind.FUNC);
    expect(add.linkage).to.equal(0); // static
    const proto = btf.type(add.type);
    expect(proto.kind).to.equal(BtfKind.FUNC_PROTO);
    if (proto.kind !== BtfKind.FUNC_PROTO) return;
    expect(proto.params.map((p) => p.name)).to.deep.equal(["a", "b"]);
    expect(btf.typeName(proto.params[0].type)).to.equal("int * restrict");
    expect(btf.typeName(proto.params[1].type)).to.equal("const int * restrict");
    expect(only(btf, "xdp_kinds", BtfKind.FUNC).linkage).to.equal(1); // global
  });

  it("decodes VAR and DATASEC as clang writes them (offsets of globals left 0)", () => {
    const v = only(btf, "kv_map", BtfKind.VAR);
    expect(v.linkage).to.equal(1);
    const ds = only(btf, ".maps", BtfKind.DATASEC);
    expect(ds.size).to.equal(0);
    expect(ds.vars).to.deep.equal([{ type: v.id, offset: 0, size: 32 }]);
  });

  it("resolves sizes and strips modifiers like libbpf", () => {
    const kv = only(btf, "kv", BtfKind.STRUCT);
    expect(btf.sizeOf(kv.id)).to.equal(104);
    const m = Object.fromEntries(kv.members.map((x) => [x.name, x.type]));
    expect(btf.sizeOf(m.name)).to.equal(6);
    expect(btf.sizeOf(m.cv)).to.equal(4);
    expect(btf.resolveId(m.cv)).to.equal(only(btf, "unsigned int", BtfKind.INT).id);
    expect(btf.sizeOf(m.uptr)).to.equal(8);
    expect(btf.sizeOf(only(btf, "kv_map", BtfKind.VAR).id)).to.equal(32);
    expect(() => btf.sizeOf(only(btf, "add", BtfKind.FUNC).id)).to.throw(BtfError, /has no size/);
    expect(() => btf.type(10_000)).to.throw(BtfError, /type id 10000 out of range/);
    expect(btf.find("kv", BtfKind.UNION)).to.equal(undefined);
  });

  describe("malformed .BTF", () => {
    const elf = readElf(objectBytes("kinds"), "kinds.o");
    const sec = findSection(elf, ".BTF")!;
    const raw = (): Uint8Array => sec.data.slice();
    const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const typeStart = 24 + dv(sec.data).getUint32(8, true);

    it("rejects a bad magic and a truncated header", () => {
      const b = raw();
      b[0] = 0;
      expect(btfError(() => parseBtf(b, "k.o", sec.offset)).message).to.equal(`k.o: .BTF: bad magic 0xeb00 (expected 0xeb9f; big-endian BTF is not supported) (offset 0x${sec.offset.toString(16)})`);
      expect(btfError(() => parseBtf(raw().subarray(0, 10), "k.o")).message).to.contain("truncated header");
    });

    it("rejects a type section that overruns the data", () => {
      const b = raw();
      dv(b).setUint32(12, 0x7fffffff, true);
      expect(btfError(() => parseBtf(b, "k.o")).message).to.contain("type section");
    });

    it("rejects an unknown kind", () => {
      const b = raw();
      b[typeStart + 7] = 25; // info byte 3 of type [1]: kind 25
      expect(btfError(() => parseBtf(b, "k.o")).message).to.contain("type [1]: unknown kind 25");
    });

    it("rejects a reference to a type that does not exist", () => {
      const b = raw();
      dv(b).setUint32(typeStart + 8, 9999, true); // type [1] is a PTR: its target
      expect(btfError(() => parseBtf(b, "k.o")).message).to.contain("refers to type [9999]");
    });

    it("rejects a name offset outside the string section", () => {
      const b = raw();
      dv(b).setUint32(typeStart, 0x00ffffff, true);
      expect(btfError(() => parseBtf(b, "k.o")).message).to.contain("name offset 16777215 is outside the string section");
    });

    it("rejects a reference loop without a pointer", () => {
      const b = raw();
      const btf0 = parseBtf(raw(), "k.o");
      const ptr = btf0.types[1];
      expect(ptr.kind).to.equal(BtfKind.PTR);
      b[typeStart + 7] = BtfKind.CONST; // make type [1] a CONST...
      dv(b).setUint32(typeStart + 8, 1, true); // ...of itself
      expect(btfError(() => parseBtf(b, "k.o")).message).to.contain("reference loop");
    });
  });

  describe(".BTF.ext", () => {
    const elf = readElf(objectBytes("calls"), "calls.o");
    const { btf: cbtf, ext } = readElfBtf(elf);

    it("groups func_info by section, in file order", () => {
      const fi = ext!.funcInfo;
      expect([...fi.keys()]).to.have.members([".text", "xdp", "xdp.frags", "xdp/devmap"]);
      const names = (sec: string) => fi.get(sec)!.map((r) => [r.insnOff / 8, cbtf!.type(r.typeId).name]);
      expect(names(".text")).to.deep.equal([[0, "count_len"], [6, "classify"], [18, "bump"], [29, "run_loop"], [38, "loop_cb"]]);
      expect(names("xdp")).to.deep.equal([[0, "xdp_calls"], [15, "xdp_second"]]);
    });

    it("decodes line_info: file, line text, line and column", () => {
      const li = ext!.lineInfo.get("xdp")!;
      expect(li[0].file).to.match(/calls\.bpf\.c$/);
      expect(li[0]).to.include({ insnOff: 0, text: "\tint len = ctx->data_end - ctx->data;", line: 60, col: 33 });
      expect(li.every((l, i) => i === 0 || l.insnOff >= li[i - 1].insnOff)).to.equal(true);
    });

    it("rejects records that overrun their block", () => {
      const sec = findSection(elf, ".BTF.ext")!;
      const b = sec.data.slice();
      const d = new DataView(b.buffer);
      const fiOff = d.getUint32(4, true) + d.getUint32(8, true);
      d.setUint32(fiOff + 4 + 4, 100000, true); // num_info of the first func_info section
      expect(btfError(() => parseBtfExt(b, cbtf!, "calls.o")).message).to.match(/func_info: section '.+': 100000 records/);
    });
  });
});
