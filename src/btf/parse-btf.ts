// Parser for the .BTF section: header, type section (all kinds 1..19) and string section into a
// Btf model, with every read bounds-checked. Spec: include/uapi/linux/btf.h, Documentation/bpf/btf.rst.

import { BtfError } from "../errors.js";
import {
  Btf, BtfKind, BTF_KIND_NAMES, readBtfString,
  type BtfEnum64Value, type BtfEnumValue, type BtfMember, type BtfParam, type BtfType, type BtfVarSecinfo,
} from "./types.js";

export const BTF_MAGIC = 0xeb9f;
const BTF_HEADER_MIN = 24;
const MAX_KIND = BtfKind.ENUM64;

/**
 * Parse raw .BTF bytes. `file` names the object in messages; `sectionOffset` is the section's file
 * offset so errors point into the file. Throws BtfError for anything malformed.
 */
export function parseBtf(data: Uint8Array, file: string, sectionOffset = 0): Btf {
  const where = ".BTF";
  const fail = (detail: string, off: number): never => {
    throw new BtfError(file, where, detail, sectionOffset + off);
  };
  if (data.length < BTF_HEADER_MIN) fail(`truncated header (${data.length} bytes, needs ${BTF_HEADER_MIN})`, 0);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== BTF_MAGIC) fail(`bad magic 0x${magic.toString(16)} (expected 0x${BTF_MAGIC.toString(16)}; big-endian BTF is not supported)`, 0);
  const version = data[2];
  if (version !== 1) fail(`unsupported version ${version}`, 2);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < BTF_HEADER_MIN || hdrLen > data.length) fail(`bad header length ${hdrLen}`, 4);
  const typeOff = dv.getUint32(8, true);
  const typeLen = dv.getUint32(12, true);
  const strOff = dv.getUint32(16, true);
  const strLen = dv.getUint32(20, true);
  const body = data.length - hdrLen;
  if (typeOff + typeLen > body) fail(`type section [${typeOff}, ${typeOff + typeLen}) is outside the data (${body} bytes)`, 8);
  if (strOff + strLen > body) fail(`string section [${strOff}, ${strOff + strLen}) is outside the data (${body} bytes)`, 16);
  if (typeOff % 4 !== 0) fail(`type section offset ${typeOff} is not 4-byte aligned`, 8);
  const strings = data.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
  if (strLen > 0 && (strings[0] !== 0 || strings[strLen - 1] !== 0)) fail("string section must start and end with NUL", hdrLen + strOff);

  const name = (off: number, at: number, what: string): string => {
    const s = readBtfString(strings, off);
    if (s === null) fail(`${what}: name offset ${off} is outside the string section (${strLen} bytes)`, at);
    return s as string;
  };

  const types: BtfType[] = [];
  const base = hdrLen + typeOff;
  const end = base + typeLen;
  let p = base;
  const need = (n: number, id: number, what: string): void => {
    if (p + n > end) fail(`type [${id}] ${what}: truncated (needs ${n} bytes, ${end - p} left)`, p);
  };
  for (let id = 1; p < end; id++) {
    need(12, id, "header");
    const at = p;
    const nameOff = dv.getUint32(p, true);
    const info = dv.getUint32(p + 4, true);
    const sizeOrType = dv.getUint32(p + 8, true);
    p += 12;
    const vlen = info & 0xffff;
    const kind = (info >>> 24) & 0x1f;
    const kflag = (info >>> 31) === 1;
    if (kind === 0 || kind > MAX_KIND) fail(`type [${id}]: unknown kind ${kind}`, at + 4);
    const tname = name(nameOff, at, `type [${id}]`);
    const common = { id, name: tname, nameOff, vlen, kflag };
    switch (kind as BtfKind) {
      case BtfKind.INT: {
        need(4, id, "INT data");
        const v = dv.getUint32(p, true);
        p += 4;
        types.push({ ...common, kind: BtfKind.INT, size: sizeOrType, encoding: (v >>> 24) & 0x0f, bitsOffset: (v >>> 16) & 0xff, nrBits: v & 0xff });
        break;
      }
      case BtfKind.PTR:
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        types.push({ ...common, kind: kind as BtfKind.PTR, type: sizeOrType });
        break;
      case BtfKind.ARRAY: {
        need(12, id, "ARRAY data");
        types.push({ ...common, kind: BtfKind.ARRAY, type: dv.getUint32(p, true), indexType: dv.getUint32(p + 4, true), nelems: dv.getUint32(p + 8, true) });
        p += 12;
        break;
      }
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        need(12 * vlen, id, "members");
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const mNameOff = dv.getUint32(p, true);
          const raw = dv.getUint32(p + 8, true);
          members.push({
            name: name(mNameOff, p, `type [${id}] member #${i}`),
            nameOff: mNameOff,
            type: dv.getUint32(p + 4, true),
            rawOffset: raw,
            bitOffset: kflag ? raw & 0xffffff : raw,
            bitfieldSize: kflag ? raw >>> 24 : 0,
          });
        }
        types.push({ ...common, kind: kind as BtfKind.STRUCT, size: sizeOrType, members });
        break;
      }
      case BtfKind.ENUM: {
        need(8 * vlen, id, "enumerators");
        const values: BtfEnumValue[] = [];
        for (let i = 0; i < vlen; i++, p += 8) {
          const vNameOff = dv.getUint32(p, true);
          values.push({ name: name(vNameOff, p, `type [${id}] enumerator #${i}`), nameOff: vNameOff, val: kflag ? dv.getInt32(p + 4, true) : dv.getUint32(p + 4, true) });
        }
        types.push({ ...common, kind: BtfKind.ENUM, size: sizeOrType, signed: kflag, values });
        break;
      }
      case BtfKind.ENUM64: {
        need(12 * vlen, id, "enumerators");
        const values: BtfEnum64Value[] = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const vNameOff = dv.getUint32(p, true);
          const u = (BigInt(dv.getUint32(p + 8, true)) << 32n) | BigInt(dv.getUint32(p + 4, true));
          values.push({ name: name(vNameOff, p, `type [${id}] enumerator #${i}`), nameOff: vNameOff, val: kflag ? BigInt.asIntN(64, u) : u });
        }
        types.push({ ...common, kind: BtfKind.ENUM64, size: sizeOrType, signed: kflag, values });
        break;
      }
      case BtfKind.FWD:
        types.push({ ...common, kind: BtfKind.FWD, isUnion: kflag });
        break;
      case BtfKind.FUNC:
        types.push({ ...common, kind: BtfKind.FUNC, type: sizeOrType, linkage: vlen });
        break;
      case BtfKind.FUNC_PROTO: {
        need(8 * vlen, id, "parameters");
        const params: BtfParam[] = [];
        for (let i = 0; i < vlen; i++, p += 8) {
          const pNameOff = dv.getUint32(p, true);
          params.push({ name: name(pNameOff, p, `type [${id}] parameter #${i}`), nameOff: pNameOff, type: dv.getUint32(p + 4, true) });
        }
        types.push({ ...common, kind: BtfKind.FUNC_PROTO, returnType: sizeOrType, params });
        break;
      }
      case BtfKind.VAR: {
        need(4, id, "VAR data");
        types.push({ ...common, kind: BtfKind.VAR, type: sizeOrType, linkage: dv.getUint32(p, true) });
        p += 4;
        break;
      }
      case BtfKind.DATASEC: {
        need(12 * vlen, id, "variables");
        const vars: BtfVarSecinfo[] = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          vars.push({ type: dv.getUint32(p, true), offset: dv.getUint32(p + 4, true), size: dv.getUint32(p + 8, true) });
        }
        types.push({ ...common, kind: BtfKind.DATASEC, size: sizeOrType, vars });
        break;
      }
      case BtfKind.FLOAT:
        types.push({ ...common, kind: BtfKind.FLOAT, size: sizeOrType });
        break;
      case BtfKind.DECL_TAG: {
        need(4, id, "DECL_TAG data");
        types.push({ ...common, kind: BtfKind.DECL_TAG, type: sizeOrType, componentIdx: dv.getInt32(p, true) });
        p += 4;
        break;
      }
      default:
        fail(`type [${id}]: unknown kind ${kind}`, at + 4);
    }
  }

  const btf = new Btf(types, strings, file);
  validateReferences(btf, (detail) => fail(detail, base));
  validateNoLoops(btf, (detail) => fail(detail, base));
  validateMemberSizes(btf, (detail) => fail(detail, base));
  return btf;
}

