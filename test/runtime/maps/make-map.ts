// Test support for the map tests: MapSpec literals with defaults, simulated maps in a fresh
// address space, byte helpers and a seeded PRNG for the model-based tests.

import type { MapSpec } from "../../../src/loader/types.js";
import { AddressSpace } from "../../../src/runtime/memory.js";
import type { BpfMap } from "../../../src/runtime/maps/bpf-map.js";
import { createMap, type CreateMapOptions } from "../../../src/runtime/maps/create-map.js";

export function makeSpec(over: Partial<MapSpec> & Pick<MapSpec, "type">): MapSpec {
  return {
    index: 0, name: "m", keySize: 4, valueSize: 4, maxEntries: 4, flags: 0, btfKeyTypeId: 0, btfValueTypeId: 0,
    isGlobalData: false, readOnly: false, pinning: 0, numaNode: 0, ...over,
  };
}

/** A map of the given definition in its own address space. */
export function makeMap<T extends BpfMap = BpfMap>(
  over: Partial<MapSpec> & Pick<MapSpec, "type">, ncpus = 1, opts: CreateMapOptions = {},
): { map: T; mem: AddressSpace } {
  const mem = new AddressSpace();
  return { map: createMap(makeSpec(over), mem, ncpus, opts) as T, mem };
}

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function hex(b: Uint8Array | null): string | null {
  return b === null ? null : Buffer.from(b).toString("hex");
}

export function fromHex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, "hex"));
}

/** u32 prefixlen + address bytes: an LPM trie key. */
export function lpmKey(prefixlen: number, ...octets: number[]): Uint8Array {
  return new Uint8Array([...u32(prefixlen), ...octets]);
}

/** Deterministic xorshift32 generator: next() in [0, 2^32), below(n) in [0, n). */
export function prng(seed: number): { next(): number; below(n: number): number } {
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return { next, below: (n) => next() % n };
}

/** Every key of a map by walking userNextKey from null (guarded against cycles). */
export function walkKeys(map: BpfMap, limit = 1 << 20): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let k = map.userNextKey(null); k !== null; k = map.userNextKey(k)) {
    out.push(k);
    if (out.length > limit) throw new Error("userNextKey does not terminate");
  }
  return out;
}
