// The ids and names `bpftool prog/map show` would print for an object xdpsim "loads": deterministic
// ids (prog = index + 1, map = slot + 1, btf = 1) and the kernel's map names. Spec: bpftool prog.c/map.c.

import { MapType, type MapSpec, type ObjectSpec } from "../loader/types.js";

/** Simulated BTF object id (the kernel assigns one per loaded object; xdpsim has exactly one). */
export const BTF_ID = 1;

/** Simulated program id of obj.programs[i]. */
export function progId(progIndex: number): number {
  return progIndex + 1;
}

/** Simulated map id of obj.maps[slot]. */
export function mapId(slot: number): number {
  return slot + 1;
}

/**
 * The name the kernel knows a map by (BPF_OBJ_NAME_LEN - 1 = 15 characters): libbpf prefixes
 * global-data maps with up to 8 characters of the object's name (libbpf.c internal_map_name).
 */
export function kernelMapName(m: MapSpec, file: string): string {
  if (!m.isGlobalData) return m.name.slice(0, 15);
  // Custom sections (.rodata.str1.1, .data.foo) keep their own name, without the object prefix.
  if (m.name.indexOf(".", 1) > 0) return m.name.slice(0, 15);
  const obj = (file.split("/").pop() ?? file).replace(/\.o$/, "").replace(/\./g, "_");
  const room = 16 - m.name.length - 1;
  return (obj.slice(0, Math.max(0, Math.min(8, room))) + m.name).slice(0, 15);
}

/** Kernel program name (truncated to 15 characters like bpf_prog_info.name). */
export function kernelProgName(name: string): string {
  return name.slice(0, 15);
}

/** bpftool's map_type_name table (libbpf_bpf_map_type_str). */
const MAP_TYPE_NAMES: Record<number, string> = {
  [MapType.UNSPEC]: "unspec", [MapType.HASH]: "hash", [MapType.ARRAY]: "array", [MapType.PROG_ARRAY]: "prog_array",
  [MapType.PERF_EVENT_ARRAY]: "perf_event_array", [MapType.PERCPU_HASH]: "percpu_hash", [MapType.PERCPU_ARRAY]: "percpu_array",
  [MapType.STACK_TRACE]: "stack_trace", [MapType.CGROUP_ARRAY]: "cgroup_array", [MapType.LRU_HASH]: "lru_hash",
  [MapType.LRU_PERCPU_HASH]: "lru_percpu_hash", [MapType.LPM_TRIE]: "lpm_trie", [MapType.ARRAY_OF_MAPS]: "array_of_maps",
  [MapType.HASH_OF_MAPS]: "hash_of_maps", [MapType.DEVMAP]: "devmap", [MapType.SOCKMAP]: "sockmap", [MapType.CPUMAP]: "cpumap",
  [MapType.XSKMAP]: "xskmap", [MapType.SOCKHASH]: "sockhash", [MapType.CGROUP_STORAGE]: "cgroup_storage",
  [MapType.REUSEPORT_SOCKARRAY]: "reuseport_sockarray", [MapType.PERCPU_CGROUP_STORAGE]: "percpu_cgroup_storage",
  [MapType.QUEUE]: "queue", [MapType.STACK]: "stack", [MapType.SK_STORAGE]: "sk_storage", [MapType.DEVMAP_HASH]: "devmap_hash",
  [MapType.STRUCT_OPS]: "struct_ops", [MapType.RINGBUF]: "ringbuf",
};

export function mapTypeName(type: number): string {
  return MAP_TYPE_NAMES[type] ?? `type ${type}`;
}

/** Per-CPU map types (values are one per possible CPU). */
export function isPerCpuType(type: number): boolean {
  return type === MapType.PERCPU_ARRAY || type === MapType.PERCPU_HASH || type === MapType.LRU_PERCPU_HASH;
}

/** Map flags as the kernel reports them: libbpf adds BPF_F_MMAPABLE (0x400) to global data, BPF_F_RDONLY_PROG (0x80) to .rodata. */
export function kernelMapFlags(m: MapSpec): number {
  let f = m.flags;
  if (m.isGlobalData) f |= 0x400;
  if (m.readOnly || m.type === MapType.DEVMAP || m.type === MapType.DEVMAP_HASH) f |= 0x80; // dev_map_init_map adds it too
  return f;
}

/** Map types the kernel creates without BTF key/value types (map_check_no_btf, or no key): bpftool shows no btf_id or "formatted". */
export function mapTakesBtf(type: number): boolean {
  return ![MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP, MapType.PROG_ARRAY, MapType.PERF_EVENT_ARRAY,
    MapType.RINGBUF, MapType.QUEUE, MapType.STACK].includes(type);
}

/** The map with a user-given name: the object's name (".bss", "counters") or the kernel's ("fw.bss"). */
export function findMapSlot(obj: ObjectSpec, name: string): number {
  return obj.maps.findIndex((m) => m.name === name || kernelMapName(m, obj.file) === name);
}
