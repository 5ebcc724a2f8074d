// `dumpBtfRaw` compared byte for byte with `bpftool btf dump file X format raw`, recorded for
// every test object by test/fixtures/objects/record-bpftool.py.

import { expect } from "chai";
import { readObjectBtf } from "../../src/btf/read-elf-btf.js";
import { dumpBtfRaw, dumpBtfType } from "../../src/btf/dump-btf-raw.js";
import { BtfKind } from "../../src/btf/types.js";
import { objectBytes, recordedText, WITH_BTF } from "../loader/object-fixtures.js";

const btfOf = (name: string) => readObjectBtf(objectBytes(name), `${name}.o`)!;

describe("btf/dump-btf-raw", () => {
  describe("equals bpftool btf dump file X format raw", () => {
    for (const name of WITH_BTF) {
      it(`${name}.o`, () => {
        expect(dumpBtfRaw(btfOf(name))).to.equal(recordedText(name, "btf-raw.txt"));
      });
    }
  });

  it("prints one type at a time", () => {
    const btf = btfOf("kinds");
    const big = btf.find("big", BtfKind.ENUM64)!;
    expect(dumpBtfType(btf, big)).to.equal(
      `[${big.id}] ENUM64 'big' encoding=UNSIGNED size=8 vlen=3\n\t'BIG_A' val=1ULL\n\t'BIG_B' val=4294967296ULL\n\t'BIG_C' val=18446744073709551615ULL\n`,
    );
  });
});