/** Every non-bitfield member must fit inside its struct/union (kernel: "Member exceeds struct_size"). */
function validateMemberSizes(btf: Btf, fail: (detail: string) => never): void {
  for (const t of btf.types) {
    if (t.kind !== BtfKind.STRUCT && t.kind !== BtfKind.UNION) continue;
    for (const m of t.members) {
      if (m.bitfieldSize) continue;
      let size: number;
      try {
        size = btf.sizeOf(m.type);
      } catch {
        continue; // FWD/void/func members are the verifier's concern, not a sizing hazard
      }
      if (m.bitOffset / 8 + size > t.size) {
        fail(`type [${t.id}] ${BTF_KIND_NAMES[t.kind]} '${t.name}': member '${m.name}' (${size} bytes at bit ${m.bitOffset}) exceeds the size ${t.size}`);
      }
    }
  }
}

/** Types a type needs fully resolved (everything but what a pointer points to). */
function strongRefs(t: BtfType): number[] {
  switch (t.kind) {
    case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT: case BtfKind.TYPE_TAG:
    case BtfKind.FUNC: case BtfKind.VAR: case BtfKind.DECL_TAG:
      return [t.type];
    case BtfKind.ARRAY:
      return [t.type];
    case BtfKind.STRUCT: case BtfKind.UNION:
      return t.members.map((m) => m.type);
    case BtfKind.FUNC_PROTO:
      return [t.returnType, ...t.params.map((q) => q.type)];
    case BtfKind.DATASEC:
      return t.vars.map((v) => v.type);
    default:
      return [];
  }
}

