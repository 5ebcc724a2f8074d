// Finds program and sub-program functions, records their relocations and links each XDP program
// into libbpf's image: own code, then every .text sub-program appended depth-first on first reference.
// Reference: tools/lib/bpf/libbpf.c (bpf_object__add_programs, bpf_program__record_reloc,
// bpf_object__reloc_code, adjust_prog_btf_ext_info, bpf_object__relocate_data).

import { LoadError } from "../errors.js";
import { decodeInsns, type Insn } from "../isa/insn.js";
import {
  BPF_CALL_OP, BPF_LD_IMM64, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE,
} from "../isa/opcodes.js";
import { BtfKind, type Btf } from "../btf/types.js";
import { CoreReloKind, type BtfExt } from "../btf/parse-btf-ext.js";
import {
  SHF_EXECINSTR, SHN_LORESERVE, SHN_UNDEF, SHT_PROGBITS, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FUNC, STT_NOTYPE,
  STT_SECTION, type ElfFile, type ElfSection, type ElfSymbol,
} from "../elf/types.js";
import type { MapOrigin } from "./collect-maps.js";
import type { FuncInfo, LineInfo, ProgramSpec, SubprogRange } from "./types.js";

/** One relocation, recorded against a function (insnIdx relative to the function's start). */
export type Relo =
  | { kind: "call"; insnIdx: number; symOff: number }
  | { kind: "subprog-addr"; insnIdx: number; symOff: number }
  | { kind: "map"; insnIdx: number; mapIdx: number }
  | { kind: "data"; insnIdx: number; mapIdx: number; symOff: number }
  | { kind: "extern"; insnIdx: number; name: string; call: boolean; kconfig: boolean };

/** A function symbol: an entry-point program or a .text sub-program (libbpf's struct bpf_program). */
export interface FuncSym {
  name: string;
  secIdx: number;
  secName: string;
  /** First instruction index inside the section, and instruction count. */
  secInsnOff: number;
  insnCnt: number;
  /** Pristine instructions (with BPF_PSEUDO_FUNC marks, as libbpf marks them before linking). */
  insns: Insn[];
  isSubprog: boolean;
  relos: Relo[];
}

const INSN_SZ = 8;

/** XDP program sections: xdp, xdp.frags, xdp/devmap, xdp.frags/cpumap, ... */
export function isXdpSection(name: string): boolean {
  return name.startsWith("xdp");
}

function isExec(s: ElfSection): boolean {
  return s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0;
}

/**
 * Every STT_FUNC symbol in .text (sub-programs) and in xdp* sections (programs), sorted by
 * (section index, offset) as libbpf sorts obj->programs.
 */
export function collectFunctions(elf: ElfFile): { funcs: FuncSym[]; textIdx: number } {
  const text = elf.sections.find((s) => s.name === ".text" && isExec(s));
  const textIdx = text ? text.index : -1;
  const funcs: FuncSym[] = [];
  for (const sec of elf.sections) {
    if (!isExec(sec)) continue;
    if (sec.index !== textIdx && !isXdpSection(sec.name)) continue;
    if (sec.size % INSN_SZ !== 0) throw new LoadError(`${elf.file}: section ${sec.name}: size ${sec.size} is not a multiple of ${INSN_SZ}`);
    for (const sym of elf.symbols) {
      if (sym.shndx !== sec.index || sym.type !== STT_FUNC) continue;
      if (sym.value % INSN_SZ !== 0 || sym.size % INSN_SZ !== 0) {
        throw new LoadError(`${elf.file}: section ${sec.name}: function '${sym.name}' at offset ${sym.value} (size ${sym.size}) is not instruction-aligned`);
      }
      if (sym.value + sym.size > sec.size) {
        throw new LoadError(`${elf.file}: section ${sec.name}: program '${sym.name}' at offset ${sym.value} crosses the section boundary`);
      }
      if (sym.size === 0) continue;
      if (sec.index !== textIdx && sym.bind === STB_LOCAL) {
        throw new LoadError(`${elf.file}: section ${sec.name}: program '${sym.name}' is static, which libbpf does not support`);
      }
      const insns = decodeInsns(sec.data, sym.value, sym.size / INSN_SZ);
      funcs.push({
        name: sym.name, secIdx: sec.index, secName: sec.name, secInsnOff: sym.value / INSN_SZ, insnCnt: sym.size / INSN_SZ,
        insns, isSubprog: sec.index === textIdx, relos: [],
      });
    }
  }
  funcs.sort((a, b) => a.secIdx - b.secIdx || a.secInsnOff - b.secInsnOff);
  return { funcs, textIdx };
}

