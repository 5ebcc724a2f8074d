// Loads a clang BPF ELF object into an ObjectSpec: maps, global data (with `const volatile`
// overrides), license, and every XDP program linked and relocated exactly as libbpf does it.
// Reference: tools/lib/bpf/libbpf.c (bpf_object_open, bpf_object__relocate), kernel/bpf/syscall.c.

import { readFile } from "node:fs/promises";
import { LoadError, UsageError } from "../errors.js";
import { readElf, findSection } from "../elf/read-elf.js";
import { STT_FUNC, STT_OBJECT, STT_SECTION, type ElfFile } from "../elf/types.js";
import { readElfBtf } from "../btf/read-elf-btf.js";
import { finalizeBtf } from "./finalize-btf.js";
import { BtfKind, type Btf } from "../btf/types.js";
import { collectMaps, type MapOrigin } from "./collect-maps.js";
import { collectFunctions, linkProgram, recordRelocations, type FuncSym, type LinkContext } from "./link-programs.js";
import { MapType, type GlobalVar, type ObjectSpec } from "./types.js";

export interface LoadObjectOptions {
  /** `const volatile` overrides by variable name (.rodata*): written little-endian into the variable. */
  consts?: Map<string, bigint>;
}

/** Licenses the kernel treats as GPL-compatible (include/linux/license.h license_is_gpl_compatible). */
const GPL_COMPATIBLE = new Set(["GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"]);

export function isGplCompatible(license: string): boolean {
  return GPL_COMPATIBLE.has(license);
}

/** Parse and link an object held in memory. `file` names it in messages. */
export function loadObject(bytes: Uint8Array, file: string, opts: LoadObjectOptions = {}): ObjectSpec {
  const elf = readElf(bytes, file);
  const raw = readElfBtf(elf);
  // The BTF libbpf would load into the kernel (DATASEC offsets fixed from ELF symbols).
  const btf = raw.btf ? finalizeBtf(elf, raw.btf) : null;
  const ext = raw.ext;

  const license = readLicense(elf);
  const origins = collectMaps(elf, btf);
  const { funcs, textIdx } = collectFunctions(elf);
  recordRelocations(elf, funcs, textIdx, origins, btf);

  const mains = funcs.filter((f) => !f.isSubprog);
  collectMapValueInits(elf, btf, origins, mains);

  const ctx: LinkContext = { file, funcs, textIdx, maps: origins, btf, ext };
  const programs = mains.map((f) => linkProgram(ctx, f));
  // libbpf binds every .rodata* map to each program it loads (bpf_prog_bind_map), so the kernel
  // lists them in the program's map_ids after the maps its instructions reference.
  for (const p of programs) {
    for (const o of origins) if (o.kind === "rodata" && !p.mapRefs.includes(o.spec.index)) p.mapRefs.push(o.spec.index);
  }

  const maps = origins.map((o) => o.spec);
  const globals = collectGlobals(elf, btf, origins);
  if (opts.consts && opts.consts.size > 0) applyConsts(file, opts.consts, globals, origins);

  return { file, license, gplCompatible: isGplCompatible(license), programs, maps, globals, btf };
}

/** Read and load an object file from disk. */
export async function loadObjectFile(path: string, opts: LoadObjectOptions = {}): Promise<ObjectSpec> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new LoadError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return loadObject(bytes, path, opts);
}

/** SEC("license") up to the first NUL, at most 63 characters (libbpf bpf_object__init_license). */
function readLicense(elf: ElfFile): string {
  const sec = findSection(elf, "license");
  if (!sec) return "";
  let end = 0;
  while (end < sec.data.length && end < 63 && sec.data[end] !== 0) end++;
  let s = "";
  for (let i = 0; i < end; i++) s += String.fromCharCode(sec.data[i]);
  return s;
}

/**
 * Static initialisation of PROG_ARRAY / map-in-map slots from relocations in `.maps`
 * (libbpf bpf_object__collect_map_relos): `.values = { [2] = &prog }`.
 */
