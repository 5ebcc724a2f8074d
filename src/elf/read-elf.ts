// ELF64 little-endian reader for clang `-target bpf` objects: header, section headers and names,
// symbol table, REL sections. Every offset is bounds-checked (gABI ELF-64, include/uapi/linux/elf.h).

import { ElfError } from "../errors.js";
import {
  EM_BPF, MACHINE_NAMES, SHN_LORESERVE, SHN_XINDEX, SHT_NOBITS, SHT_NULL, SHT_REL, SHT_STRTAB, SHT_SYMTAB,
  type ElfFile, type ElfRel, type ElfRelSection, type ElfSection, type ElfSymbol,
} from "./types.js";

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;

/** Bounds-checked little-endian view over the file: every read names where it was reading. */
class Reader {
  private readonly dv: DataView;
  constructor(readonly file: string, readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  check(where: string, off: number, len: number): void {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0 || off + len > this.bytes.length) {
      throw new ElfError(this.file, where, `truncated: needs ${len} byte(s) but the file has ${this.bytes.length}`, off);
    }
  }
  u8(where: string, off: number): number {
    this.check(where, off, 1);
    return this.bytes[off];
  }
  u16(where: string, off: number): number {
    this.check(where, off, 2);
    return this.dv.getUint16(off, true);
  }
  u32(where: string, off: number): number {
    this.check(where, off, 4);
    return this.dv.getUint32(off, true);
  }
  /** A 64-bit field that must fit a JS number (offsets, sizes, symbol values). */
  u64(where: string, off: number): number {
    this.check(where, off, 8);
    const v = this.dv.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ElfError(this.file, where, `64-bit field 0x${v.toString(16)} is out of range`, off);
    }
    return Number(v);
  }
}

