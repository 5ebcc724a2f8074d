// Map pinning for replays: one JSON file per map in a pin directory, loaded before a run and saved
// (atomically) after it, so state outlives the loader like bpffs pins. Spec: libbpf bpf_object__reuse_map.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import type { MapSpec } from "../loader/types.js";
import { formatTypeOnly } from "./format-func-signature.js";
import { hexList, parseBytes } from "../pipeline/parse-bytes.js";
import { compareBytes, isStateMap } from "../pipeline/format-maps-json.js";
import type { BpfMap } from "../runtime/maps/bpf-map.js";
import type { Simulation } from "../pipeline/create-simulation.js";
import { isPerCpuType, kernelMapFlags, kernelMapName, mapId, mapTakesBtf, mapTypeName } from "./object-ids.js";

export const PIN_FORMAT = "xdpsim-pin/1";

/** One pinned map: its definition and its entries in maps.json's raw byte shape. */
export interface PinnedMap {
  format: typeof PIN_FORMAT;
  /** Kernel name (also the file name without .json). */
  name: string;
  /** Name in the object (".bss", "src_stats"). */
  object_name: string;
  /** Object file the map came from (for BTF formatting); informational. */
  object: string;
  id: number;
  type: string;
  key_size: number;
  value_size: number;
  max_entries: number;
  flags: number;
  /** BTF type ids in the object's BTF, and their C spelling (informational). */
  btf_key_type_id: number;
  btf_value_type_id: number;
  btf_key_type?: string;
  btf_value_type?: string;
  /** Per-CPU maps: how many possible CPUs the values cover (the run's --cpus when it was saved). */
  cpus?: number;
  entries: PinnedEntry[];
}

export interface PinnedEntry {
  key: string[];
  value?: string[];
  values?: { cpu: number; value: string[] }[];
}

/** The fields that must agree for a pinned map to be reused (libbpf's map_is_reuse_compat). */
const COMPAT_FIELDS = ["type", "key_size", "value_size", "max_entries", "flags"] as const;

export function pinPath(dir: string, name: string): string {
  return join(dir, `${name}.json`);
}

/** Whether a map of the object is pinned: state maps that can be dumped (not prog arrays, ring buffers, constants). */
export function isPinnable(m: BpfMap): boolean {
  return isStateMap(m) && m.dumpable;
}

/** Definition of an object's map as a pin file holds it (entries empty). */
export function pinDefinition(spec: MapSpec, file: string, btf: import("../btf/types.js").Btf | null): PinnedMap {
  const p: PinnedMap = {
    format: PIN_FORMAT, name: kernelMapName(spec, file), object_name: spec.name, object: file, id: mapId(spec.index),
    type: mapTypeName(spec.type), key_size: spec.keySize, value_size: spec.valueSize, max_entries: spec.maxEntries,
    flags: kernelMapFlags(spec), btf_key_type_id: mapTakesBtf(spec.type) ? spec.btfKeyTypeId : 0,
    btf_value_type_id: mapTakesBtf(spec.type) ? spec.btfValueTypeId : 0, entries: [],
  };
  if (btf && p.btf_key_type_id) p.btf_key_type = formatTypeOnly(btf, p.btf_key_type_id);
  if (btf && p.btf_value_type_id) p.btf_value_type = formatTypeOnly(btf, p.btf_value_type_id);
  return p;
}

/** The map's current contents as a pin document. */
export function snapshotMap(map: BpfMap, file: string, btf: import("../btf/types.js").Btf | null, ncpus?: number): PinnedMap {
  const p = pinDefinition(map.spec, file, btf);
  if (ncpus !== undefined && isPerCpuType(map.spec.type)) p.cpus = ncpus;
  const entries = map.dump().slice().sort((a, b) => compareBytes(a.key, b.key));
  p.entries = entries.map((e) => e.values
    ? { key: hexList(e.key), values: e.values.map((v, cpu) => ({ cpu, value: hexList(v) })) }
    : { key: hexList(e.key), value: hexList(e.value ?? new Uint8Array(0)) });
  return p;
}

/** Read and check one pin file; any problem is a UsageError naming the file. */
export function readPinFile(path: string): PinnedMap {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`${path}: cannot read pinned map: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: corrupt pinned map (not JSON: ${(e as Error).message})`);
  }
  const d = doc as Partial<PinnedMap> | null;
  if (d === null || typeof d !== "object" || d.format !== PIN_FORMAT) throw new UsageError(`${path}: corrupt pinned map (expected "format": "${PIN_FORMAT}")`);
  for (const k of ["key_size", "value_size", "max_entries", "flags", "id"] as const) {
    if (!Number.isInteger(d[k]) || (d[k] as number) < 0) throw new UsageError(`${path}: corrupt pinned map ("${k}" must be a non-negative integer)`);
  }
  if (d.cpus !== undefined && (!Number.isInteger(d.cpus) || d.cpus < 1)) throw new UsageError(`${path}: corrupt pinned map ("cpus" must be a positive integer)`);
  if (typeof d.name !== "string" || typeof d.type !== "string" || !Array.isArray(d.entries)) {
    throw new UsageError(`${path}: corrupt pinned map ("name", "type" and "entries" are required)`);
  }
  d.entries.forEach((e, i) => {
    const what = `${path}: entry ${i}`;
    if (e === null || typeof e !== "object") throw new UsageError(`${what}: expected an object`);
    if (parseBytes(e.key, `${what}: key`).length !== d.key_size) throw new UsageError(`${what}: key is not ${d.key_size} bytes`);
    if (e.values) {
      if (!Array.isArray(e.values)) throw new UsageError(`${what}: "values" must be a list`);
      for (const v of e.values) if (parseBytes(v?.value, `${what}: value`).length !== d.value_size) throw new UsageError(`${what}: value is not ${d.value_size} bytes`);
    } else if (parseBytes(e.value, `${what}: value`).length !== d.value_size) {
      throw new UsageError(`${what}: value is not ${d.value_size} bytes`);
    }
  });
  return d as PinnedMap;
}