function collectMapValueInits(elf: ElfFile, btf: Btf | null, origins: MapOrigin[], mains: FuncSym[]): void {
  const mapsSec = findSection(elf, ".maps");
  if (!mapsSec || !btf) return;
  const relSec = elf.relocations.get(mapsSec.index);
  if (!relSec) return;
  for (const [i, rel] of relSec.rels.entries()) {
    const sym = rel.symbol;
    const where = `${elf.file}: .maps relocation #${i} ('${sym.name}')`;
    const origin = origins.find((o) => o.kind === "btf" && o.secOffset <= rel.offset && rel.offset + 8 <= o.secOffset + o.defSize);
    if (!origin) throw new LoadError(`${where}: no map at offset ${rel.offset}`);
    const spec = origin.spec;
    const isMapInMap = spec.type === MapType.ARRAY_OF_MAPS || spec.type === MapType.HASH_OF_MAPS;
    const isProgArray = spec.type === MapType.PROG_ARRAY;
    const ds = btf.find(".maps", BtfKind.DATASEC)!;
    const v = ds.vars.find((x) => x.offset === origin.secOffset);
    const varType = v ? btf.type(v.type) : undefined;
    const def = varType && varType.kind === BtfKind.VAR ? btf.skipModsAndTypedefs(varType.type) : undefined;
    if (!def || def.kind !== BtfKind.STRUCT || def.members.length === 0 || def.members[def.members.length - 1].name !== "values") {
      throw new LoadError(`${where}: map '${spec.name}' has no 'values' member to initialise`);
    }
    const valuesOff = def.members[def.members.length - 1].bitOffset / 8;
    const moff = rel.offset - origin.secOffset - valuesOff;
    if (moff < 0 || moff % 8 !== 0) throw new LoadError(`${where}: bad slot offset ${moff} in map '${spec.name}'`);
    const slot = moff / 8;
    if (isProgArray) {
      const prog = mains.find((f) => f.name === sym.name);
      if (!prog || sym.type !== STT_FUNC || prog.secIdx !== sym.shndx || prog.secInsnOff * 8 !== sym.value) {
        throw new LoadError(`${where}: '${sym.name}' isn't an XDP entry-point program of this object`);
      }
      (spec.progArrayInit ??= []).push({ slot, program: sym.name });
    } else if (isMapInMap) {
      if (sym.shndx !== mapsSec.index) throw new LoadError(`${where}: '${sym.name}' isn't a BTF-defined map`);
      const target = origins.find((o) => o.kind === "btf" && o.spec.name === sym.name);
      if (!target) throw new LoadError(`${where}: '${sym.name}' isn't a valid map reference`);
      (spec.mapInMapInit ??= []).push({ slot, map: target.spec.index });
    } else {
      throw new LoadError(`${where}: map '${spec.name}' is neither a prog array nor a map-in-map`);
    }
  }
  for (const o of origins) {
    o.spec.progArrayInit?.sort((a, b) => a.slot - b.slot);
    o.spec.mapInMapInit?.sort((a, b) => a.slot - b.slot);
  }
}

/**
 * Variables of the global-data maps: every ELF object symbol in a .data, .rodata or .bss section (and their .name variants)
 * (offset and size from the symbol, as libbpf prefers ELF symbols), with its BTF VAR type when the
 * section's DATASEC has one of that name. Sorted by map slot, then offset.
 */
function collectGlobals(elf: ElfFile, btf: Btf | null, origins: MapOrigin[]): GlobalVar[] {
  const out: GlobalVar[] = [];
  for (const o of origins) {
    if (!o.spec.isGlobalData) continue;
    const ds = btf?.find(o.spec.name, BtfKind.DATASEC);
    const varTypes = new Map<string, number>();
    if (btf && ds) {
      for (const v of ds.vars) {
        const vt = btf.type(v.type);
        if (vt.kind === BtfKind.VAR) varTypes.set(vt.name, vt.type);
      }
    }
    for (const sym of elf.symbols) {
      if (sym.shndx !== o.secIdx || sym.type === STT_SECTION || sym.type === STT_FUNC) continue;
      if (sym.type !== STT_OBJECT || sym.name === "") continue;
      out.push({ name: sym.name, mapIndex: o.spec.index, offset: sym.value, size: sym.size, btfTypeId: varTypes.get(sym.name) ?? 0 });
    }
  }
  out.sort((a, b) => a.mapIndex - b.mapIndex || a.offset - b.offset);
  return out;
}

/** Write `--const NAME=VALUE` overrides into the .rodata* initial values. */
function applyConsts(file: string, consts: Map<string, bigint>, globals: GlobalVar[], origins: MapOrigin[]): void {
  const rodata = globals.filter((g) => origins[g.mapIndex].kind === "rodata" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(g.name));
  const available = rodata.map((g) => g.name);
  for (const [name, value] of consts) {
    const g = rodata.find((x) => x.name === name);
    if (!g) {
      throw new UsageError(`${file}: no const volatile variable '${name}' in .rodata; available: ${available.length ? available.join(", ") : "(none)"}`);
    }
    const bits = BigInt(g.size * 8);
    if (g.size === 0 || g.size > 8 || value < -(1n << (bits - 1n)) || value >= 1n << bits) {
      throw new UsageError(`${file}: value ${value} does not fit const '${name}' (${g.size} byte${g.size === 1 ? "" : "s"})`);
    }
    const init = origins[g.mapIndex].spec.initialValue!;
    let v = BigInt.asUintN(g.size * 8, value);
    for (let i = 0; i < g.size; i++) {
      init[g.offset + i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
}
