// Reads the raw .BTF and .BTF.ext sections of a parsed ELF object (no libbpf fix-ups): what
// `bpftool btf dump file X` shows. Spec: Documentation/bpf/btf.rst §4 (ELF file format interface).

import { findSection, readElf } from "../elf/read-elf.js";
import type { ElfFile } from "../elf/types.js";
import { parseBtf } from "./parse-btf.js";
import { parseBtfExt, type BtfExt } from "./parse-btf-ext.js";
import type { Btf } from "./types.js";

/** .BTF and .BTF.ext of an object; null where the section is absent or empty. */
export function readElfBtf(elf: ElfFile): { btf: Btf | null; ext: BtfExt | null } {
  const btfSec = findSection(elf, ".BTF");
  const btf = btfSec && btfSec.size > 0 ? parseBtf(btfSec.data, elf.file, btfSec.offset) : null;
  const extSec = findSection(elf, ".BTF.ext");
  const ext = btf && extSec && extSec.size > 0 ? parseBtfExt(extSec.data, btf, elf.file, extSec.offset) : null;
  return { btf, ext };
}

/** Raw BTF of an object file's bytes (null when it has none). */
export function readObjectBtf(bytes: Uint8Array, file: string): Btf | null {
  return readElfBtf(readElf(bytes, file)).btf;
}