/** NUL-terminated string at `off` inside a string table section. */
function readString(file: string, table: ElfSection, off: number, what: string): string {
  if (off >= table.data.length) {
    throw new ElfError(file, `section ${table.name || `#${table.index}`}`, `${what}: string offset ${off} is past the end of the table (size ${table.data.length})`, table.offset + off);
  }
  let end = off;
  while (end < table.data.length && table.data[end] !== 0) end++;
  if (end >= table.data.length) {
    throw new ElfError(file, `section ${table.name || `#${table.index}`}`, `${what}: string at ${off} is not NUL-terminated`, table.offset + off);
  }
  return latin1(table.data, off, end);
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * Parse an ELF64 little-endian BPF relocatable object. Throws ElfError (file, section, offset) for
 * anything malformed: wrong magic/class/endianness/machine, truncation, out-of-range indices.
 */
export function readElf(bytes: Uint8Array, file: string): ElfFile {
  const r = new Reader(file, bytes);
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError(file, "ELF header", "not an ELF file (bad magic)", 0);
  }
  if (bytes.length < EHDR_SIZE) {
    throw new ElfError(file, "ELF header", `truncated: ${bytes.length} bytes, the ELF64 header needs ${EHDR_SIZE}`, 0);
  }
  const cls = bytes[4];
  if (cls !== 2) throw new ElfError(file, "ELF header", `unsupported class ${cls} (only ELF64 is supported)`, 4);
  const data = bytes[5];
  if (data !== 1) throw new ElfError(file, "ELF header", `unsupported data encoding ${data} (only little-endian is supported)`, 5);
  const type = r.u16("ELF header", 16);
  const machine = r.u16("ELF header", 18);
  if (machine !== EM_BPF) {
    const name = MACHINE_NAMES[machine] ?? "unknown";
    throw new ElfError(file, "ELF header", `machine ${machine} (${name}) is not BPF (${EM_BPF}); compile with clang -target bpf`, 18);
  }
  const shoff = r.u64("ELF header", 40);
  const shentsize = r.u16("ELF header", 58);
  let shnum = r.u16("ELF header", 60);
  let shstrndx = r.u16("ELF header", 62);
  if (shoff === 0) {
    return { file, bytes, machine, type, sections: [], symbols: [], relocations: new Map(), symtabIndex: 0 };
  }
  if (shentsize !== SHDR_SIZE) {
    throw new ElfError(file, "ELF header", `section header entry size ${shentsize}, expected ${SHDR_SIZE}`, 58);
  }
  // Extended numbering: the real counts live in section header 0.
  r.check("section header table", shoff, SHDR_SIZE);
  if (shnum === 0) shnum = r.u64("section header #0", shoff + 32);
  if (shstrndx === SHN_XINDEX) shstrndx = r.u32("section header #0", shoff + 40);
  r.check("section header table", shoff, shnum * SHDR_SIZE);

  const sections: ElfSection[] = [];
  const nameOffs: number[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * SHDR_SIZE;
    const where = `section header #${i}`;
    nameOffs.push(r.u32(where, h));
    const shType = r.u32(where, h + 4);
    const flags = r.u64(where, h + 8);
    const offset = r.u64(where, h + 24);
    const size = r.u64(where, h + 32);
    const link = r.u32(where, h + 40);
    const info = r.u32(where, h + 44);
    const addralign = r.u64(where, h + 48);
    const entsize = r.u64(where, h + 56);
    let contents: Uint8Array = new Uint8Array(0);
    if (shType !== SHT_NOBITS && shType !== SHT_NULL && size > 0) {
      if (offset + size > bytes.length) {
        throw new ElfError(file, where, `contents [0x${offset.toString(16)}, 0x${(offset + size).toString(16)}) lie outside the file (size 0x${bytes.length.toString(16)})`, offset);
      }
      contents = bytes.subarray(offset, offset + size);
    }
    sections.push({ index: i, name: "", type: shType, flags, offset, size, link, info, addralign, entsize, data: contents });
  }

  if (shstrndx !== 0) {
    if (shstrndx >= sections.length) {
      throw new ElfError(file, "ELF header", `section name table index ${shstrndx} out of range (${sections.length} sections)`, 62);
    }
    const shstr = sections[shstrndx];
    if (shstr.type !== SHT_STRTAB) {
      throw new ElfError(file, `section #${shstrndx}`, "section name table is not a string table", shoff + shstrndx * SHDR_SIZE);
    }
    for (const s of sections) s.name = readString(file, shstr, nameOffs[s.index], `name of section #${s.index}`);
  }

  // Symbol table (at most one in a relocatable object).
  let symtabIndex = 0;
  const symbols: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab) {
    symtabIndex = symtab.index;
    const where = `section ${symtab.name}`;
    if (symtab.entsize !== SYM_SIZE) throw new ElfError(file, where, `symbol entry size ${symtab.entsize}, expected ${SYM_SIZE}`, symtab.offset);
    if (symtab.size % SYM_SIZE !== 0) throw new ElfError(file, where, `size ${symtab.size} is not a multiple of ${SYM_SIZE}`, symtab.offset);
    if (symtab.link === 0 || symtab.link >= sections.length || sections[symtab.link].type !== SHT_STRTAB) {
      throw new ElfError(file, where, `linked string table #${symtab.link} is missing or not a string table`, symtab.offset);
    }
    const strtab = sections[symtab.link];
    const sr = new Reader(file, symtab.data);
    const n = symtab.size / SYM_SIZE;
    for (let i = 0; i < n; i++) {
      const p = i * SYM_SIZE;
      const nameOff = sr.u32(where, p);
      const infoByte = symtab.data[p + 4];
      const other = symtab.data[p + 5];
      const shndx = sr.u16(where, p + 6);
      const value = sr.u64(where, p + 8);
      const size = sr.u64(where, p + 16);
      if (shndx !== 0 && shndx < SHN_LORESERVE && shndx >= sections.length) {
        throw new ElfError(file, where, `symbol #${i} refers to section #${shndx}, but there are only ${sections.length}`, symtab.offset + p + 6);
      }
      const name = nameOff === 0 ? "" : readString(file, strtab, nameOff, `name of symbol #${i}`);
      symbols.push({ index: i, name, nameOff, value, size, type: infoByte & 0xf, bind: infoByte >> 4, visibility: other & 0x3, shndx });
    }
  }

  // REL sections.
  const relocations = new Map<number, ElfRelSection>();
  for (const s of sections) {
    if (s.type !== SHT_REL) continue;
    const where = `section ${s.name}`;
    if (s.entsize !== REL_SIZE && s.entsize !== 0) throw new ElfError(file, where, `relocation entry size ${s.entsize}, expected ${REL_SIZE}`, s.offset);
    if (s.size % REL_SIZE !== 0) throw new ElfError(file, where, `size ${s.size} is not a multiple of ${REL_SIZE}`, s.offset);
    if (s.info === 0 || s.info >= sections.length) throw new ElfError(file, where, `applies to section #${s.info}, which does not exist`, s.offset);
    if (s.link !== symtabIndex || symtabIndex === 0) throw new ElfError(file, where, `linked symbol table #${s.link} is not the object's symbol table`, s.offset);
    const target = sections[s.info];
    const rr = new Reader(file, s.data);
    const rels: ElfRel[] = [];
    for (let p = 0; p < s.size; p += REL_SIZE) {
      const offset = rr.u64(where, p);
      const info = rr.u64(where, p + 8);
      const symIdx = Math.floor(info / 0x1_0000_0000);
      const relType = info % 0x1_0000_0000;
      if (symIdx >= symbols.length) {
        throw new ElfError(file, where, `relocation #${p / REL_SIZE} refers to symbol #${symIdx}, but the symbol table has ${symbols.length}`, s.offset + p);
      }
      if (target.type !== SHT_NOBITS && offset >= target.size) {
        throw new ElfError(file, where, `relocation #${p / REL_SIZE} at offset 0x${offset.toString(16)} is outside section ${target.name} (size 0x${target.size.toString(16)})`, s.offset + p);
      }
      rels.push({ offset, type: relType, symbol: symbols[symIdx], entryOffset: s.offset + p });
    }
    relocations.set(s.info, { section: s, target: s.info, rels });
  }

  return { file, bytes, machine, type, sections, symbols, relocations, symtabIndex };
}

/** Section by exact name, or undefined. */
export function findSection(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}
