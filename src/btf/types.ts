// BTF type model: every kind 1..19 as a typed record, plus the Btf container with lookups by id
// and name and the size/resolve helpers libbpf has. Spec: include/uapi/linux/btf.h, Documentation/bpf/btf.rst.

import { BtfError } from "../errors.js";

/** BTF_KIND_* (include/uapi/linux/btf.h). */
export const enum BtfKind {
  UNKN = 0,
  INT = 1,
  PTR = 2,
  ARRAY = 3,
  STRUCT = 4,
  UNION = 5,
  ENUM = 6,
  FWD = 7,
  TYPEDEF = 8,
  VOLATILE = 9,
  CONST = 10,
  RESTRICT = 11,
  FUNC = 12,
  FUNC_PROTO = 13,
  VAR = 14,
  DATASEC = 15,
  FLOAT = 16,
  DECL_TAG = 17,
  TYPE_TAG = 18,
  ENUM64 = 19,
}

/** Kind names as bpftool prints them (index = kind). */
export const BTF_KIND_NAMES = [
  "UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE", "CONST",
  "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64",
] as const;

// INT encoding bits.
export const BTF_INT_SIGNED = 1 << 0;
export const BTF_INT_CHAR = 1 << 1;
export const BTF_INT_BOOL = 1 << 2;

// VAR linkage.
export const BTF_VAR_STATIC = 0;
export const BTF_VAR_GLOBAL_ALLOCATED = 1;
export const BTF_VAR_GLOBAL_EXTERN = 2;

// FUNC linkage (stored in vlen).
export const BTF_FUNC_STATIC = 0;
export const BTF_FUNC_GLOBAL = 1;
export const BTF_FUNC_EXTERN = 2;

interface BtfTypeCommon {
  id: number;
  /** Name ("" for anonymous types). */
  name: string;
  nameOff: number;
  /** Raw info word fields. */
  vlen: number;
  kflag: boolean;
}

export interface BtfVoid extends BtfTypeCommon { kind: BtfKind.UNKN }
export interface BtfInt extends BtfTypeCommon {
  kind: BtfKind.INT;
  size: number;
  /** BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL bits. */
  encoding: number;
  bitsOffset: number;
  nrBits: number;
}
/** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG: a reference to one other type. */
export interface BtfRef extends BtfTypeCommon {
  kind: BtfKind.PTR | BtfKind.TYPEDEF | BtfKind.VOLATILE | BtfKind.CONST | BtfKind.RESTRICT | BtfKind.TYPE_TAG;
  type: number;
}
export interface BtfArray extends BtfTypeCommon {
  kind: BtfKind.ARRAY;
  type: number;
  indexType: number;
  nelems: number;
}
export interface BtfMember {
  name: string;
  nameOff: number;
  type: number;
  /** Bit offset of the member (kflag structs: the low 24 bits of the raw offset). */
  bitOffset: number;
  /** Bitfield size in bits (kflag structs only; 0 otherwise). */
  bitfieldSize: number;
  /** The raw 32-bit offset word as stored. */
  rawOffset: number;
}
export interface BtfComposite extends BtfTypeCommon {
  kind: BtfKind.STRUCT | BtfKind.UNION;
  size: number;
  members: BtfMember[];
}
export interface BtfEnumValue {
  name: string;
  nameOff: number;
  /** Signed or unsigned 32-bit value, per the enum's kflag. */
  val: number;
}
export interface BtfEnum extends BtfTypeCommon {
  kind: BtfKind.ENUM;
  size: number;
  /** kflag: values are signed. */
  signed: boolean;
  values: BtfEnumValue[];
}
export interface BtfEnum64Value {
  name: string;
  nameOff: number;
  /** Signed or unsigned 64-bit value, per the enum's kflag. */
  val: bigint;
}
export interface BtfEnum64 extends BtfTypeCommon {
  kind: BtfKind.ENUM64;
  size: number;
  signed: boolean;
  values: BtfEnum64Value[];
}
export interface BtfFwd extends BtfTypeCommon {
  kind: BtfKind.FWD;
  /** kflag: forward declaration of a union (else a struct). */
  isUnion: boolean;
}
export interface BtfFunc extends BtfTypeCommon {
  kind: BtfKind.FUNC;
  /** FUNC_PROTO type id. */
  type: number;
  /** BTF_FUNC_STATIC / GLOBAL / EXTERN. */
  linkage: number;
}
export interface BtfParam {
  name: string;
  nameOff: number;
  /** 0 for the trailing `...` of a variadic prototype. */
  type: number;
}
export interface BtfFuncProto extends BtfTypeCommon {
  kind: BtfKind.FUNC_PROTO;
  returnType: number;
  params: BtfParam[];
}
export interface BtfVar extends BtfTypeCommon {
  kind: BtfKind.VAR;
  type: number;
  /** BTF_VAR_STATIC / GLOBAL_ALLOCATED / GLOBAL_EXTERN. */
  linkage: number;
}
export interface BtfVarSecinfo {
  type: number;
  offset: number;
  size: number;
}
export interface BtfDatasec extends BtfTypeCommon {
  kind: BtfKind.DATASEC;
  size: number;
  vars: BtfVarSecinfo[];
}
export interface BtfFloat extends BtfTypeCommon {
  kind: BtfKind.FLOAT;
  size: number;
}
export interface BtfDeclTag extends BtfTypeCommon {
  kind: BtfKind.DECL_TAG;
  type: number;
  /** -1: tags the type itself; else member / parameter index. */
  componentIdx: number;
}

