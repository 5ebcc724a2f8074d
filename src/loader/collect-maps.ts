// Builds the object's map list in libbpf's slot order: legacy SEC("maps") definitions, BTF-defined
// .maps (DATASEC order after offset fix-up), then one ARRAY per .data*/.rodata*/.bss* section.
// Reference: tools/lib/bpf/libbpf.c (parse_btf_map_def, bpf_object__init_*_maps, btf_fixup_datasec).

import { LoadError } from "../errors.js";
import { BtfKind, BTF_VAR_GLOBAL_ALLOCATED, type Btf, type BtfComposite, type BtfMember } from "../btf/types.js";
import { SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS, STB_LOCAL, STT_SECTION, type ElfFile, type ElfSection } from "../elf/types.js";
import { MapType, type MapSpec } from "./types.js";

/** BPF_F_* map flags libbpf adds to global-data maps. */
export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_MMAPABLE = 1 << 10;

export const LIBBPF_PIN_NONE = 0;
export const LIBBPF_PIN_BY_NAME = 1;

/** What libbpf calls a map's origin (libbpf_type) plus where its definition lives. */
export interface MapOrigin {
  spec: MapSpec;
  /** ELF section holding the definition (maps, .maps) or the data (global data). */
  secIdx: number;
  /** Byte offset of the definition inside that section (0 for global data). */
  secOffset: number;
  /** Size of the definition (BTF var size / legacy def size; section size for global data). */
  defSize: number;
  kind: "legacy" | "btf" | "data" | "rodata" | "bss";
}

/** Classification of an ELF section the way libbpf's bpf_object__elf_collect does it. */
export function dataSectionKind(s: ElfSection): "data" | "rodata" | "bss" | null {
  if (s.type === SHT_NOBITS && (s.name === ".bss" || s.name.startsWith(".bss."))) return "bss";
  if (s.type !== SHT_PROGBITS || s.size === 0 || (s.flags & SHF_EXECINSTR) !== 0) return null;
  if (s.name === ".data" || s.name.startsWith(".data.")) return "data";
  if (s.name === ".rodata" || s.name.startsWith(".rodata.")) return "rodata";
  return null;
}

/** Value of an `__uint(name, N)` field: PTR → ARRAY with N elements (libbpf get_map_field_int). */
function mapFieldInt(btf: Btf, mapName: string, m: BtfMember): number {
  const t = btf.skipModsAndTypedefs(m.type);
  if (t.kind !== BtfKind.PTR) throw new LoadError(`map '${mapName}': attr '${m.name}': expected PTR, got ${btf.typeName(m.type)}`);
  const arr = btf.skipModsAndTypedefs(t.type);
  if (arr.kind !== BtfKind.ARRAY) throw new LoadError(`map '${mapName}': attr '${m.name}': expected ARRAY, got ${btf.typeName(t.type)}`);
  return arr.nelems;
}

interface BtfMapDef {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode: number;
  pinning: number;
  keyTypeId: number;
  valueTypeId: number;
  hasValues: boolean;
  inner?: BtfMapDef;
}

