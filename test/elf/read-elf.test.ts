// ELF reader: sections, symbols and REL entries of a clang BPF object (facts as llvm-readelf-19
// prints them), and every malformed input turning into an ElfError naming file, section and offset.

import { expect } from "chai";
import { ElfError, XdpsimError } from "../../src/errors.js";
import { findSection, readElf } from "../../src/elf/read-elf.js";
import {
  EM_BPF, ET_REL, R_BPF_64_32, R_BPF_64_64, SHT_NOBITS, SHT_PROGBITS, SHT_REL, STB_GLOBAL, STB_LOCAL, STT_FUNC,
  STT_OBJECT, STT_SECTION,
} from "../../src/elf/types.js";
import { loadObject } from "../../src/loader/load-object.js";
import { objectBytes } from "../loader/object-fixtures.js";

function elfError(fn: () => unknown): ElfError {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(ElfError);
    return e as ElfError;
  }
  throw new Error("no error thrown");
}

function setU32(b: Uint8Array, off: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(off, v, true);
}
function setU64(b: Uint8Array, off: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setBigUint64(off, BigInt(v), true);
}

describe("elf/read-elf", () => {
  describe("calls.o (facts from llvm-readelf-19 -S -s -r)", () => {
    const elf = readElf(objectBytes("calls"), "calls.o");

    it("reads the header", () => {
      expect(elf.machine).to.equal(EM_BPF);
      expect(elf.type).to.equal(ET_REL);
    });

    it("reads section headers and names", () => {
      const names = elf.sections.map((s) => s.name);
      expect(names).to.include.members([".text", "xdp", "xdp.frags", "xdp/devmap", ".maps", ".bss", "license", ".BTF", ".BTF.ext", ".symtab", ".strtab", ".relxdp", ".rel.text"]);
      const text = findSection(elf, ".text")!;
      expect(text.type).to.equal(SHT_PROGBITS);
      expect(text.size).to.equal(0x190); // 50 instructions
      expect(text.data.length).to.equal(0x190);
      const bss = findSection(elf, ".bss")!;
      expect(bss.type).to.equal(SHT_NOBITS);
      expect(bss.size).to.equal(8);
      expect(bss.data.length).to.equal(0);
      const license = findSection(elf, "license")!;
      expect(new TextDecoder().decode(license.data)).to.equal("GPL\0");
    });

    it("reads the symbol table", () => {
      const sym = (n: string) => elf.symbols.find((s) => s.name === n)!;
      const xdpCalls = sym("xdp_calls");
      expect(xdpCalls).to.include({ value: 0, size: 120, type: STT_FUNC, bind: STB_GLOBAL });
      expect(elf.sections[xdpCalls.shndx].name).to.equal("xdp");
      expect(sym("xdp_second")).to.include({ value: 0x78, size: 88, type: STT_FUNC, bind: STB_GLOBAL });
      expect(sym("classify")).to.include({ value: 0x30, size: 96, type: STT_FUNC, bind: STB_LOCAL });
      expect(sym("loop_cb")).to.include({ value: 0x130, size: 96, type: STT_FUNC, bind: STB_LOCAL });
      expect(sym("hits")).to.include({ value: 0, size: 32, type: STT_OBJECT, bind: STB_GLOBAL });
      expect(elf.sections[sym("hits").shndx].name).to.equal(".maps");
      expect(elf.symbols[0].name).to.equal("");
    });

    it("reads REL sections with their targets", () => {
      const xdp = findSection(elf, "xdp")!;
      const rel = elf.relocations.get(xdp.index)!;
      expect(rel.section.name).to.equal(".relxdp");
      expect(rel.section.type).to.equal(SHT_REL);
      expect(rel.rels.map((r) => [r.offset, r.type, r.symbol.name])).to.deep.equal([
        [0x20, R_BPF_64_32, "count_len"],
        [0x60, R_BPF_64_32, "run_loop"],
        [0x90, R_BPF_64_32, ""],
      ]);
      expect(rel.rels[2].symbol.type).to.equal(STT_SECTION);
      expect(elf.sections[rel.rels[2].symbol.shndx].name).to.equal(".text");
      const text = elf.relocations.get(findSection(elf, ".text")!.index)!;
      expect(text.rels.map((r) => [r.offset, r.type, r.symbol.name || elf.sections[r.symbol.shndx].name])).to.deep.equal([
        [0xa8, R_BPF_64_64, "hits"],
        [0x108, R_BPF_64_64, ".text"],
        [0x140, R_BPF_64_64, "loop_sum"],
      ]);
    });
  });

  describe("malformed input", () => {
    const good = objectBytes("calls");
    const elf = readElf(good, "calls.o");

    it("rejects a file that is not ELF", () => {
      const e = elfError(() => readElf(new TextEncoder().encode("#!/bin/sh\necho hi\n"), "script.o"));
      expect(e.message).to.equal("script.o: ELF header: not an ELF file (bad magic) (offset 0x0)");
    });

    it("rejects ELF32 and big-endian objects", () => {
      const b32 = good.slice();
      b32[4] = 1;
      expect(elfError(() => readElf(b32, "a.o")).message).to.contain("only ELF64");
      const be = good.slice();
      be[5] = 2;
      expect(elfError(() => readElf(be, "a.o")).message).to.contain("only little-endian");
    });

    it("rejects an x86-64 object (gcc -c) as the wrong machine", () => {
      const e = elfError(() => readElf(objectBytes("x86"), "x86.o"));
      expect(e.message).to.equal("x86.o: ELF header: machine 62 (x86-64) is not BPF (247); compile with clang -target bpf (offset 0x12)");
      expect(e.format()).to.match(/^\[elf\] x86\.o: /);
    });

    it("rejects truncated files with an ElfError, whatever the cut", () => {
      for (const len of [0, 3, 4, 40, 63, 64, 100, 4096, good.length - 64 * 3, good.length - 1]) {
        const e = elfError(() => readElf(good.subarray(0, len), "cut.o"));
        expect(e.message).to.match(/^cut\.o: /);
        expect(e.message).to.match(/\(offset 0x[0-9a-f]+\)$/);
      }
    });

    it("names the section whose contents lie outside the file", () => {
      const b = good.slice();
      const xdp = findSection(elf, "xdp")!;
      const shoff = Number(new DataView(b.buffer).getBigUint64(40, true));
      setU64(b, shoff + xdp.index * 64 + 24, b.length + 16); // sh_offset
      const e = elfError(() => readElf(b, "bad.o"));
      expect(e.message).to.contain(`section header #${xdp.index}: contents`);
      expect(e.message).to.contain("lie outside the file");
    });

    it("names the relocation whose symbol index is out of range", () => {
      const b = good.slice();
      const rel = findSection(elf, ".relxdp")!;
      setU32(b, rel.offset + 12, 9999); // r_info high word of entry #0
      const e = elfError(() => readElf(b, "bad.o"));
      expect(e.message).to.equal(`bad.o: section .relxdp: relocation #0 refers to symbol #9999, but the symbol table has ${elf.symbols.length} (offset 0x${rel.offset.toString(16)})`);
    });

    it("names the relocation whose offset is outside its target section", () => {
      const b = good.slice();
      const rel = findSection(elf, ".relxdp")!;
      setU64(b, rel.offset + 16, 0x10000); // r_offset of entry #1
      expect(elfError(() => readElf(b, "bad.o")).message).to.contain("relocation #1 at offset 0x10000 is outside section xdp");
    });

    it("rejects a symbol pointing at a section that does not exist", () => {
      const b = good.slice();
      const symtab = findSection(elf, ".symtab")!;
      const idx = elf.symbols.findIndex((s) => s.name === "xdp_calls");
      b[symtab.offset + idx * 24 + 6] = 200; // st_shndx low byte
      expect(elfError(() => readElf(b, "bad.o")).message).to.contain(`symbol #${idx} refers to section #200`);
    });

    it("rejects a section name offset past the string table", () => {
      const b = good.slice();
      const shoff = Number(new DataView(b.buffer).getBigUint64(40, true));
      setU32(b, shoff + 3 * 64, 0x7fffff00);
      expect(elfError(() => readElf(b, "bad.o")).message).to.contain("name of section #3: string offset");
    });

    it("never throws anything but an XdpsimError on random corruption (seeded)", function () {
      this.timeout(30000);
      let seed = 0x1234567;
      const rnd = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % n;
      };
      // Bias corruption to the structures: section headers, symbols, relocations, BTF.
      const targets = [".symtab", ".relxdp", ".rel.text", ".BTF", ".BTF.ext", ".maps", "xdp", ".text"].map((n) => findSection(elf, n)!);
      const shoff = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(40, true));
      let errors = 0;
      for (let i = 0; i < 400; i++) {
        const b = good.slice();
        for (let k = 0; k < 1 + rnd(3); k++) {
          const pick = rnd(targets.length + 1);
          const off = pick === targets.length ? shoff + rnd(elf.sections.length * 64) : targets[pick].offset + rnd(targets[pick].size);
          b[off] = rnd(256);
        }
        try {
          loadObject(b, "fuzz.o");
        } catch (e) {
          if (!(e instanceof XdpsimError)) throw new Error(`iteration ${i}: ${String((e as Error).stack)}`);
          errors++;
        }
      }
      expect(errors).to.be.greaterThan(0);
    });
  });
});