/** libbpf find_prog_by_sec_insn: the function of a section containing an instruction index. */
function findFuncBySecInsn(funcs: FuncSym[], secIdx: number, insnIdx: number): FuncSym | undefined {
  let found: FuncSym | undefined;
  for (const f of funcs) {
    if (f.secIdx < secIdx || (f.secIdx === secIdx && f.secInsnOff <= insnIdx)) found = f;
    else break;
  }
  if (found && found.secIdx === secIdx && insnIdx >= found.secInsnOff && insnIdx < found.secInsnOff + found.insnCnt) return found;
  return undefined;
}

const isCall = (i: Insn): boolean => i.op === BPF_CALL_OP;
const isLdImm64 = (i: Insn): boolean => i.op === BPF_LD_IMM64;

function symIsExtern(s: ElfSymbol): boolean {
  return s.shndx === SHN_UNDEF && (s.bind === STB_GLOBAL || s.bind === STB_WEAK) && s.type === STT_NOTYPE;
}

function symIsSubprog(s: ElfSymbol, textIdx: number): boolean {
  if (s.shndx !== textIdx) return false;
  if (s.bind === STB_LOCAL && s.type === STT_SECTION) return true;
  return s.bind === STB_GLOBAL && s.type === STT_FUNC;
}

/** Names of `.kconfig` externs (VARs of the .kconfig DATASEC). */
function kconfigNames(btf: Btf | null): Set<string> {
  const out = new Set<string>();
  const ds = btf?.find(".kconfig", BtfKind.DATASEC);
  if (btf && ds && ds.kind === BtfKind.DATASEC) for (const v of ds.vars) out.add(btf.type(v.type).name);
  return out;
}

/**
 * Attach every relocation of the program sections to its function (libbpf
 * bpf_object__collect_prog_relos + bpf_program__record_reloc).
 */
export function recordRelocations(elf: ElfFile, funcs: FuncSym[], textIdx: number, maps: MapOrigin[], btf: Btf | null): void {
  const kconfig = kconfigNames(btf);
  const secIdxs = new Set(funcs.map((f) => f.secIdx));
  for (const secIdx of secIdxs) {
    const relSec = elf.relocations.get(secIdx);
    if (!relSec) continue;
    for (const rel of relSec.rels) {
      const where = `${elf.file}: section ${relSec.section.name}: relocation at offset 0x${rel.offset.toString(16)}`;
      if (rel.offset % INSN_SZ !== 0) throw new LoadError(`${where}: not instruction-aligned`);
      const secInsn = rel.offset / INSN_SZ;
      const prog = findFuncBySecInsn(funcs, secIdx, secInsn);
      if (!prog) continue; // libbpf: probably an overridden weak function; skipped
      const insnIdx = secInsn - prog.secInsnOff;
      const insn = prog.insns[insnIdx];
      const sym = rel.symbol;
      const symName = sym.type === STT_SECTION && sym.nameOff === 0 ? elf.sections[sym.shndx]?.name ?? "?" : sym.name;
      const ctx = `${elf.file}: program '${prog.name}': insn #${insnIdx} relocation against '${symName}'`;
      if (!isCall(insn) && !isLdImm64(insn)) throw new LoadError(`${ctx}: not a call or ld_imm64 (opcode 0x${insn.op.toString(16)})`);
      if (isLdImm64(insn) && insnIdx + 1 >= prog.insnCnt) throw new LoadError(`${ctx}: ld_imm64 is missing its second half`);

      if (symIsExtern(sym)) {
        prog.relos.push({ kind: "extern", insnIdx, name: sym.name, call: isCall(insn), kconfig: kconfig.has(sym.name) });
        continue;
      }
      if (isCall(insn)) {
        if (insn.src !== BPF_PSEUDO_CALL) throw new LoadError(`${ctx}: incorrect bpf_call opcode (src ${insn.src})`);
        if (sym.shndx === 0 || sym.shndx !== textIdx) {
          throw new LoadError(`${ctx}: bad call relocation into section '${elf.sections[sym.shndx]?.name ?? sym.shndx}' (sub-programs must be in .text)`);
        }
        if (sym.value % INSN_SZ !== 0) throw new LoadError(`${ctx}: bad call relocation at offset ${sym.value}`);
        prog.relos.push({ kind: "call", insnIdx, symOff: sym.value });
        continue;
      }
      if (sym.shndx === 0 || sym.shndx >= SHN_LORESERVE) {
        throw new LoadError(`${ctx}: invalid relocation against special section 0x${sym.shndx.toString(16)}; forgot to initialize a global variable?`);
      }
      if (symIsSubprog(sym, textIdx)) {
        if (sym.value % INSN_SZ !== 0 || insn.imm % INSN_SZ !== 0) throw new LoadError(`${ctx}: bad sub-program address relocation at offset ${sym.value}+${insn.imm}`);
        prog.relos.push({ kind: "subprog-addr", insnIdx, symOff: sym.value });
        insn.src = BPF_PSEUDO_FUNC;
        continue;
      }
      const origin = maps.find((m) => m.secIdx === sym.shndx && (m.kind === "legacy" || m.kind === "btf" ? m.secOffset === sym.value : true));
      const targetSec = elf.sections[sym.shndx];
      if (!origin) {
        const isMapSec = targetSec.name === ".maps" || targetSec.name === "maps";
        throw new LoadError(isMapSec
          ? `${ctx}: map relocation failed to find a map in section '${targetSec.name}' at offset ${sym.value}`
          : `${ctx}: bad data relocation against section '${targetSec.name}'`);
      }
      if (origin.kind === "legacy" || origin.kind === "btf") prog.relos.push({ kind: "map", insnIdx, mapIdx: origin.spec.index });
      else prog.relos.push({ kind: "data", insnIdx, mapIdx: origin.spec.index, symOff: sym.value });
    }
  }
  for (const f of funcs) f.relos.sort((a, b) => a.insnIdx - b.insnIdx);
}