export type BtfType =
  | BtfVoid | BtfInt | BtfRef | BtfArray | BtfComposite | BtfEnum | BtfEnum64 | BtfFwd | BtfFunc
  | BtfFuncProto | BtfVar | BtfDatasec | BtfFloat | BtfDeclTag;

/** The record type of one kind (`BtfTypeOfKind<BtfKind.STRUCT>` is BtfComposite). */
export type BtfTypeOfKind<K extends BtfKind> = BtfType extends infer T
  ? T extends { kind: infer TK } ? (K extends TK ? T : never) : never
  : never;

const VOID: BtfVoid = { id: 0, kind: BtfKind.UNKN, name: "", nameOff: 0, vlen: 0, kflag: false };

/** Kinds a value's type passes through without changing its representation. */
function isModifierOrTypedef(t: BtfType): t is BtfRef {
  return t.kind === BtfKind.TYPEDEF || t.kind === BtfKind.VOLATILE || t.kind === BtfKind.CONST ||
    t.kind === BtfKind.RESTRICT || t.kind === BtfKind.TYPE_TAG;
}

/** Parsed .BTF: types by id (types[0] is void) and the string section. */
export class Btf {
  readonly types: BtfType[];
  /** Raw string section (offsets index into it). */
  readonly strings: Uint8Array;
  /** Where this BTF came from (messages). */
  readonly file: string;
  private byName: Map<string, BtfType[]> | null = null;

  constructor(types: BtfType[], strings: Uint8Array, file: string) {
    this.types = types.length > 0 && types[0].kind === BtfKind.UNKN && types[0].id === 0 ? types : [VOID, ...types];
    this.strings = strings;
    this.file = file;
  }

  /** Number of types including void (bpftool's btf__type_cnt). */
  get count(): number {
    return this.types.length;
  }

  /** Type by id; BtfError for an id out of range. */
  type(id: number): BtfType {
    const t = this.types[id];
    if (t === undefined) throw new BtfError(this.file, ".BTF", `type id ${id} out of range (${this.types.length - 1} types)`);
    return t;
  }

  /** String at `off` in the string section ("" past the end or for offset 0). */
  str(off: number): string {
    return readBtfString(this.strings, off) ?? "";
  }

  /** All types with this name (optionally of one kind). */
  findByName<K extends BtfKind>(name: string, kind: K): BtfTypeOfKind<K>[];
  findByName(name: string): BtfType[];
  findByName(name: string, kind?: BtfKind): BtfType[] {
    if (this.byName === null) {
      const m = new Map<string, BtfType[]>();
      for (const t of this.types) {
        if (!t.name) continue;
        const list = m.get(t.name);
        if (list) list.push(t);
        else m.set(t.name, [t]);
      }
      this.byName = m;
    }
    const all = this.byName.get(name) ?? [];
    return kind === undefined ? all : all.filter((t) => t.kind === kind);
  }

  /** First type with this name and kind, or undefined. */
  find<K extends BtfKind>(name: string, kind: K): BtfTypeOfKind<K> | undefined {
    return this.findByName(name, kind)[0];
  }

