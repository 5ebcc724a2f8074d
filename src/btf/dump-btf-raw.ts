// Text dump of every BTF type, byte for byte what `bpftool btf dump file X format raw` prints.
// Reference: tools/bpf/bpftool/btf.c dump_btf_type() (bpftool v7.x).

import {
  BtfKind, BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND_NAMES, BTF_FUNC_EXTERN, BTF_FUNC_GLOBAL,
  BTF_FUNC_STATIC, BTF_VAR_GLOBAL_ALLOCATED, BTF_VAR_GLOBAL_EXTERN, BTF_VAR_STATIC, readBtfString,
  type Btf, type BtfType,
} from "./types.js";

function intEncoding(enc: number): string {
  switch (enc) {
    case 0: return "(none)";
    case BTF_INT_SIGNED: return "SIGNED";
    case BTF_INT_CHAR: return "CHAR";
    case BTF_INT_BOOL: return "BOOL";
    default: return "UNKN";
  }
}

function varLinkage(l: number): string {
  switch (l) {
    case BTF_VAR_STATIC: return "static";
    case BTF_VAR_GLOBAL_ALLOCATED: return "global";
    case BTF_VAR_GLOBAL_EXTERN: return "extern";
    default: return "(unknown)";
  }
}

function funcLinkage(l: number): string {
  switch (l) {
    case BTF_FUNC_STATIC: return "static";
    case BTF_FUNC_GLOBAL: return "global";
    case BTF_FUNC_EXTERN: return "extern";
    default: return "(unknown)";
  }
}

/** bpftool's btf_str(): "(anon)" for offset 0, "(invalid)" for a bad offset. */
function nameOf(btf: Btf, off: number): string {
  if (off === 0) return "(anon)";
  return readBtfString(btf.strings, off) ?? "(invalid)";
}

/** One type as bpftool prints it (with the trailing newline). */
export function dumpBtfType(btf: Btf, t: BtfType): string {
  let s = `[${t.id}] ${BTF_KIND_NAMES[t.kind] ?? "UNKNOWN"} '${nameOf(btf, t.nameOff)}'`;
  switch (t.kind) {
    case BtfKind.INT:
      s += ` size=${t.size} bits_offset=${t.bitsOffset} nr_bits=${t.nrBits} encoding=${intEncoding(t.encoding)}`;
      break;
    case BtfKind.PTR:
    case BtfKind.CONST:
    case BtfKind.VOLATILE:
    case BtfKind.RESTRICT:
    case BtfKind.TYPEDEF:
    case BtfKind.TYPE_TAG:
      s += ` type_id=${t.type}`;
      break;
    case BtfKind.ARRAY:
      s += ` type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
      break;
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      s += ` size=${t.size} vlen=${t.vlen}`;
      for (const m of t.members) {
        s += `\n\t'${nameOf(btf, m.nameOff)}' type_id=${m.type} bits_offset=${m.bitOffset}`;
        if (m.bitfieldSize) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      break;
    case BtfKind.ENUM:
      s += ` encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.vlen}`;
      for (const v of t.values) s += `\n\t'${nameOf(btf, v.nameOff)}' val=${t.signed ? v.val | 0 : v.val >>> 0}`;
      break;
    case BtfKind.ENUM64:
      s += ` encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.vlen}`;
      for (const v of t.values) {
        s += t.signed ? `\n\t'${nameOf(btf, v.nameOff)}' val=${BigInt.asIntN(64, v.val)}LL` : `\n\t'${nameOf(btf, v.nameOff)}' val=${BigInt.asUintN(64, v.val)}ULL`;
      }
      break;
    case BtfKind.FWD:
      s += ` fwd_kind=${t.isUnion ? "union" : "struct"}`;
      break;
    case BtfKind.FUNC:
      s += ` type_id=${t.type} linkage=${funcLinkage(t.linkage)}`;
      break;
    case BtfKind.FUNC_PROTO:
      s += ` ret_type_id=${t.returnType} vlen=${t.vlen}`;
      for (const p of t.params) s += `\n\t'${nameOf(btf, p.nameOff)}' type_id=${p.type}`;
      break;
    case BtfKind.VAR:
      s += ` type_id=${t.type}, linkage=${varLinkage(t.linkage)}`;
      break;
    case BtfKind.DATASEC:
      s += ` size=${t.size} vlen=${t.vlen}`;
      for (const v of t.vars) {
        s += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size}`;
        if (v.type < btf.types.length) {
          const vt = btf.types[v.type];
          s += ` (${BTF_KIND_NAMES[vt.kind] ?? "UNKNOWN"} '${nameOf(btf, vt.nameOff)}')`;
        }
      }
      break;
    case BtfKind.FLOAT:
      s += ` size=${t.size}`;
      break;
    case BtfKind.DECL_TAG:
      s += ` type_id=${t.type} component_idx=${t.componentIdx}`;
      break;
    default:
      break;
  }
  return s + "\n";
}

/** All types 1..N, exactly `bpftool btf dump file X format raw`. */
export function dumpBtfRaw(btf: Btf): string {
  let out = "";
  for (let id = 1; id < btf.types.length; id++) out += dumpBtfType(btf, btf.types[id]);
  return out;
}