/** libbpf parse_btf_map_def: the struct members of one BTF map definition. */
function parseBtfMapDef(btf: Btf, mapName: string, def: BtfComposite, isInner: boolean): BtfMapDef {
  const d: BtfMapDef = { type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, numaNode: 0, pinning: 0, keyTypeId: 0, valueTypeId: 0, hasValues: false };
  const sizeOfPointee = (m: BtfMember, what: string): { size: number; type: number } => {
    const t = btf.type(m.type);
    if (t.kind !== BtfKind.PTR) throw new LoadError(`map '${mapName}': ${what} spec is not PTR: ${btf.typeName(m.type)}`);
    return { size: btf.sizeOf(t.type), type: t.type };
  };
  def.members.forEach((m, i) => {
    switch (m.name) {
      case "type": d.type = mapFieldInt(btf, mapName, m); break;
      case "max_entries": d.maxEntries = mapFieldInt(btf, mapName, m); break;
      case "map_flags": d.flags = mapFieldInt(btf, mapName, m); break;
      case "numa_node": d.numaNode = mapFieldInt(btf, mapName, m); break;
      case "key_size": {
        const sz = mapFieldInt(btf, mapName, m);
        if (d.keySize && d.keySize !== sz) throw new LoadError(`map '${mapName}': conflicting key size ${d.keySize} != ${sz}`);
        d.keySize = sz;
        break;
      }
      case "key": {
        const { size, type } = sizeOfPointee(m, "key");
        if (d.keySize && d.keySize !== size) throw new LoadError(`map '${mapName}': conflicting key size ${d.keySize} != ${size}`);
        d.keySize = size;
        d.keyTypeId = type;
        break;
      }
      case "value_size": {
        const sz = mapFieldInt(btf, mapName, m);
        if (d.valueSize && d.valueSize !== sz) throw new LoadError(`map '${mapName}': conflicting value size ${d.valueSize} != ${sz}`);
        d.valueSize = sz;
        break;
      }
      case "value": {
        const { size, type } = sizeOfPointee(m, "value");
        if (d.valueSize && d.valueSize !== size) throw new LoadError(`map '${mapName}': conflicting value size ${d.valueSize} != ${size}`);
        d.valueSize = size;
        d.valueTypeId = type;
        break;
      }
      case "values": {
        const isMapInMap = d.type === MapType.ARRAY_OF_MAPS || d.type === MapType.HASH_OF_MAPS;
        const isProgArray = d.type === MapType.PROG_ARRAY;
        if (isInner) throw new LoadError(`map '${mapName}': multi-level inner maps not supported`);
        if (i !== def.members.length - 1) throw new LoadError(`map '${mapName}': 'values' member should be last`);
        if (!isMapInMap && !isProgArray) throw new LoadError(`map '${mapName}': should be map-in-map or prog-array`);
        if (d.valueSize && d.valueSize !== 4) throw new LoadError(`map '${mapName}': conflicting value size ${d.valueSize} != 4`);
        d.valueSize = 4;
        d.hasValues = true;
        const arr = btf.type(m.type);
        if (arr.kind !== BtfKind.ARRAY || arr.nelems !== 0) throw new LoadError(`map '${mapName}': 'values' spec is not a zero-sized array`);
        const ptr = btf.skipModsAndTypedefs(arr.type);
        if (ptr.kind !== BtfKind.PTR) throw new LoadError(`map '${mapName}': 'values' element is not a pointer`);
        const target = btf.skipModsAndTypedefs(ptr.type);
        if (isProgArray) {
          if (target.kind !== BtfKind.FUNC_PROTO) throw new LoadError(`map '${mapName}': prog-array value def is not a function prototype`);
          break;
        }
        if (target.kind !== BtfKind.STRUCT) throw new LoadError(`map '${mapName}': map-in-map inner def is not a struct`);
        d.inner = parseBtfMapDef(btf, `${mapName}.inner`, target, true);
        break;
      }
      case "pinning": {
        if (isInner) throw new LoadError(`map '${mapName}': inner def can't be pinned`);
        const v = mapFieldInt(btf, mapName, m);
        if (v !== LIBBPF_PIN_NONE && v !== LIBBPF_PIN_BY_NAME) throw new LoadError(`map '${mapName}': invalid pinning value ${v}`);
        d.pinning = v;
        break;
      }
      case "map_extra":
        break;
      default:
        throw new LoadError(`map '${mapName}': unknown field '${m.name}'`);
    }
  });
  if (d.type === MapType.UNSPEC) throw new LoadError(`map '${mapName}': map type isn't specified`);
  return d;
}