  /** Strip typedefs, const/volatile/restrict and type tags (libbpf skip_mods_and_typedefs). */
  skipModsAndTypedefs(id: number): BtfType {
    let t = this.type(id);
    for (let depth = 0; isModifierOrTypedef(t); depth++) {
      if (depth > 32) throw new BtfError(this.file, ".BTF", `type [${id}]: modifier chain too long or cyclic`);
      t = this.type(t.type);
    }
    return t;
  }

  /** Id after stripping modifiers and typedefs (bpftool's btf__resolve_type; loops over 32 deep are an error). */
  resolveId(id: number): number {
    return this.skipModsAndTypedefs(id).id;
  }

  /**
   * Size in bytes of a type (libbpf btf__resolve_size): arrays multiply, modifiers and typedefs pass
   * through, VAR gives its type's size, DATASEC its size. BtfError for types without a size
   * (void, FUNC, FUNC_PROTO, FWD).
   */
  sizeOf(id: number): number {
    let t = this.type(id);
    let nelems = 1;
    for (let depth = 0; depth < 32; depth++) {
      switch (t.kind) {
        case BtfKind.INT:
        case BtfKind.STRUCT:
        case BtfKind.UNION:
        case BtfKind.ENUM:
        case BtfKind.ENUM64:
        case BtfKind.DATASEC:
        case BtfKind.FLOAT:
          return nelems * t.size;
        case BtfKind.PTR:
          return nelems * 8;
        case BtfKind.TYPEDEF:
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.TYPE_TAG:
          t = this.type(t.type);
          break;
        case BtfKind.VAR:
          t = this.type(t.type);
          break;
        case BtfKind.ARRAY:
          if (t.nelems !== 0 && nelems > 0xffffffff / t.nelems) {
            throw new BtfError(this.file, ".BTF", `type [${id}]: array size overflows`);
          }
          nelems *= t.nelems;
          t = this.type(t.type);
          break;
        default:
          throw new BtfError(this.file, ".BTF", `type [${id}] (${BTF_KIND_NAMES[t.kind]}) has no size`);
      }
    }
    throw new BtfError(this.file, ".BTF", `type [${id}]: type chain too long or cyclic`);
  }

  /** C-like spelling of a type for messages (`struct flow_key`, `__u32 *`, `char[8]`). */
  typeName(id: number): string {
    return describeType(this, id, 0);
  }
}

function describeType(btf: Btf, id: number, depth: number): string {
  if (depth > 16) return "...";
  const t = btf.types[id];
  if (t === undefined) return `<bad type ${id}>`;
  switch (t.kind) {
    case BtfKind.UNKN:
      return "void";
    case BtfKind.INT:
    case BtfKind.FLOAT:
    case BtfKind.TYPEDEF:
      return t.name || "(anon)";
    case BtfKind.STRUCT:
      return `struct ${t.name || "(anon)"}`;
    case BtfKind.UNION:
      return `union ${t.name || "(anon)"}`;
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
      return `enum ${t.name || "(anon)"}`;
    case BtfKind.FWD:
      return `${t.isUnion ? "union" : "struct"} ${t.name}`;
    case BtfKind.PTR:
      return `${describeType(btf, t.type, depth + 1)} *`;
    case BtfKind.CONST:
      return `const ${describeType(btf, t.type, depth + 1)}`;
    case BtfKind.VOLATILE:
      return `volatile ${describeType(btf, t.type, depth + 1)}`;
    case BtfKind.RESTRICT:
      return `${describeType(btf, t.type, depth + 1)} restrict`;
    case BtfKind.TYPE_TAG:
      return describeType(btf, t.type, depth + 1);
    case BtfKind.ARRAY:
      return `${describeType(btf, t.type, depth + 1)}[${t.nelems}]`;
    case BtfKind.FUNC_PROTO:
      return `${describeType(btf, t.returnType, depth + 1)} (${t.params.map((p) => (p.type === 0 ? "..." : describeType(btf, p.type, depth + 1))).join(", ")})`;
    case BtfKind.FUNC:
    case BtfKind.VAR:
    case BtfKind.DATASEC:
    case BtfKind.DECL_TAG:
      return t.name;
  }
}

const utf8 = new TextDecoder("utf-8");

/** NUL-terminated string at `off`, or null when `off` is outside the section or unterminated. */
export function readBtfString(strings: Uint8Array, off: number): string | null {
  if (off < 0 || off >= strings.length) return off === 0 ? "" : null;
  let end = off;
  while (end < strings.length && strings[end] !== 0) end++;
  if (end >= strings.length) return null;
  return utf8.decode(strings.subarray(off, end));
}
