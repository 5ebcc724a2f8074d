// Minimal ELF64 little-endian editor for the fuzzers: list sections / symbols / relocations of an
// object and rewrite names (appending the new string to a relocated copy of the string table), so a
// test can rename a function, section or map to hostile text. Spec: System V gABI ELF-64.

export interface RawSection {
  index: number;
  /** Byte offset of the section header. */
  hdr: number;
  name: string;
  nameOff: number;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

export interface RawSymbol {
  index: number;
  /** Byte offset of the symbol entry. */
  at: number;
  name: string;
  nameOff: number;
  info: number;
  shndx: number;
}

export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;
export const REL_SIZE = 16;

const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function cstr(b: Uint8Array, off: number): string {
  let s = "";
  for (let i = off; i < b.length && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
  return s;
}

export function sections(b: Uint8Array): RawSection[] {
  const v = dv(b);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  const out: RawSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * SHDR_SIZE;
    out.push({
      index: i, hdr: h, name: "", nameOff: v.getUint32(h, true), type: v.getUint32(h + 4, true),
      offset: Number(v.getBigUint64(h + 24, true)), size: Number(v.getBigUint64(h + 32, true)),
      link: v.getUint32(h + 40, true), info: v.getUint32(h + 44, true), entsize: Number(v.getBigUint64(h + 56, true)),
    });
  }
  const strtab = out[shstrndx];
  for (const s of out) s.name = cstr(b, strtab.offset + s.nameOff);
  return out;
}

export function symbols(b: Uint8Array): RawSymbol[] {
  const secs = sections(b);
  const symtab = secs.find((s) => s.type === 2);
  if (!symtab) return [];
  const strtab = secs[symtab.link];
  const v = dv(b);
  const out: RawSymbol[] = [];
  for (let i = 0; i < symtab.size / SYM_SIZE; i++) {
    const at = symtab.offset + i * SYM_SIZE;
    const nameOff = v.getUint32(at, true);
    out.push({ index: i, at, name: cstr(b, strtab.offset + nameOff), nameOff, info: b[at + 4], shndx: v.getUint16(at + 6, true) });
  }
  return out;
}

/** Append `extra` strings to string-table section `secIdx` (moved to the end of the file); returns the new bytes and each string's offset. */
export function appendStrings(b: Uint8Array, secIdx: number, extra: string[]): { bytes: Uint8Array; offsets: number[] } {
  const sec = sections(b)[secIdx];
  const enc = extra.map((s) => Buffer.from(s + "\0", "latin1"));
  const added = enc.reduce((a, e) => a + e.length, 0);
  const start = (b.length + 7) & ~7;
  const out = new Uint8Array(start + sec.size + added);
  out.set(b);
  out.set(b.subarray(sec.offset, sec.offset + sec.size), start);
  const offsets: number[] = [];
  let p = start + sec.size;
  for (const e of enc) {
    offsets.push(p - start);
    out.set(e, p);
    p += e.length;
  }
  const v = dv(out);
  v.setBigUint64(sec.hdr + 24, BigInt(start), true);
  v.setBigUint64(sec.hdr + 32, BigInt(sec.size + added), true);
  return { bytes: out, offsets };
}

/** Rename ELF symbol(s) called `from` to `to`. */
export function renameSymbol(b: Uint8Array, from: string, to: string): Uint8Array {
  const syms = symbols(b).filter((s) => s.name === from);
  if (syms.length === 0) throw new Error(`no symbol ${from}`);
  const symtab = sections(b).find((s) => s.type === 2)!;
  const { bytes, offsets } = appendStrings(b, symtab.link, [to]);
  for (const s of syms) dv(bytes).setUint32(s.at, offsets[0], true);
  return bytes;
}

/** Rename section `from` (and its ".rel" companion) to `to`. */
export function renameSection(b: Uint8Array, from: string, to: string): Uint8Array {
  const v0 = dv(b);
  const shstrndx = v0.getUint16(0x3e, true);
  const secs = sections(b);
  const target = secs.filter((s) => s.name === from);
  const rel = secs.filter((s) => s.name === ".rel" + from);
  if (target.length === 0) throw new Error(`no section ${from}`);
  const { bytes, offsets } = appendStrings(b, shstrndx, [to, ".rel" + to]);
  const v = dv(bytes);
  for (const s of target) v.setUint32(s.hdr, offsets[0], true);
  for (const s of rel) v.setUint32(s.hdr, offsets[1], true);
  return bytes;
}

/**
 * Rename a BTF-named entity (a map's VAR, a FUNC) in section .BTF: the string is appended to BTF's
 * string section (the .BTF section is moved to the end of the file) and every type whose name_off
 * pointed at `from` is redirected.
 */
export function renameBtf(b: Uint8Array, from: string, to: string): Uint8Array {
  const sec = sections(b).find((s) => s.name === ".BTF");
  if (!sec) throw new Error("no .BTF");
  const btf = b.subarray(sec.offset, sec.offset + sec.size);
  const v = dv(btf);
  const hdrLen = v.getUint32(4, true);
  const typeOff = hdrLen + v.getUint32(8, true);
  const typeLen = v.getUint32(12, true);
  const strOff = hdrLen + v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  const want = Buffer.from(from + "\0", "latin1");
  const strs = Buffer.from(btf.subarray(strOff, strOff + strLen));
  const nameOffs = new Set<number>();
  for (let i = strs.indexOf(want); i >= 0; i = strs.indexOf(want, i + 1)) if (i === 0 || strs[i - 1] === 0) nameOffs.add(i);
  if (nameOffs.size === 0) throw new Error(`no BTF string ${from}`);
  const add = Buffer.from(to + "\0", "latin1");
  const nb = new Uint8Array(btf.length + add.length);
  nb.set(btf);
  // Strings are the tail of .BTF in clang's output: append right after them.
  if (strOff + strLen !== btf.length) throw new Error("BTF strings are not last");
  nb.set(add, btf.length);
  const nv = dv(nb);
  nv.setUint32(20, strLen + add.length, true);
  let n = 0;
  for (let p = typeOff; p + 8 <= typeOff + typeLen; p += 4) {
    if (nameOffs.has(nv.getUint32(p, true))) {
      const kind = (nv.getUint32(p + 4, true) >>> 24) & 0x1f;
      if (kind >= 1 && kind <= 19) {
        nv.setUint32(p, strLen, true);
        n++;
      }
    }
  }
  if (n === 0) throw new Error(`no BTF type named ${from}`);
  const start = (b.length + 7) & ~7;
  const out = new Uint8Array(start + nb.length);
  out.set(b);
  out.set(nb, start);
  const ov = dv(out);
  ov.setBigUint64(sec.hdr + 24, BigInt(start), true);
  ov.setBigUint64(sec.hdr + 32, BigInt(nb.length), true);
  return out;
}