/** libbpf adjust_ringbuf_sz: a power-of-2 multiple of the page size. */
export function adjustRingbufSize(sz: number): number {
  const page = 4096;
  if (sz === 0) return 0;
  if (sz % page === 0 && ((sz / page) & (sz / page - 1)) === 0) return sz;
  for (let mul = 1; mul <= 0xffffffff / page; mul *= 2) if (mul * page > sz) return mul * page;
  return sz;
}

function specFromDef(index: number, name: string, d: BtfMapDef): MapSpec {
  const spec: MapSpec = {
    index, name, type: d.type, keySize: d.keySize, valueSize: d.valueSize,
    maxEntries: d.type === MapType.RINGBUF ? adjustRingbufSize(d.maxEntries) : d.maxEntries,
    flags: d.flags, btfKeyTypeId: d.keyTypeId, btfValueTypeId: d.valueTypeId, isGlobalData: false, readOnly: false,
    pinning: d.pinning, numaNode: d.numaNode,
  };
  if (d.inner) spec.innerMap = specFromDef(-1, `${name}.inner`, d.inner);
  checkArrayValueSize(spec);
  return spec;
}

/**
 * Array values bigger than KMALLOC_MAX_SIZE are refused by the kernel (E2BIG, array_map_alloc_check);
 * refusing them here also keeps a corrupt value_size (up to 2^32 - 1) from reaching the allocator.
 */
export function checkArrayValueSize(spec: MapSpec): void {
  if ((spec.type === MapType.ARRAY || spec.type === MapType.PERCPU_ARRAY) && spec.valueSize > KMALLOC_MAX_SIZE) {
    throw new LoadError(`map '${spec.name}': value_size ${spec.valueSize} is larger than an array map value may be (${KMALLOC_MAX_SIZE} bytes, KMALLOC_MAX_SIZE): E2BIG`);
  }
}

/** Legacy `struct bpf_map_def` maps in SEC("maps"), in symbol order (libbpf < 1.0). */
function collectLegacyMaps(elf: ElfFile, out: MapOrigin[]): void {
  const sec = elf.sections.find((s) => s.name === "maps" && s.type === SHT_PROGBITS);
  if (!sec) return;
  const syms = elf.symbols.filter((s) => s.shndx === sec.index && s.type !== STT_SECTION && s.name !== "");
  if (syms.length === 0) return;
  if (sec.size === 0 || sec.size % syms.length !== 0) {
    throw new LoadError(`${elf.file}: section maps: unable to determine legacy map definition size (${sec.size} bytes, ${syms.length} symbols)`);
  }
  const defSize = sec.size / syms.length;
  if (defSize < 20) throw new LoadError(`${elf.file}: section maps: legacy map definitions of ${defSize} bytes are too small (struct bpf_map_def is 20)`);
  const dv = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
  for (const sym of syms) {
    if (sym.bind === STB_LOCAL) throw new LoadError(`${elf.file}: map '${sym.name}' (legacy): static maps are not supported`);
    if (sym.value + defSize > sec.size) throw new LoadError(`${elf.file}: section maps: last map '${sym.name}' is truncated`);
    const p = sym.value;
    const spec: MapSpec = {
      index: out.length, name: sym.name, type: dv.getUint32(p, true), keySize: dv.getUint32(p + 4, true),
      valueSize: dv.getUint32(p + 8, true), maxEntries: dv.getUint32(p + 12, true), flags: dv.getUint32(p + 16, true),
      btfKeyTypeId: 0, btfValueTypeId: 0, isGlobalData: false, readOnly: false, pinning: 0, numaNode: 0,
    };
    checkArrayValueSize(spec);
    out.push({ spec, secIdx: sec.index, secOffset: sym.value, defSize, kind: "legacy" });
  }
}

