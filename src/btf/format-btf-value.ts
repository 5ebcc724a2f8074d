// Formats map keys/values through their BTF type as the "formatted" JSON `bpftool map dump -j`
// prints (btf_dumper): structs as objects, char strings as strings, enums by name, bitfields as hex.
// Reference: tools/bpf/bpftool/btf_dumper.c, json_writer.c (bpftool v7.x).

import { BtfError } from "../errors.js";
import { BtfKind, BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, type Btf, type BtfArray } from "./types.js";

export interface FormatBtfOptions {
  /**
   * bpftool's plain-text leaves (`bpftool map dump` without -j): bitfields and 128-bit ints as bare
   * 0x… and pointers as %p. The result is then no longer strict JSON, exactly like bpftool's.
   */
  plain?: boolean;
}

/**
 * The JSON text bpftool prints for the value of BTF type `typeId` stored at `bytes[offset…]`
 * (compact, as in `-j` output). 64-bit integers are printed exactly (the result is text so that
 * values above 2^53 survive). Bytes past the end of `bytes` read as zero.
 *
 * Deviations from bpftool: FLOAT values print as JSON numbers and FUNC/FUNC_PROTO/void/FWD as
 * `null` (bpftool prints `(unsupported-kind` and stops); a printable `"` or `\` in a CHAR-encoded
 * int is escaped.
 */
export function formatBtfValue(btf: Btf, typeId: number, bytes: Uint8Array, offset = 0, opts: FormatBtfOptions = {}): string {
  const size = btf.sizeOf(typeId);
  if (offset < 0 || offset + size > bytes.length) {
    throw new BtfError(btf.file, ".BTF", `type [${typeId}] (${btf.typeName(typeId)}) needs ${size} bytes at offset ${offset}, but only ${Math.max(0, bytes.length - offset)} are available`);
  }
  const f = new Formatter(btf, bytes, opts.plain === true);
  return f.type(typeId, 0, offset, 0);
}

/** Parsed-object convenience: JSON.parse of formatBtfValue (integers beyond 2^53 lose precision). */
export function formatBtfValueObject(btf: Btf, typeId: number, bytes: Uint8Array, offset = 0): unknown {
  return JSON.parse(formatBtfValue(btf, typeId, bytes, offset));
}

/**
 * json_writer's jsonw_puts escaping, including its historical quirk: a backslash is written as
 * `\\n` (bpftool prints the two characters backslash, n), so the output matches bpftool byte for byte.
 */
export function jsonQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case "\t": out += "\\t"; break;
      case "\n": out += "\\n"; break;
      case "\r": out += "\\r"; break;
      case "\f": out += "\\f"; break;
      case "\b": out += "\\b"; break;
      case "\\": out += "\\n"; break; // sic: json_writer.c writes "\\n" for a backslash
      case '"': out += '\\"'; break;
      default: out += ch;
    }
  }
  return out + '"';
}

class Formatter {
  constructor(readonly btf: Btf, readonly bytes: Uint8Array, readonly plain: boolean) {}

  byte(p: number): number {
    return p >= 0 && p < this.bytes.length ? this.bytes[p] : 0;
  }

