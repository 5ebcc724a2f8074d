// Map helpers: lookup/update/delete, queue/stack push/pop/peek and per-CPU lookup, by helper id;
// keys and values are read from (and written to) simulated memory without copies or allocation.
// Kernel reference: kernel/bpf/helpers.c (bpf_map_*_elem), kernel/bpf/queue_stack_maps.c.

import { BpfFault } from "../../errors.js";
import { MapType } from "../../loader/types.js";
import type { HelperFn } from "../runtime.js";
import { EINVAL, type BpfMap, type QueueStackMap } from "../maps/bpf-map.js";
import { mapArg, memArg, retInt } from "./helper-abi.js";

function isPerCpu(type: number): boolean {
  return type === MapType.PERCPU_ARRAY || type === MapType.PERCPU_HASH || type === MapType.LRU_PERCPU_HASH ||
    type === MapType.PERCPU_CGROUP_STORAGE;
}

function queueStack(m: BpfMap, helper: string): QueueStackMap {
  if (m.spec.type !== MapType.QUEUE && m.spec.type !== MapType.STACK) {
    throw new BpfFault(`${helper}: map '${m.spec.name}' is not a queue or stack`);
  }
  return m as QueueStackMap;
}

/** r0 = pointer to the value at `off` in the map's value region, or NULL when off < 0. */
function retValue(r: Uint32Array, m: BpfMap, off: number, helper: string): void {
  if (off < 0) {
    r[0] = 0;
    r[1] = 0;
    return;
  }
  const vr = m.valueRegion;
  if (vr === null) throw new BpfFault(`${helper}: values of map '${m.spec.name}' are not addressable`);
  r[0] = off;
  r[1] = vr.id;
}

/** bpf_map_lookup_elem(map, key) — helper 1: value pointer (this CPU's for per-CPU maps) or NULL. */
export const mapLookupElem: HelperFn = (rt, r) => {
  const m = mapArg(rt, r, 1, "bpf_map_lookup_elem");
  const key = memArg(rt, r, 2, m.spec.keySize, false);
  retValue(r, m, m.lookup(key.bytes, r[4], rt.cpu), "bpf_map_lookup_elem");
};

/** bpf_map_update_elem(map, key, value, u64 flags) — helper 2: 0 or -errno (flags ≥ 2^32: -EINVAL). */
export const mapUpdateElem: HelperFn = (rt, r) => {
  const m = mapArg(rt, r, 1, "bpf_map_update_elem");
  const key = memArg(rt, r, 2, m.spec.keySize, false);
  const value = memArg(rt, r, 3, m.spec.valueSize, false);
  if (r[9] !== 0) return retInt(r, -EINVAL);
  retInt(r, m.update(key.bytes, r[4], value.bytes, r[6], r[8], rt.cpu));
};

/** bpf_map_delete_elem(map, key) — helper 3: 0 or -errno. */
export const mapDeleteElem: HelperFn = (rt, r) => {
  const m = mapArg(rt, r, 1, "bpf_map_delete_elem");
  const key = memArg(rt, r, 2, m.spec.keySize, false);
  retInt(r, m.delete(key.bytes, r[4], rt.cpu));
};

/** bpf_map_push_elem(map, value, u64 flags) — helper 87 (QUEUE/STACK). */
export const mapPushElem: HelperFn = (rt, r) => {
  const m = queueStack(mapArg(rt, r, 1, "bpf_map_push_elem"), "bpf_map_push_elem");
  const value = memArg(rt, r, 2, m.spec.valueSize, false);
  if (r[7] !== 0) return retInt(r, -EINVAL);
  retInt(r, m.push(value.bytes, r[4], r[6]));
};

/** bpf_map_pop_elem(map, value) — helper 88: -ENOENT (value zeroed) when empty. */
export const mapPopElem: HelperFn = (rt, r) => {
  const m = queueStack(mapArg(rt, r, 1, "bpf_map_pop_elem"), "bpf_map_pop_elem");
  const value = memArg(rt, r, 2, m.spec.valueSize, true);
  retInt(r, m.pop(value.bytes, r[4]));
};

/** bpf_map_peek_elem(map, value) — helper 89: -ENOENT (value zeroed) when empty. */
export const mapPeekElem: HelperFn = (rt, r) => {
  const m = queueStack(mapArg(rt, r, 1, "bpf_map_peek_elem"), "bpf_map_peek_elem");
  const value = memArg(rt, r, 2, m.spec.valueSize, true);
  retInt(r, m.peek(value.bytes, r[4]));
};

/** bpf_map_lookup_percpu_elem(map, key, u32 cpu) — helper 195: NULL when cpu ≥ possible CPUs. */
export const mapLookupPercpuElem: HelperFn = (rt, r) => {
  const m = mapArg(rt, r, 1, "bpf_map_lookup_percpu_elem");
  if (!isPerCpu(m.spec.type)) {
    throw new BpfFault(`bpf_map_lookup_percpu_elem: map '${m.spec.name}' is not a per-CPU map`);
  }
  const key = memArg(rt, r, 2, m.spec.keySize, false);
  const cpu = r[6];
  if (cpu >= rt.opts.ncpus) {
    r[0] = 0;
    r[1] = 0;
    return;
  }
  retValue(r, m, m.lookup(key.bytes, r[4], cpu), "bpf_map_lookup_percpu_elem");
};

/** Helper id → implementation for this family. */
export const MAP_HELPERS: [number, HelperFn][] = [
  [1, mapLookupElem],
  [2, mapUpdateElem],
  [3, mapDeleteElem],
  [87, mapPushElem],
  [88, mapPopElem],
  [89, mapPeekElem],
  [195, mapLookupPercpuElem],
];