/** BTF-defined maps from the `.maps` DATASEC. */
function collectBtfMaps(elf: ElfFile, btf: Btf | null, out: MapOrigin[]): void {
  const sec = elf.sections.find((s) => s.name === ".maps");
  if (!sec) return;
  if (!btf) throw new LoadError(`${elf.file}: section .maps needs BTF, but the object has no .BTF section (compile with -g)`);
  const ds = btf.find(".maps", BtfKind.DATASEC);
  if (!ds) throw new LoadError(`${elf.file}: DATASEC '.maps' not found in BTF`);
  // `btf` is finalized (finalize-btf.ts): offsets come from ELF symbols and are sorted.
  for (const [index, v] of ds.vars.entries()) {
    const vt = btf.type(v.type);
    if (vt.kind !== BtfKind.VAR) throw new LoadError(`${elf.file}: .maps: entry #${index} is not a VAR`);
    const mapName = vt.name;
    if (!mapName) throw new LoadError(`${elf.file}: map #${index}: empty name`);
    if (v.offset + v.size > sec.size) throw new LoadError(`map '${mapName}': BTF data is corrupted (offset ${v.offset} + size ${v.size} > section size ${sec.size})`);
    if (vt.linkage !== BTF_VAR_GLOBAL_ALLOCATED) throw new LoadError(`map '${mapName}': unsupported map linkage (static maps are not supported)`);
    const def = btf.skipModsAndTypedefs(vt.type);
    if (def.kind !== BtfKind.STRUCT) throw new LoadError(`map '${mapName}': unexpected def kind ${btf.typeName(vt.type)}`);
    if (def.size > v.size) throw new LoadError(`map '${mapName}': invalid def size`);
    const d = parseBtfMapDef(btf, mapName, def, false);
    const spec = specFromDef(out.length, mapName, d);
    out.push({ spec, secIdx: sec.index, secOffset: v.offset, defSize: v.size, kind: "btf" });
  }
}

/** KMALLOC_MAX_SIZE on x86-64 (order-10 pages): the largest array map value the kernel creates. */
const KMALLOC_MAX_SIZE = 1 << 22;

/** One single-entry ARRAY per non-empty .data*, .rodata*, .bss* section, in section order. */
function collectGlobalData(elf: ElfFile, btf: Btf | null, out: MapOrigin[]): void {
  for (const s of elf.sections) {
    const kind = dataSectionKind(s);
    if (kind === null || s.size === 0) continue;
    const ds = btf?.find(s.name, BtfKind.DATASEC);
    // libbpf 1.1 (what bpftool links): every internal map is mmapable; .rodata is read-only for programs.
    const flags = (kind === "rodata" ? BPF_F_RDONLY_PROG : 0) | BPF_F_MMAPABLE;
    // The section becomes one array value: the kernel refuses value_size > KMALLOC_MAX_SIZE (E2BIG,
    // array_map_alloc_check). Checked here, before allocating: a corrupt NOBITS size may be 2^63.
    if (s.size > KMALLOC_MAX_SIZE) {
      throw new LoadError(`${elf.file}: section ${s.name}: size ${s.size} is larger than an array map value may be (${KMALLOC_MAX_SIZE} bytes, KMALLOC_MAX_SIZE): E2BIG`);
    }
    const initialValue = new Uint8Array(s.size);
    if (kind !== "bss") initialValue.set(s.data);
    const spec: MapSpec = {
      index: out.length, name: s.name, type: MapType.ARRAY, keySize: 4, valueSize: s.size, maxEntries: 1, flags,
      btfKeyTypeId: 0, btfValueTypeId: ds ? ds.id : 0, isGlobalData: true, initialValue, readOnly: kind === "rodata",
      pinning: 0, numaNode: 0,
    };
    out.push({ spec, secIdx: s.index, secOffset: 0, defSize: s.size, kind });
  }
}

/** All maps in libbpf's slot order; MapSpec.index is the position. `btf` must be finalized. */
export function collectMaps(elf: ElfFile, btf: Btf | null): MapOrigin[] {
  const out: MapOrigin[] = [];
  collectLegacyMaps(elf, out);
  collectBtfMaps(elf, btf, out);
  collectGlobalData(elf, btf, out);
  return out;
}