  /** Little-endian unsigned integer of `n` bytes at p. */
  uint(p: number, n: number): bigint {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.byte(p + i));
    return v;
  }

  type(id: number, bitOffset: number, p: number, depth: number): string {
    if (depth > 64) throw new BtfError(this.btf.file, ".BTF", `type [${id}]: nesting too deep to format`);
    const t = this.btf.type(id);
    switch (t.kind) {
      case BtfKind.INT:
        return this.int(t.encoding, t.bitsOffset, t.nrBits, bitOffset, p);
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        const parts: string[] = [];
        for (const m of t.members) {
          const q = p + (m.bitOffset >>> 3);
          const v = m.bitfieldSize
            ? this.bitfield(m.bitfieldSize, m.bitOffset & 7, q)
            : this.type(m.type, m.bitOffset & 7, q, depth + 1);
          parts.push(`${jsonQuote(m.name)}:${v}`);
        }
        return `{${parts.join(",")}}`;
      }
      case BtfKind.ARRAY:
        return this.array(t, p, depth);
      case BtfKind.ENUM: {
        const size = t.size;
        if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return "null";
        const value = BigInt.asIntN(size * 8, this.uint(p, size));
        for (const e of t.values) if (value === BigInt(e.val | 0)) return jsonQuote(e.name);
        return value.toString();
      }
      case BtfKind.ENUM64: {
        const value = this.uint(p, 8);
        for (const e of t.values) if (BigInt.asUintN(64, e.val) === value) return jsonQuote(e.name);
        return BigInt.asIntN(64, value).toString();
      }
      case BtfKind.PTR: {
        const v = this.uint(p, 8);
        if (!this.plain) return v.toString();
        return v === 0n ? "(nil)" : `0x${v.toString(16)}`;
      }
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        return this.type(this.btf.resolveId(id), bitOffset, p, depth + 1);
      case BtfKind.VAR:
        return `{${jsonQuote(t.name)}:${this.type(t.type, bitOffset, p, depth + 1)}}`;
      case BtfKind.DATASEC:
        return `{${jsonQuote(t.name)}:[${t.vars.map((v) => this.type(v.type, 0, p + v.offset, depth + 1)).join(",")}]}`;
      case BtfKind.FLOAT: {
        const dv = new DataView(new ArrayBuffer(8));
        for (let i = 0; i < t.size && i < 8; i++) dv.setUint8(i, this.byte(p + i));
        const n = t.size === 4 ? dv.getFloat32(0, true) : t.size === 8 ? dv.getFloat64(0, true) : NaN;
        return JSON.stringify(n);
      }
      default:
        return "null";
    }
  }

  int(encoding: number, intOffset: number, nrBits: number, bitOffset: number, p: number): string {
    if (bitOffset || intOffset || nrBits % 8) {
      const total = bitOffset + intOffset;
      return this.bitfield(nrBits, total & 7, p + (total >>> 3));
    }
    if (nrBits === 128) return this.int128(this.uint(p, 16));
    const n = nrBits / 8;
    switch (encoding) {
      case 0:
        if (n === 1 || n === 2 || n === 4 || n === 8) return this.uint(p, n).toString();
        return this.bitfield(nrBits, 0, p);
      case BTF_INT_SIGNED:
        if (n === 1 || n === 2 || n === 4 || n === 8) return BigInt.asIntN(nrBits, this.uint(p, n)).toString();
        return this.bitfield(nrBits, 0, p);
      case BTF_INT_CHAR: {
        const c = this.byte(p);
        if (c >= 0x20 && c < 0x7f) return jsonQuote(String.fromCharCode(c));
        return this.plain ? `0x${c.toString(16)}` : `"\\u00${c.toString(16).padStart(2, "0")}"`;
      }
      case BTF_INT_BOOL:
        return this.byte(p) !== 0 ? "true" : "false";
      default:
        return "null";
    }
  }

  /** btf_dumper_bitfield: nrBits bits starting bitOffset (< 8) bits into p, printed as hex. */
  bitfield(nrBits: number, bitOffset: number, p: number): string {
    const bytesToCopy = Math.ceil((bitOffset + nrBits) / 8);
    const raw = this.uint(p, Math.min(bytesToCopy, 16));
    const v = (raw >> BigInt(bitOffset)) & ((1n << BigInt(nrBits)) - 1n);
    return this.int128(v);
  }

  int128(v: bigint): string {
    const s = `0x${v.toString(16)}`;
    return this.plain ? s : `"${s}"`;
  }

  array(t: BtfArray, p: number, depth: number): string {
    if (this.isStrArray(t, p)) {
      let end = p;
      while (this.byte(end) !== 0) end++;
      let s = "";
      for (let i = p; i < end; i++) s += String.fromCharCode(this.byte(i));
      return jsonQuote(s);
    }
    const elemSize = this.btf.sizeOf(t.type);
    if (p + elemSize * t.nelems > this.bytes.length) {
      throw new BtfError(this.btf.file, ".BTF", `type [${t.id}]: array of ${t.nelems} x ${elemSize} bytes runs past the data`);
    }
    if (elemSize === 0 && t.nelems > 0x10000) {
      throw new BtfError(this.btf.file, ".BTF", `type [${t.id}]: ${t.nelems} zero-sized elements are too many to format`);
    }
    const parts: string[] = [];
    for (let i = 0; i < t.nelems; i++) parts.push(this.type(t.type, 0, p + i * elemSize, depth + 1));
    return `[${parts.join(",")}]`;
  }

  /** bpftool is_str_array: char elements, printable up to a NUL inside the array. */
  isStrArray(t: BtfArray, p: number): boolean {
    if (!t.nelems) return false;
    let e = this.btf.type(t.type);
    while (e.kind === BtfKind.VOLATILE || e.kind === BtfKind.CONST || e.kind === BtfKind.RESTRICT || e.kind === BtfKind.TYPE_TAG) {
      e = this.btf.type(e.type);
    }
    if (e.kind !== BtfKind.INT || e.size !== 1) return false;
    if (e.encoding !== BTF_INT_CHAR && e.name !== "char") return false;
    for (let i = 0; i < t.nelems; i++) {
      const c = this.byte(p + i);
      if (c === 0) return true;
      if (c <= 0x1f || c >= 0x7f) return false;
    }
    return false;
  }
}
