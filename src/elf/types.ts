// ELF64 constants and the parsed shapes read-elf.ts produces (sections, symbols, REL relocations).
// Spec: System V gABI ELF-64 (elf.h) and the BPF psABI relocation types (llvm BPF ELF ABI).

/** e_machine of BPF objects. */
export const EM_BPF = 247;
export const ET_REL = 1;

// Section types.
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;

// Section flags.
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

// Special section indices.
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

// Symbol types and bindings.
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STV_DEFAULT = 0;
export const STV_HIDDEN = 2;

// BPF relocation types.
export const R_BPF_NONE = 0;
export const R_BPF_64_64 = 1;
export const R_BPF_64_ABS64 = 2;
export const R_BPF_64_ABS32 = 3;
export const R_BPF_64_NODYLD32 = 4;
export const R_BPF_64_32 = 10;

/** Well-known machine names for error messages. */
export const MACHINE_NAMES: Record<number, string> = {
  0: "none",
  3: "i386",
  40: "ARM",
  62: "x86-64",
  183: "AArch64",
  243: "RISC-V",
  247: "BPF",
};

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  /** Section contents (a view into the file); empty for SHT_NOBITS and SHT_NULL. */
  data: Uint8Array;
}

export interface ElfSymbol {
  /** Index in .symtab. */
  index: number;
  name: string;
  nameOff: number;
  value: number;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  /** STV_* */
  visibility: number;
  /** Section index (SHN_UNDEF for externs, SHN_ABS…). */
  shndx: number;
}

export interface ElfRel {
  /** Byte offset inside the target section. */
  offset: number;
  /** R_BPF_* */
  type: number;
  symbol: ElfSymbol;
  /** File offset of this entry (for error messages). */
  entryOffset: number;
}

export interface ElfRelSection {
  /** The SHT_REL section itself (e.g. ".relxdp"). */
  section: ElfSection;
  /** Index of the section the relocations apply to. */
  target: number;
  rels: ElfRel[];
}

export interface ElfFile {
  file: string;
  bytes: Uint8Array;
  machine: number;
  type: number;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  /** REL sections by the index of the section they patch. */
  relocations: Map<number, ElfRelSection>;
  /** Index of .symtab (0 when absent). */
  symtabIndex: number;
}