/**
 * Reject reference loops that do not go through a pointer (`typedef A A`, a struct embedding itself):
 * the kernel's BTF verifier refuses them ("Loop detected") and every size/resolve walk would spin.
 */
function validateNoLoops(btf: Btf, fail: (detail: string) => never): void {
  const n = btf.types.length;
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  for (let root = 1; root < n; root++) {
    if (state[root] !== 0) continue;
    const stack: { id: number; refs: number[]; i: number }[] = [{ id: root, refs: strongRefs(btf.types[root]), i: 0 }];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i >= top.refs.length) {
        state[top.id] = 2;
        stack.pop();
        continue;
      }
      const next = top.refs[top.i++];
      if (next === 0 || state[next] === 2) continue;
      if (state[next] === 1) fail(`type [${next}] ${BTF_KIND_NAMES[btf.types[next].kind]} '${btf.types[next].name}': reference loop without a pointer`);
      state[next] = 1;
      stack.push({ id: next, refs: strongRefs(btf.types[next]), i: 0 });
    }
  }
}

/** Every type reference must name an existing type (libbpf's btf_sanity_check, reduced). */
function validateReferences(btf: Btf, fail: (detail: string) => never): void {
  const n = btf.types.length;
  const ref = (t: BtfType, id: number, what: string): void => {
    if (id >= n) fail(`type [${t.id}] ${BTF_KIND_NAMES[t.kind]} '${t.name}': ${what} refers to type [${id}], but there are only ${n - 1} types`);
  };
  for (const t of btf.types) {
    switch (t.kind) {
      case BtfKind.PTR: case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG: case BtfKind.FUNC: case BtfKind.VAR: case BtfKind.DECL_TAG:
        ref(t, t.type, "type");
        break;
      case BtfKind.ARRAY:
        ref(t, t.type, "element type");
        ref(t, t.indexType, "index type");
        break;
      case BtfKind.STRUCT: case BtfKind.UNION:
        t.members.forEach((m, i) => {
          ref(t, m.type, `member #${i}`);
          if (m.bitOffset + m.bitfieldSize > t.size * 8) {
            fail(`type [${t.id}] ${BTF_KIND_NAMES[t.kind]} '${t.name}': member '${m.name}' at bit ${m.bitOffset} exceeds the size ${t.size}`);
          }
        });
        break;
      case BtfKind.FUNC_PROTO:
        ref(t, t.returnType, "return type");
        t.params.forEach((q, i) => ref(t, q.type, `parameter #${i}`));
        break;
      case BtfKind.DATASEC:
        t.vars.forEach((v, i) => ref(t, v.type, `variable #${i}`));
        break;
      default:
        break;
    }
  }
}