/** Shared state for linking the programs of one object. */
export interface LinkContext {
  file: string;
  funcs: FuncSym[];
  textIdx: number;
  maps: MapOrigin[];
  btf: Btf | null;
  ext: BtfExt | null;
}

const cloneInsn = (i: Insn): Insn => ({ op: i.op, dst: i.dst, src: i.src, off: i.off, imm: i.imm });

function isSubprogCall(i: Insn): boolean {
  return i.op === BPF_CALL_OP && i.src === BPF_PSEUDO_CALL && i.dst === 0 && i.off === 0;
}

function isPseudoFunc(i: Insn): boolean {
  return i.op === BPF_LD_IMM64 && i.src === BPF_PSEUDO_FUNC;
}

/** Link one entry-point program into libbpf's layout, with relocations applied. */
export function linkProgram(ctx: LinkContext, main: FuncSym): ProgramSpec {
  const insns: Insn[] = main.insns.map(cloneInsn);
  const placed = new Map<FuncSym, number>([[main, 0]]);
  const order: FuncSym[] = [main];
  const subprogs: SubprogRange[] = [{ name: main.name, start: 0, end: main.insnCnt }];
  const funcInfo: FuncInfo[] = [];
  const lineInfo: LineInfo[] = [];
  let funcInfoOk = true;
  let lineInfoOk = true;
  const fail = (f: FuncSym, i: number, msg: string): never => {
    throw new LoadError(`${ctx.file}: program '${main.name}': ${f === main ? "" : `sub-program '${f.name}' `}insn #${i}: ${msg}`);
  };

  const appendExtInfo = (f: FuncSym, base: number): void => {
    if (!ctx.ext || !ctx.btf) return;
    const lo = f.secInsnOff;
    const hi = f.secInsnOff + f.insnCnt;
    const inRange = (off: number): boolean => off / INSN_SZ >= lo && off / INSN_SZ < hi;
    if (funcInfoOk) {
      const recs = (ctx.ext.funcInfo.get(f.secName) ?? []).filter((r) => inRange(r.insnOff));
      if (recs.length === 0 && f === main) funcInfoOk = false; // libbpf: skip all func info
      for (const r of recs) {
        const t = ctx.btf.types[r.typeId];
        funcInfo.push({ insn: r.insnOff / INSN_SZ - lo + base, name: t && t.kind === BtfKind.FUNC ? t.name : "", btfTypeId: r.typeId });
      }
    }
    if (lineInfoOk) {
      const recs = (ctx.ext.lineInfo.get(f.secName) ?? []).filter((r) => inRange(r.insnOff));
      if (recs.length === 0 && f === main) lineInfoOk = false;
      for (const r of recs) lineInfo.push({ insn: r.insnOff / INSN_SZ - lo + base, file: r.file, text: r.text, line: r.line, col: r.col });
    }
  };

  const checkCore = (f: FuncSym): void => {
    const relos = ctx.ext?.coreRelos.get(f.secName) ?? [];
    for (const r of relos) {
      const idx = r.insnOff / INSN_SZ;
      if (idx < f.secInsnOff || idx >= f.secInsnOff + f.insnCnt) continue;
      if (r.kind === CoreReloKind.TYPE_ID_TARGET) {
        fail(f, idx - f.secInsnOff, `CO-RE relocation asks for the kernel's BTF id of ${ctx.btf ? ctx.btf.typeName(r.typeId) : `type [${r.typeId}]`} (bpf_core_type_id_kernel), which the simulator cannot provide`);
      }
      // Every other CO-RE relocation is resolved against the object's own BTF: clang already
      // encoded the local answer, so the instruction stays as compiled.
    }
  };

  const relocCode = (f: FuncSym): void => {
    const base = placed.get(f)!;
    appendExtInfo(f, base);
    checkCore(f);
    const relosAt = new Map(f.relos.map((r) => [r.insnIdx, r]));
    for (let i = 0; i < f.insnCnt; i++) {
      const insn = insns[base + i];
      const relo = relosAt.get(i);
      if (relo && relo.kind === "extern") {
        if (relo.call) fail(f, i, `kfunc call to '${relo.name}' is not supported (kernel functions are not simulated)`);
        fail(f, i, relo.kconfig
          ? `.kconfig extern '${relo.name}' is not supported`
          : `extern variable '${relo.name}' (__ksym) is not supported`);
      }
      if (!isSubprogCall(insn) && !isPseudoFunc(insn)) continue;
      if (relo && relo.kind !== "call" && relo.kind !== "subprog-addr") fail(f, i, `unexpected relocation of kind ${relo.kind}`);
      let subIdx: number;
      if (relo && relo.kind === "call") subIdx = relo.symOff / INSN_SZ + f.insns[i].imm + 1;
      else if (relo && relo.kind === "subprog-addr") subIdx = (relo.symOff + f.insns[i].imm) / INSN_SZ;
      else if (isPseudoFunc(insn)) return fail(f, i, "missing sub-program address relocation");
      else {
        if (f.secIdx !== ctx.textIdx) fail(f, i, "call without relocation to a function outside .text (sub-programs must be in .text)");
        subIdx = f.secInsnOff + i + f.insns[i].imm + 1;
      }
      const sub = ctx.textIdx >= 0 ? findFuncBySecInsn(ctx.funcs, ctx.textIdx, subIdx) : undefined;
      if (!sub) fail(f, i, `no .text sub-program at instruction ${subIdx} for this ${isPseudoFunc(insn) ? "function pointer" : "call"}`);
      const target = sub as FuncSym;
      if (!placed.has(target)) {
        const at = insns.length;
        placed.set(target, at);
        order.push(target);
        for (const x of target.insns) insns.push(cloneInsn(x));
        subprogs.push({ name: target.name, start: at, end: at + target.insnCnt });
        relocCode(target);
      }
      insns[base + i].imm = placed.get(target)! - (base + i) - 1;
    }
  };
  relocCode(main);

  // Data relocations of every placed function (libbpf bpf_object__relocate_data).
  for (const f of order) {
    const base = placed.get(f)!;
    for (const r of f.relos) {
      const insn = insns[base + r.insnIdx];
      const next = insns[base + r.insnIdx + 1];
      if (r.kind === "map") {
        insn.src = BPF_PSEUDO_MAP_FD;
        insn.imm = r.mapIdx;
      } else if (r.kind === "data") {
        next.imm = (insn.imm + r.symOff) | 0;
        insn.src = BPF_PSEUDO_MAP_VALUE;
        insn.imm = r.mapIdx;
      }
    }
  }

  // Map slots in order of first reference (the kernel's used_maps order).
  const mapRefs: number[] = [];
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (x.op !== BPF_LD_IMM64) continue;
    if ((x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_VALUE) && !mapRefs.includes(x.imm)) mapRefs.push(x.imm);
    i++;
  }

  return {
    name: main.name,
    section: main.secName,
    insns,
    subprogs,
    funcInfo: funcInfoOk ? funcInfo : [],
    lineInfo: lineInfoOk ? lineInfo : [],
    mapRefs,
  };
}
