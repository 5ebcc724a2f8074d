// `dumpBtfC` compared byte for byte with `bpftool btf dump file X format c` (recorded by
// test/fixtures/objects/record-bpftool.py); the headers must also compile (clang, when installed).

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readObjectBtf } from "../../src/btf/read-elf-btf.js";
import { dumpBtfC, dumpBtfTypesC } from "../../src/btf/dump-btf-c.js";
import { BtfKind } from "../../src/btf/types.js";
import { hasTool, objectBytes, recordedText, WITH_BTF } from "../loader/object-fixtures.js";

const btfOf = (name: string) => readObjectBtf(objectBytes(name), `${name}.o`)!;

describe("btf/dump-btf-c", () => {
  describe("equals bpftool btf dump file X format c", () => {
    for (const name of WITH_BTF) {
      it(`${name}.o`, () => {
        expect(dumpBtfC(btfOf(name))).to.equal(recordedText(name, "btf-c.h"));
      });
    }
  });

  it("emits only what one type needs, dependencies first", () => {
    const btf = btfOf("maps");
    const misc = btf.find("misc", BtfKind.STRUCT)!;
    const c = dumpBtfTypesC(btf, [misc.id]);
    expect(c.indexOf("typedef __u32 u32_alias;")).to.be.lessThan(c.indexOf("struct misc {"));
    expect(c.indexOf("union addr4 {")).to.be.lessThan(c.indexOf("struct misc {"));
    expect(c).to.contain("\tlong: 64;\n\tunsigned __int128 wide;\n};");
    expect(c).not.to.contain("struct flow_key");
  });

  const clang = ["/usr/bin/clang-19", "/usr/bin/clang"].find(hasTool);
  it(`C headers compile with clang${clang ? "" : " (skipped: clang is not installed)"}`, function () {
    if (!clang) this.skip(); // no clang on this machine: nothing to compile with
    this.timeout(60000);
    const dir = mkdtempSync(join(tmpdir(), "xdpsim-btfc-"));
    try {
      for (const name of WITH_BTF) {
        const file = join(dir, `${name}.h`);
        writeFileSync(file, dumpBtfC(btfOf(name)));
        execFileSync(clang!, ["-target", "bpf", "-fsyntax-only", "-x", "c", file], { stdio: "pipe" });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
