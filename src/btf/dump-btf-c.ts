// Compilable C header from BTF, as `bpftool btf dump file X format c` prints it: libbpf's btf_dump
// algorithm (topological order with forward declarations, bit padding, name de-duplication).
// Reference: tools/lib/bpf/btf_dump.c (btf_dump__dump_type and helpers), tools/bpf/bpftool/btf.c.

import { BtfError } from "../errors.js";
import { BtfKind, type Btf, type BtfComposite, type BtfEnum, type BtfEnum64, type BtfType } from "./types.js";

const enum Order { NotOrdered, Ordering, Ordered }
const enum Emit { NotEmitted, Emitting, Emitted }

const PTR_SZ = 8;

/** Tabs for an indentation level (libbpf pfx(): at most 13). */
function pfx(lvl: number): string {
  return "\t".repeat(Math.min(lvl, 13));
}

function isComposite(t: BtfType): t is BtfComposite {
  return t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION;
}

function isMod(t: BtfType): boolean {
  return t.kind === BtfKind.VOLATILE || t.kind === BtfKind.CONST || t.kind === BtfKind.RESTRICT || t.kind === BtfKind.TYPE_TAG;
}

/** A view of one declaration chain (libbpf's struct id_stack). */
interface IdStack {
  ids: number[];
  cnt: number;
}

class CDumper {
  private out = "";
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly nameResolved: Uint8Array;
  private readonly referenced: Uint8Array;
  private readonly cachedNames: (string | undefined)[] = [];
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();
  private queue: number[] = [];

  constructor(private readonly btf: Btf) {
    const n = btf.types.length;
    this.order = new Uint8Array(n);
    this.emit = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.nameResolved = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.order[0] = Order.Ordered;
    this.emit[0] = Emit.Emitted;
    for (let i = 1; i < n; i++) this.markReferenced(btf.types[i]);
  }

  result(): string {
    return this.out;
  }

  private p(s: string): void {
    this.out += s;
  }

  private t(id: number): BtfType {
    return this.btf.type(id);
  }

  private markReferenced(t: BtfType): void {
    const ref = (id: number): void => {
      if (id < this.referenced.length) this.referenced[id] = 1;
    };
    switch (t.kind) {
      case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT: case BtfKind.PTR: case BtfKind.TYPEDEF:
      case BtfKind.FUNC: case BtfKind.VAR: case BtfKind.DECL_TAG: case BtfKind.TYPE_TAG:
        ref(t.type);
        break;
      case BtfKind.ARRAY:
        ref(t.indexType);
        ref(t.type);
        break;
      case BtfKind.STRUCT: case BtfKind.UNION:
        for (const m of t.members) ref(m.type);
        break;
      case BtfKind.FUNC_PROTO:
        for (const q of t.params) ref(q.type);
        break;
      case BtfKind.DATASEC:
        for (const v of t.vars) ref(v.type);
        break;
      default:
        break;
    }
  }

  /** btf_dump__dump_type: the type and everything it needs, each emitted once. */
  dumpType(id: number): void {
    this.queue = [];
    this.orderType(id, false);
    for (const q of this.queue) this.emitType(q, 0);
  }