/** Write atomically: temp file in the same directory, then rename. */
export function writePinFile(dir: string, p: PinnedMap): void {
  mkdirSync(dir, { recursive: true });
  const path = pinPath(dir, p.name);
  const tmp = `${path}.tmp-${process.pid}`;
  const rows = p.entries.map((e) => "    " + JSON.stringify(e));
  const { entries: _entries, ...def } = p;
  const head = JSON.stringify(def, null, 2).replace(/\n\}$/, "");
  writeFileSync(tmp, head + `,\n  "entries": [${rows.length ? "\n" + rows.join(",\n") + "\n  " : ""}]\n}\n`);
  renameSync(tmp, path);
}

/** Pin files in a directory (sorted by name); a missing directory has none. */
export function listPinFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UsageError(`${dir}: cannot read pin directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return names.filter((n) => n.endsWith(".json")).sort().map((n) => join(dir, n));
}

export function removePin(dir: string, name: string): void {
  const path = pinPath(dir, name);
  try {
    rmSync(path);
  } catch (e) {
    throw new UsageError(`${path}: cannot remove pin: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** libbpf's "couldn't reuse pinned map": the pinned definition must equal the object's. */
export function checkReuse(path: string, pinned: PinnedMap, want: PinnedMap): void {
  for (const k of COMPAT_FIELDS) {
    if (pinned[k] !== want[k]) {
      throw new UsageError(`${path}: couldn't reuse pinned map '${want.name}': ${k} differs (pinned ${pinned[k]}, object ${want[k]})`);
    }
  }
}

/** Replace a map's contents with pinned entries (user-side updates, as a reusing loader sees the pinned map). */
export function restoreMap(map: BpfMap, p: PinnedMap, ncpus: number, path: string): void {
  const percpu = isPerCpuType(map.spec.type);
  const stride = Math.ceil(map.spec.valueSize / 8) * 8;
  if (percpu) {
    // A per-CPU map holds one value per possible CPU, fixed when it was created: values of CPUs this run
    // does not simulate cannot be kept, and dropping them would lose state, so refuse (naming both counts).
    const cpus = pinnedCpuCount(p);
    if (cpus > ncpus) {
      throw new UsageError(`${path}: couldn't reuse pinned map '${p.name}': its per-CPU values cover ${cpus} CPUs but this run ` +
        `simulates ${ncpus} (--cpus ${ncpus}); run with --cpus ${cpus}, or remove the pin (xdpsim pin rm ${p.name})`);
    }
  }
  // Empty the map first (arrays cannot delete: every index is overwritten below or keeps zeros).
  map.reset();
  for (let k = map.userNextKey(null); k !== null; k = map.userNextKey(null)) {
    if (map.userDelete(k) !== 0) break;
  }
  p.entries.forEach((e, i) => {
    const key = parseBytes(e.key, `${path}: entry ${i}: key`);
    let value: Uint8Array;
    if (percpu) {
      value = new Uint8Array(stride * ncpus);
      const list = e.values ?? (e.value ? Array.from({ length: ncpus }, (_, cpu) => ({ cpu, value: e.value! })) : []);
      for (const v of list) if (v.cpu < ncpus) value.set(parseBytes(v.value, `${path}: entry ${i}: value`), v.cpu * stride);
    } else {
      value = parseBytes(e.value ?? e.values?.[0]?.value, `${path}: entry ${i}: value`);
    }
    const rc = map.userUpdate(key, value, 0);
    if (rc !== 0) throw new UsageError(`${path}: entry ${i}: cannot restore into map '${p.name}' (errno ${-rc})`);
  });
}

/** Per-CPU pin: the CPUs its values cover ("cpus", else the highest CPU listed + 1; 0 when it has no values). */
export function pinnedCpuCount(p: PinnedMap): number {
  let n = p.cpus ?? 0;
  for (const e of p.entries) for (const v of e.values ?? []) n = Math.max(n, v.cpu + 1);
  return n;
}

/** Load every pinned map of the simulation's object found in DIR (others keep their fresh state). Returns the names loaded. */
export function loadPinnedMaps(sim: Simulation, dir: string): string[] {
  const loaded: string[] = [];
  for (const map of sim.rt.maps) {
    if (!isPinnable(map)) continue;
    const want = pinDefinition(map.spec, sim.obj.file, sim.obj.btf);
    const path = pinPath(dir, want.name);
    if (!existsSync(path)) continue;
    const pinned = readPinFile(path);
    checkReuse(path, pinned, want);
    restoreMap(map, pinned, sim.rt.opts.ncpus, path);
    loaded.push(want.name);
  }
  return loaded;
}

/** Save every pinnable map of the simulation to DIR (one atomic write per map). Returns the names saved. */
export function savePinnedMaps(sim: Simulation, dir: string): string[] {
  const saved: string[] = [];
  for (const map of sim.rt.maps) {
    if (!isPinnable(map)) continue;
    const p = snapshotMap(map, sim.obj.file, sim.obj.btf, sim.rt.opts.ncpus);
    writePinFile(dir, p);
    saved.push(p.name);
  }
  return saved;
}
