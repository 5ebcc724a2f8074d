// Produces the BTF libbpf hands to the kernel for an object: DATASEC sizes from the ELF sections,
// global variables' offsets from their ELF symbols, variables sorted by offset, hidden ones static.
// Reference: tools/lib/bpf/libbpf.c (btf_finalize_data, btf_fixup_datasec, mark_btf_static).

import { LoadError } from "../errors.js";
import {
  Btf, BtfKind, BTF_FUNC_GLOBAL, BTF_FUNC_STATIC, BTF_VAR_GLOBAL_EXTERN, BTF_VAR_STATIC, type BtfDatasec, type BtfType,
  type BtfVar,
} from "../btf/types.js";
import { STB_LOCAL, STT_FUNC, STT_SECTION, STV_HIDDEN, type ElfFile } from "../elf/types.js";

const STV_INTERNAL = 1;

/**
 * A copy of `btf` with every DATASEC fixed up as libbpf does before loading it: `bpftool btf dump
 * file` shows the raw BTF, `bpftool btf dump id` / `map dump` the finalized one.
 */
export function finalizeBtf(elf: ElfFile, btf: Btf): Btf {
  const types: BtfType[] = btf.types.slice();
  for (const t of btf.types) {
    if (t.kind !== BtfKind.DATASEC) continue;
    if (t.name === ".kconfig" || t.name === ".ksyms") continue;
    let size = t.size;
    let fixOffsets = false;
    if (size === 0) {
      const sec = elf.sections.find((s) => s.name === t.name);
      if (!sec || sec.size === 0) continue; // libbpf: section not found → left alone (fails later if used)
      size = sec.size;
      fixOffsets = true;
    }
    const vars = t.vars.map((v) => ({ ...v }));
    for (const v of vars) {
      const vt = types[v.type];
      if (vt === undefined || vt.kind !== BtfKind.VAR) {
        throw new LoadError(`${elf.file}: BTF DATASEC '${t.name}': entry of type [${v.type}] is not a VAR`);
      }
      if (vt.linkage === BTF_VAR_STATIC || vt.linkage === BTF_VAR_GLOBAL_EXTERN) continue;
      const sym = elf.symbols.find((s) => s.name === vt.name && s.bind !== STB_LOCAL && s.type !== STT_SECTION && s.shndx !== 0);
      if (!sym) throw new LoadError(`${elf.file}: BTF DATASEC '${t.name}': no ELF symbol for variable '${vt.name}'`);
      if (fixOffsets) v.offset = sym.value;
      if (sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL) {
        const hidden: BtfVar = { ...vt, linkage: BTF_VAR_STATIC };
        types[vt.id] = hidden;
      }
    }
    vars.sort((a, b) => a.offset - b.offset);
    const fixed: BtfDatasec = { ...t, size, vars };
    types[t.id] = fixed;
  }
  // Hidden global sub-programs are verified as static functions (libbpf mark_btf_static).
  for (const sym of elf.symbols) {
    if (sym.type !== STT_FUNC || sym.bind === STB_LOCAL) continue;
    if (sym.visibility !== STV_HIDDEN && sym.visibility !== STV_INTERNAL) continue;
    if (elf.sections[sym.shndx]?.name !== ".text") continue;
    const fn = types.find((t) => t.kind === BtfKind.FUNC && t.linkage === BTF_FUNC_GLOBAL && t.name === sym.name);
    if (fn && fn.kind === BtfKind.FUNC) types[fn.id] = { ...fn, linkage: BTF_FUNC_STATIC, vlen: BTF_FUNC_STATIC };
  }
  return new Btf(types, btf.strings, btf.file);
}
