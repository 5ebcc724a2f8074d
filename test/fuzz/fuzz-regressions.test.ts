// Regressions found by the fuzz campaigns (reports/reliability.md), one test per bug.

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LoadError } from "../../src/errors.js";
import { checkArrayValueSize } from "../../src/loader/collect-maps.js";
import { loadObject } from "../../src/loader/load-object.js";
import { sections } from "./elf-edit.js";
import { REPO } from "./elf-campaign.js";

describe("fuzz regressions", () => {
  it("a global-data section (.bss) with a corrupt size is refused before allocating (was RangeError / multi-GB allocation)", () => {
    for (const size of [0x80000000n, 0xffffffffn, 1n << 40n, (1n << 22n) + 1n]) {
      const b = new Uint8Array(readFileSync(join(REPO, "xdp", "v4.o")));
      const bss = sections(b).find((s) => s.name === ".bss")!;
      new DataView(b.buffer).setBigUint64(bss.hdr + 32, size, true);
      expect(() => loadObject(b, "v4.o")).to.throw(LoadError, /section \.bss: size \d+ is larger than an array map value may be/);
    }
  });

  it("an ARRAY map with value_size >= 2^31 is refused by the loader with E2BIG (was RangeError in the runtime)", () => {
    const obj = loadObject(new Uint8Array(readFileSync(join(REPO, "xdp", "firewall.o"))), "firewall.o");
    const arr = obj.maps.find((m) => m.type === 2 && !m.isGlobalData)!;
    expect(() => checkArrayValueSize(arr)).to.not.throw();
    for (const valueSize of [0x80000000, 0xffffffff, (1 << 22) + 1]) {
      expect(() => checkArrayValueSize({ ...arr, valueSize })).to.throw(LoadError, /value_size \d+ is larger than an array map value may be.*E2BIG/);
    }
  });
});
