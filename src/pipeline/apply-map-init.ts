// --map-init: pre-populate maps before a run from CONTRACT.md's JSON shape, through the maps'
// user-side (bpf(2)-like) update, with errors that name the file, the map and the entry.

import { UsageError } from "../errors.js";
import { MapType } from "../loader/types.js";
import type { BpfMap, ProgArrayMap, QueueStackMap } from "../runtime/maps/bpf-map.js";
import type { Runtime } from "../runtime/runtime.js";
import { parseBytes } from "./parse-bytes.js";

const PERCPU_TYPES = new Set<number>([MapType.PERCPU_ARRAY, MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH]);

/** Map-init document: map name → entries (already JSON-parsed). */
export type MapInit = Record<string, unknown>;

/** Apply a parsed --map-init document to the runtime's maps. `source` names the file in messages. */
export function applyMapInit(rt: Runtime, init: unknown, source: string): void {
  if (init === null || typeof init !== "object" || Array.isArray(init)) {
    throw new UsageError(`--map-init ${source}: expected a JSON object of map name -> list of entries`);
  }
  for (const [name, entries] of Object.entries(init as Record<string, unknown>)) {
    const map = rt.maps.find((m) => m.spec.name === name);
    if (!map) {
      const have = rt.maps.map((m) => m.spec.name).join(", ") || "none";
      throw new UsageError(`--map-init ${source}: no map named '${name}' (have: ${have})`);
    }
    if (map.spec.readOnly || name === ".kconfig") {
      throw new UsageError(`--map-init ${source}: map '${name}' is read-only after load; use --const NAME=VALUE`);
    }
    if (!Array.isArray(entries)) throw new UsageError(`--map-init ${source}: map '${name}': expected a list of entries`);
    if (entries.length > Math.max(map.spec.maxEntries, 1) * 4 + 1024) {
      throw new UsageError(`--map-init ${source}: map '${name}': ${entries.length} entries for a map of ${map.spec.maxEntries}`);
    }
    entries.forEach((e, i) => applyEntry(rt, map, e, `--map-init ${source}: map '${name}' entry ${i}`));
  }
}

function applyEntry(rt: Runtime, map: BpfMap, e: unknown, what: string): void {
  if (e === null || typeof e !== "object" || Array.isArray(e)) throw new UsageError(`${what}: expected an object with "key" and "value"`);
  const entry = e as Record<string, unknown>;
  const spec = map.spec;
  if (spec.type === MapType.PROG_ARRAY) {
    const slot = parseKeyU32(entry.key, what);
    const progName = entry.value;
    if (typeof progName !== "string") throw new UsageError(`${what}: prog array value must be a program name`);
    const idx = rt.obj.programs.findIndex((p) => p.name === progName);
    if (idx < 0) {
      const have = rt.obj.programs.map((p) => p.name).join(", ");
      throw new UsageError(`${what}: no program named '${progName}' (have: ${have})`);
    }
    if (slot >= spec.maxEntries) throw new UsageError(`${what}: slot ${slot} is outside the map (max_entries ${spec.maxEntries})`);
    (map as ProgArrayMap).setProgram(slot, idx);
    return;
  }
  if (spec.type === MapType.QUEUE || spec.type === MapType.STACK) {
    const value = exactSize(parseBytes(entry.value, `${what}: value`), spec.valueSize, `${what}: value`);
    check((map as QueueStackMap).push(value, 0, 0), what);
    return;
  }
  if (spec.type === MapType.XSKMAP) {
    throw new UsageError(`${what}: XSKMAP slots cannot be filled (no AF_XDP socket is simulated); redirects to it take the flags fallback`);
  }
  const key = spec.keySize === 4 && typeof entry.key === "number" ? u32(parseKeyU32(entry.key, what)) : parseBytes(entry.key, `${what}: key`);
  exactSize(key, spec.keySize, `${what}: key`);
  let value: Uint8Array;
  if (PERCPU_TYPES.has(spec.type)) {
    value = perCpuValue(entry, spec.valueSize, rt.opts.ncpus, what);
  } else {
    value = parseBytes(entry.value, `${what}: value`);
    if ((spec.type === MapType.DEVMAP || spec.type === MapType.DEVMAP_HASH) && value.length === 4 && spec.valueSize === 8) {
      const padded = new Uint8Array(8);
      padded.set(value);
      value = padded;
    }
    exactSize(value, spec.valueSize, `${what}: value`);
  }
  check(map.userUpdate(key, value, 0), what);
}

function perCpuValue(entry: Record<string, unknown>, valueSize: number, ncpus: number, what: string): Uint8Array {
  const slot = (valueSize + 7) & ~7;
  const out = new Uint8Array(slot * ncpus);
  if (entry.values !== undefined) {
    if (!Array.isArray(entry.values)) throw new UsageError(`${what}: "values" must be a list of {"cpu", "value"}`);
    entry.values.forEach((v: unknown, j: number) => {
      const w = v as Record<string, unknown> | null;
      const cpu = w && typeof w === "object" ? w.cpu : undefined;
      if (typeof cpu !== "number" || !Number.isInteger(cpu) || cpu < 0 || cpu >= ncpus) {
        throw new UsageError(`${what}: values[${j}].cpu must be an integer in 0..${ncpus - 1} (--cpus ${ncpus})`);
      }
      out.set(exactSize(parseBytes(w!.value, `${what}: values[${j}].value`), valueSize, `${what}: values[${j}].value`), cpu * slot);
    });
  } else {
    const v = exactSize(parseBytes(entry.value, `${what}: value`), valueSize, `${what}: value`);
    for (let c = 0; c < ncpus; c++) out.set(v, c * slot);
  }
  return out;
}

function parseKeyU32(k: unknown, what: string): number {
  if (typeof k === "number") {
    if (!Number.isInteger(k) || k < 0 || k > 0xffffffff) throw new UsageError(`${what}: key ${k} is not a u32`);
    return k;
  }
  const b = exactSize(parseBytes(k, `${what}: key`), 4, `${what}: key`);
  return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function exactSize(b: Uint8Array, size: number, what: string): Uint8Array {
  if (b.length !== size) throw new UsageError(`${what}: has ${b.length} bytes, the map wants ${size}`);
  return b;
}

const ERRNO_NAMES: Record<number, string> = { 1: "EPERM", 2: "ENOENT", 7: "E2BIG", 9: "EBADF", 12: "ENOMEM", 17: "EEXIST", 19: "ENODEV", 22: "EINVAL", 95: "EOPNOTSUPP", 524: "ENOTSUPP" };

function check(rc: number, what: string): void {
  if (rc !== 0) throw new UsageError(`${what}: update failed: ${ERRNO_NAMES[-rc] ?? `errno ${-rc}`}`);
}