  /** Topological ordering; returns true for a strong link (full definition needed first). */
  private orderType(id: number, throughPtr: boolean): boolean {
    if (this.order[id] === Order.Ordered) return true;
    const t = this.t(id);
    if (this.order[id] === Order.Ordering) {
      if (isComposite(t) && throughPtr && t.nameOff !== 0) return false;
      throw new BtfError(this.btf.file, ".BTF", `unsatisfiable type cycle, id:[${id}]`);
    }
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.FLOAT:
        this.order[id] = Order.Ordered;
        return false;
      case BtfKind.PTR: {
        const r = this.orderType(t.type, true);
        this.order[id] = Order.Ordered;
        return r;
      }
      case BtfKind.ARRAY:
        return this.orderType(t.type, false);
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        if (throughPtr && t.nameOff !== 0) return false;
        this.order[id] = Order.Ordering;
        for (const m of t.members) this.orderType(m.type, false);
        if (t.nameOff !== 0) this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FWD:
        if (t.nameOff !== 0 || !this.referenced[id]) this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      case BtfKind.TYPEDEF: {
        const strong = this.orderType(t.type, throughPtr);
        if (throughPtr && !strong) return false;
        this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      }
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        return this.orderType(t.type, throughPtr);
      case BtfKind.FUNC_PROTO: {
        let strong = this.orderType(t.returnType, throughPtr);
        for (const q of t.params) if (this.orderType(q.type, throughPtr)) strong = true;
        return strong;
      }
      default:
        this.order[id] = Order.Ordered;
        return false;
    }
  }

  private isBlacklisted(id: number): boolean {
    const t = this.t(id);
    return t.nameOff !== 0 && t.name === "__builtin_va_list";
  }

  private emitType(id: number, contId: number): void {
    if (this.emit[id] === Emit.Emitted) return;
    const t = this.t(id);
    const topLevel = contId === 0;
    if (this.emit[id] === Emit.Emitting) {
      if (this.fwdEmitted[id]) return;
      if (isComposite(t)) {
        if (id === contId) return;
        if (t.nameOff === 0) return; // anonymous struct/union loop
        this.emitStructFwd(id, t);
        this.p(";\n\n");
        this.fwdEmitted[id] = 1;
      } else if (t.kind === BtfKind.TYPEDEF) {
        if (!this.isBlacklisted(id)) {
          this.emitTypedefDef(id, t.type, 0);
          this.p(";\n\n");
        }
        this.fwdEmitted[id] = 1;
      }
      return;
    }
    switch (t.kind) {
      case BtfKind.INT:
        this.emitMissingAliases(id);
        this.emit[id] = Emit.Emitted;
        break;
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        if (topLevel) {
          this.emitEnumDef(id, t, 0);
          this.p(";\n\n");
        }
        this.emit[id] = Emit.Emitted;
        break;
      case BtfKind.PTR:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        this.emitType(t.type, contId);
        break;
      case BtfKind.ARRAY:
        this.emitType(t.type, contId);
        break;
      case BtfKind.FWD:
        this.emitFwdDef(id, t.isUnion);
        this.p(";\n\n");
        this.emit[id] = Emit.Emitted;
        break;
      case BtfKind.TYPEDEF:
        this.emit[id] = Emit.Emitting;
        this.emitType(t.type, id);
        if (!this.fwdEmitted[id] && !this.isBlacklisted(id)) {
          this.emitTypedefDef(id, t.type, 0);
          this.p(";\n\n");
        }
        this.emit[id] = Emit.Emitted;
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        this.emit[id] = Emit.Emitting;
        if (topLevel || t.nameOff === 0) {
          const newCont = t.nameOff === 0 ? contId : id;
          for (const m of t.members) this.emitType(m.type, newCont);
        } else if (!this.fwdEmitted[id] && id !== contId) {
          this.emitStructFwd(id, t);
          this.p(";\n\n");
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.emitStructDef(id, t, 0);
          this.p(";\n\n");
          this.emit[id] = Emit.Emitted;
        } else {
          this.emit[id] = Emit.NotEmitted;
        }
        break;
      case BtfKind.FUNC_PROTO:
        this.emitType(t.returnType, contId);
        for (const q of t.params) this.emitType(q.type, contId);
        break;
      default:
        break;
    }
  }

  /** libbpf btf__align_of. */
  private alignOf(id: number): number {
    const t = this.t(id);
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FLOAT:
        return Math.min(PTR_SZ, t.size);
      case BtfKind.PTR:
        return PTR_SZ;
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        return this.alignOf(t.type);
      case BtfKind.ARRAY:
        return this.alignOf(t.type);
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        let maxAlign = 1;
        for (const m of t.members) {
          const a = this.alignOf(m.type);
          if (a <= 0) return a;
          maxAlign = Math.max(maxAlign, a);
          if (m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return 1;
        }
        if (t.size % maxAlign !== 0) return 1;
        return maxAlign;
      }
      default:
        return 0;
    }
  }

  private sizeOrZero(id: number): number {
    try {
      return this.btf.sizeOf(id);
    } catch {
      return 0;
    }
  }

  private isStructPacked(t: BtfComposite): boolean {
    let maxAlign = 1;
    for (const m of t.members) {
      const align = this.alignOf(m.type);
      if (align && m.bitfieldSize === 0 && m.bitOffset % (8 * align) !== 0) return true;
      maxAlign = Math.max(align, maxAlign);
    }
    return t.size % maxAlign !== 0;
  }

  private emitBitPadding(curOff: number, nextOff: number, nextAlign: number, inBitfield: boolean, lvl: number): void {
    const pads: [string, number][] = [["long", PTR_SZ * 8], ["int", 32], ["short", 16], ["char", 8]];
    if (curOff >= nextOff) return;
    if (nextOff - curOff > 1 << 27) {
      throw new BtfError(this.btf.file, ".BTF", `padding of ${nextOff - curOff} bits is too large to print (corrupt struct size or member offset?)`);
    }
    const roundup = (x: number, y: number): number => Math.ceil(x / y) * y;
    let newOff = 0;
    let padBits = 0;
    let padType = "";
    for (const [name, bits] of pads) {
      padBits = bits;
      padType = name;
      newOff = roundup(curOff, padBits);
      if (newOff <= nextOff) break;
    }
    if (newOff > curOff && newOff <= nextOff) {
      if (inBitfield ||
        (newOff === nextOff && roundup(curOff, nextAlign * 8) !== newOff) ||
        (newOff !== nextOff && nextOff - newOff <= newOff - curOff)) {
        this.p(`\n${pfx(lvl)}${padType}: ${inBitfield ? newOff - curOff : 0};`);
      }
      curOff = newOff;
    }
    while (curOff !== nextOff) {
      const bits = Math.min(nextOff - curOff, padBits);
      if (bits === padBits) {
        this.p(`\n${pfx(lvl)}${padType}: ${padBits};`);
        curOff += bits;
        continue;
      }
      for (let i = pads.length - 1; i >= 0; i--) {
        padType = pads[i][0];
        padBits = pads[i][1];
        if (padBits < bits) continue;
        this.p(`\n${pfx(lvl)}${padType}: ${bits};`);
        curOff += bits;
        break;
      }
    }
  }

  private emitStructFwd(id: number, t: BtfComposite): void {
    this.p(`${t.kind === BtfKind.STRUCT ? "struct" : "union"}${t.nameOff ? " " : ""}${this.typeName(id)}`);
  }

  private emitStructDef(id: number, t: BtfComposite, lvl: number): void {
    const isStruct = t.kind === BtfKind.STRUCT;
    const align = this.alignOf(id);
    const packed = isStruct ? this.isStructPacked(t) : false;
    this.p(`${isStruct ? "struct" : "union"}${t.nameOff ? " " : ""}${this.typeName(id)} {`);
    let off = 0;
    let prevBitfield = false;
    for (const m of t.members) {
      const mSz = m.bitfieldSize;
      const mOff = m.bitOffset;
      const mAlign = packed ? 1 : this.alignOf(m.type);
      const inBitfield = prevBitfield && mSz !== 0;
      this.emitBitPadding(off, mOff, mAlign, inBitfield, lvl + 1);
      this.p(`\n${pfx(lvl + 1)}`);
      this.emitTypeDecl(m.type, m.name, lvl + 1);
      if (mSz) {
        this.p(`: ${mSz}`);
        off = mOff + mSz;
        prevBitfield = true;
      } else {
        off = mOff + Math.max(0, this.sizeOrZero(m.type)) * 8;
        prevBitfield = false;
      }
      this.p(";");
    }
    if (isStruct) this.emitBitPadding(off, t.size * 8, align, false, lvl + 1);
    if (t.members.length || t.size) this.p(`\n${pfx(lvl)}}`);
    else this.p("}");
    if (packed) this.p(" __attribute__((packed))");
  }

  private emitMissingAliases(id: number): void {
    const aliases: Record<string, string> = {
      __Poly8_t: "unsigned char",
      __Poly16_t: "unsigned short",
      __Poly64_t: "unsigned long long",
      __Poly128_t: "unsigned __int128",
    };
    const name = this.typeName(id);
    const target = aliases[name];
    if (target) this.p(`typedef ${target} ${name};\n\n`);
  }

  private emitEnumDef(id: number, t: BtfEnum | BtfEnum64, lvl: number): void {
    this.p(`enum${t.nameOff ? " " : ""}${this.typeName(id)}`);
    if (!t.values.length) return;
    this.p(" {");
    for (const v of t.values) {
      const dup = this.nameDups(this.identNames, v.name);
      const name = dup > 1 ? `${v.name}___${dup}` : v.name;
      if (t.kind === BtfKind.ENUM) {
        const val = v.val as number;
        this.p(`\n${pfx(lvl + 1)}${name} = ${t.signed ? val | 0 : val >>> 0},`);
      } else {
        const val = v.val as bigint;
        this.p(t.signed ? `\n${pfx(lvl + 1)}${name} = ${BigInt.asIntN(64, val)}LL,` : `\n${pfx(lvl + 1)}${name} = ${BigInt.asUintN(64, val)}ULL,`);
      }
    }
    this.p(`\n${pfx(lvl)}}`);
    if (t.size === 1) {
      this.p(" __attribute__((mode(byte)))");
    } else if (t.size === 8) {
      let needsWord = true;
      if (t.kind === BtfKind.ENUM64) {
        for (const v of t.values) if (BigInt.asUintN(64, v.val) >> 32n !== 0n) needsWord = false;
      }
      if (needsWord) this.p(" __attribute__((mode(word)))");
    }
  }

  private emitFwdDef(id: number, isUnion: boolean): void {
    this.p(`${isUnion ? "union" : "struct"} ${this.typeName(id)}`);
  }

  private emitTypedefDef(id: number, type: number, lvl: number): void {
    const name = this.identName(id);
    if (type === 0 && name === "__gnuc_va_list") {
      this.p("typedef __builtin_va_list __gnuc_va_list");
      return;
    }
    this.p("typedef ");
    this.emitTypeDecl(type, name, lvl);
  }

  /** btf_dump_emit_type_decl: push the chain down to a terminal type, then print it. */
  private emitTypeDecl(id: number, fname: string, lvl: number): void {
    const ids: number[] = [];
    for (let guard = 0; guard < 256; guard++) {
      ids.push(id);
      if (id === 0) break;
      const t = this.t(id);
      if (t.kind === BtfKind.PTR || t.kind === BtfKind.VOLATILE || t.kind === BtfKind.CONST || t.kind === BtfKind.RESTRICT || t.kind === BtfKind.TYPE_TAG) {
        id = t.type;
      } else if (t.kind === BtfKind.FUNC_PROTO) {
        id = t.returnType;
      } else if (t.kind === BtfKind.ARRAY) {
        id = t.type;
      } else {
        break;
      }
    }
    this.emitTypeChain({ ids, cnt: ids.length }, fname, lvl);
  }

  private emitMods(decls: IdStack): void {
    while (decls.cnt) {
      const t = this.t(decls.ids[decls.cnt - 1]);
      if (t.kind === BtfKind.VOLATILE) this.p("volatile ");
      else if (t.kind === BtfKind.CONST) this.p("const ");
      else if (t.kind === BtfKind.RESTRICT) this.p("restrict ");
      else return;
      decls.cnt--;
    }
  }

  private dropMods(decls: IdStack): void {
    while (decls.cnt) {
      const id = decls.ids[decls.cnt - 1];
      if (id === 0 || !isMod(this.t(id))) return;
      decls.cnt--;
    }
  }

  private emitName(name: string, lastWasPtr: boolean): void {
    this.p(`${name && !lastWasPtr ? " " : ""}${name}`);
  }

  private emitTypeChain(decls: IdStack, fname: string, lvl: number): void {
    let lastWasPtr = true;
    while (decls.cnt) {
      const id = decls.ids[--decls.cnt];
      if (id === 0) {
        this.emitMods(decls);
        this.p("void");
        lastWasPtr = false;
        continue;
      }
      const t = this.t(id);
      switch (t.kind) {
        case BtfKind.INT:
        case BtfKind.FLOAT:
          this.emitMods(decls);
          this.p(t.name);
          break;
        case BtfKind.STRUCT:
        case BtfKind.UNION:
          this.emitMods(decls);
          if (t.nameOff === 0) this.emitStructDef(id, t, lvl);
          else this.emitStructFwd(id, t);
          break;
        case BtfKind.ENUM:
        case BtfKind.ENUM64:
          this.emitMods(decls);
          if (t.nameOff === 0) this.emitEnumDef(id, t, lvl);
          else this.p(`enum ${this.typeName(id)}`);
          break;
        case BtfKind.FWD:
          this.emitMods(decls);
          this.emitFwdDef(id, t.isUnion);
          break;
        case BtfKind.TYPEDEF:
          this.emitMods(decls);
          this.p(this.identName(id));
          break;
        case BtfKind.PTR:
          this.p(lastWasPtr ? "*" : " *");
          break;
        case BtfKind.VOLATILE:
          this.p(" volatile");
          break;
        case BtfKind.CONST:
          this.p(" const");
          break;
        case BtfKind.RESTRICT:
          this.p(" restrict");
          break;
        case BtfKind.TYPE_TAG:
          this.emitMods(decls);
          this.p(t.kflag ? ` __attribute__((${t.name}))` : ` __attribute__((btf_type_tag("${t.name}")))`);
          break;
        case BtfKind.ARRAY: {
          this.dropMods(decls);
          if (decls.cnt === 0) {
            this.emitName(fname, lastWasPtr);
            this.p(`[${t.nelems}]`);
            return;
          }
          const next = decls.ids[decls.cnt - 1];
          const multidim = next !== 0 && this.t(next).kind === BtfKind.ARRAY;
          if (fname && !lastWasPtr) this.p(" ");
          if (!multidim) this.p("(");
          this.emitTypeChain(decls, fname, lvl);
          if (!multidim) this.p(")");
          this.p(`[${t.nelems}]`);
          return;
        }
        case BtfKind.FUNC_PROTO: {
          this.dropMods(decls);
          if (decls.cnt) {
            this.p(" (");
            this.emitTypeChain(decls, fname, lvl);
            this.p(")");
          } else {
            this.emitName(fname, lastWasPtr);
          }
          this.p("(");
          const params = t.params;
          if (params.length === 0 || (params.length === 1 && params[0].type === 0)) {
            this.p("void)");
            return;
          }
          params.forEach((q, i) => {
            if (i > 0) this.p(", ");
            if (i === params.length - 1 && q.type === 0) {
              this.p("...");
              return;
            }
            this.emitTypeDecl(q.type, q.name, lvl);
          });
          this.p(")");
          return;
        }
        default:
          return;
      }
      lastWasPtr = t.kind === BtfKind.PTR;
    }
    this.emitName(fname, lastWasPtr);
  }

  private nameDups(map: Map<string, number>, name: string): number {
    const n = (map.get(name) ?? 0) + 1;
    map.set(name, n);
    return n;
  }

  private resolveName(id: number, map: Map<string, number>): string {
    const t = this.t(id);
    if (t.nameOff === 0) return "";
    if (this.nameResolved[id]) return this.cachedNames[id] ?? t.name;
    if (t.kind === BtfKind.FWD || (t.kind === BtfKind.ENUM && t.values.length === 0)) {
      this.nameResolved[id] = 1;
      return t.name;
    }
    const dup = this.nameDups(map, t.name);
    if (dup > 1) this.cachedNames[id] = `${t.name}___${dup}`;
    this.nameResolved[id] = 1;
    return this.cachedNames[id] ?? t.name;
  }

  private typeName(id: number): string {
    return this.resolveName(id, this.typeNames);
  }

  private identName(id: number): string {
    return this.resolveName(id, this.identNames);
  }
}

/** The C definitions of the given types (all types when omitted), in btf_dump's order. */
export function dumpBtfTypesC(btf: Btf, ids?: number[]): string {
  const d = new CDumper(btf);
  for (const id of ids ?? btf.types.map((t) => t.id).slice(1)) d.dumpType(id);
  return d.result();
}

/** Whole header, matching `bpftool btf dump file X format c` (bpftool v7.x). */
export function dumpBtfC(btf: Btf): string {
  return (
    "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n" +
    "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n" +
    "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n" +
    "#endif\n\n" +
    dumpBtfTypesC(btf) +
    "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n" +
    "#endif /* __VMLINUX_H__ */\n"
  );
}
