// Parser for .BTF.ext: func_info, line_info and CO-RE relocation records grouped by ELF section,
// bounds-checked. Spec: tools/lib/bpf/libbpf_internal.h (struct btf_ext_header), Documentation/bpf/btf.rst §4.2.

import { BtfError } from "../errors.js";
import { readBtfString, type Btf } from "./types.js";

export interface BtfExtFuncInfo {
  /** Byte offset of the instruction inside its ELF section (as clang writes it). */
  insnOff: number;
  typeId: number;
}

export interface BtfExtLineInfo {
  insnOff: number;
  fileNameOff: number;
  lineOff: number;
  file: string;
  /** Source line text. */
  text: string;
  line: number;
  col: number;
}

/** enum bpf_core_relo_kind. */
export const enum CoreReloKind {
  FIELD_BYTE_OFFSET = 0,
  FIELD_BYTE_SIZE = 1,
  FIELD_EXISTS = 2,
  FIELD_SIGNED = 3,
  FIELD_LSHIFT_U64 = 4,
  FIELD_RSHIFT_U64 = 5,
  TYPE_ID_LOCAL = 6,
  TYPE_ID_TARGET = 7,
  TYPE_EXISTS = 8,
  TYPE_SIZE = 9,
  ENUMVAL_EXISTS = 10,
  ENUMVAL_VALUE = 11,
  TYPE_MATCHES = 12,
}

export interface BtfExtCoreRelo {
  insnOff: number;
  typeId: number;
  /** Access string, e.g. "0:2". */
  access: string;
  kind: number;
}

export interface BtfExt {
  /** Records per ELF section name, in file order. */
  funcInfo: Map<string, BtfExtFuncInfo[]>;
  lineInfo: Map<string, BtfExtLineInfo[]>;
  coreRelos: Map<string, BtfExtCoreRelo[]>;
}

const BTF_EXT_HEADER_MIN = 24;

/** Parse .BTF.ext bytes; section names and line texts come from `btf`'s string section. */
export function parseBtfExt(data: Uint8Array, btf: Btf, file: string, sectionOffset = 0): BtfExt {
  const where = ".BTF.ext";
  const fail = (detail: string, off: number): never => {
    throw new BtfError(file, where, detail, sectionOffset + off);
  };
  if (data.length < BTF_EXT_HEADER_MIN) fail(`truncated header (${data.length} bytes, needs ${BTF_EXT_HEADER_MIN})`, 0);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== 0xeb9f) fail(`bad magic 0x${magic.toString(16)}`, 0);
  if (data[2] !== 1) fail(`unsupported version ${data[2]}`, 2);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < BTF_EXT_HEADER_MIN || hdrLen > data.length) fail(`bad header length ${hdrLen}`, 4);

  const str = (off: number, at: number, what: string): string => {
    const s = readBtfString(btf.strings, off);
    if (s === null) fail(`${what}: string offset ${off} is outside the BTF string section`, at);
    return s as string;
  };

  /** Walk one info block: rec_size, then (sec_name_off, num_info, records...)*. */
  const walk = <T>(name: string, off: number, len: number, minRec: number, rec: (p: number) => T): Map<string, T[]> => {
    const out = new Map<string, T[]>();
    if (len === 0) return out;
    const start = hdrLen + off;
    const end = start + len;
    if (end > data.length || start < hdrLen) fail(`${name} [${off}, ${off + len}) is outside the section`, hdrLen);
    if (len < 4) fail(`${name}: truncated record size`, start);
    const recSize = dv.getUint32(start, true);
    if (recSize < minRec || recSize % 4 !== 0) fail(`${name}: bad record size ${recSize} (needs >= ${minRec})`, start);
    let p = start + 4;
    while (p < end) {
      if (p + 8 > end) fail(`${name}: truncated section header`, p);
      const secName = str(dv.getUint32(p, true), p, `${name} section name`);
      const num = dv.getUint32(p + 4, true);
      p += 8;
      if (num === 0) fail(`${name}: section '${secName}' has no records`, p - 4);
      if (p + num * recSize > end) fail(`${name}: section '${secName}': ${num} records of ${recSize} bytes overrun the block`, p);
      const list = out.get(secName) ?? [];
      for (let i = 0; i < num; i++, p += recSize) list.push(rec(p));
      out.set(secName, list);
    }
    return out;
  };

  const funcInfo = walk("func_info", dv.getUint32(8, true), dv.getUint32(12, true), 8, (p) => ({
    insnOff: dv.getUint32(p, true),
    typeId: dv.getUint32(p + 4, true),
  }));
  const lineInfo = walk("line_info", dv.getUint32(16, true), dv.getUint32(20, true), 16, (p) => {
    const fileNameOff = dv.getUint32(p + 4, true);
    const lineOff = dv.getUint32(p + 8, true);
    const lineCol = dv.getUint32(p + 12, true);
    return {
      insnOff: dv.getUint32(p, true),
      fileNameOff,
      lineOff,
      file: str(fileNameOff, p + 4, "line_info file name"),
      text: str(lineOff, p + 8, "line_info line"),
      line: lineCol >>> 10,
      col: lineCol & 0x3ff,
    };
  });
  let coreRelos = new Map<string, BtfExtCoreRelo[]>();
  if (hdrLen >= 32) {
    coreRelos = walk("core_relo", dv.getUint32(24, true), dv.getUint32(28, true), 16, (p) => ({
      insnOff: dv.getUint32(p, true),
      typeId: dv.getUint32(p + 4, true),
      access: str(dv.getUint32(p + 8, true), p + 8, "core_relo access string"),
      kind: dv.getUint32(p + 12, true),
    }));
  }
  return { funcInfo, lineInfo, coreRelos };
}
