// BPF_MAP_TYPE_PROG_ARRAY: tail-call table, slot → program index in ObjectSpec.programs (the user
// side stores that index as the u32 value where the kernel takes a program fd and reports an id).
// kernel/bpf/arraymap.c (bpf_fd_array_map_update_elem, fd_array_map_delete_elem).

import type { MapSpec } from "../../loader/types.js";
import type { AddressSpace, Region } from "../memory.js";
import {
  BPF_ANY, E2BIG, EBADF, EINVAL, ENOENT, EOPNOTSUPP, EPERM, type MapEntry, type ProgArrayMap,
} from "./bpf-map.js";
import { readU32, u32Key, nextIndexKey } from "./copy-bytes.js";
import { addHandleRegion, userCanRead, userCanWrite } from "./hash-map.js";
import { normFlags } from "./map-flags.js";

export class ProgArray implements ProgArrayMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region | null = null;
  readonly handleRegion: Region;
  readonly dumpable = false;
  readonly maxEntries: number;
  /** Program count of the object (valid user-side values are 0..count-1); -1 = unchecked. */
  readonly programCount: number;
  private readonly slots: Int32Array;

  constructor(spec: MapSpec, mem: AddressSpace, programCount = -1) {
    this.spec = spec;
    this.maxEntries = spec.maxEntries;
    this.programCount = programCount;
    this.slots = new Int32Array(spec.maxEntries).fill(-1);
    this.handleRegion = addHandleRegion(spec, mem);
  }

  program(slot: number): number {
    const i = slot >>> 0;
    return i < this.maxEntries ? this.slots[i] : -1;
  }

  setProgram(slot: number, progIndex: number): void {
    if (slot >>> 0 >= this.maxEntries) throw new RangeError(`${this.spec.name}: slot ${slot} outside 0..${this.maxEntries - 1}`);
    this.slots[slot] = progIndex;
  }

  // Programs only tail-call through a prog array; lookups return ERR_PTR(-EOPNOTSUPP) in the kernel.
  lookup(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -1;
  }

  update(_key: Uint8Array, _keyOff: number, _value: Uint8Array, _valueOff: number, _flags: number, _cpu: number): number {
    return -EOPNOTSUPP;
  }

  delete(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -EOPNOTSUPP;
  }

  /** The program index in the slot (the kernel returns the program's id). */
  userLookup(key: Uint8Array): Uint8Array | null {
    if (!userCanRead(this.spec) || key.length < 4) return null;
    const p = this.program(readU32(key, 0));
    return p < 0 ? null : u32Key(p);
  }

  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4 || value.length < 4) return -EINVAL;
    if (normFlags(flags) !== BPF_ANY) return -EINVAL;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -E2BIG;
    const p = readU32(value, 0);
    if (this.programCount >= 0 && p >= this.programCount) return -EBADF;
    this.slots[i] = p;
    return 0;
  }

  userDelete(key: Uint8Array): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4) return -EINVAL;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -E2BIG;
    if (this.slots[i] < 0) return -ENOENT;
    this.slots[i] = -1;
    return 0;
  }

  userNextKey(key: Uint8Array | null): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    return nextIndexKey(key, this.maxEntries);
  }

  /** Filled slots (value = program index); bpftool cannot dump prog arrays (dumpable false). */
  dump(): MapEntry[] {
    const out: MapEntry[] = [];
    for (let i = 0; i < this.maxEntries; i++) if (this.slots[i] >= 0) out.push({ key: u32Key(i), value: u32Key(this.slots[i]) });
    return out;
  }

  /** Empty, as freshly created (static `.values` initialisation is the loader's to re-apply). */
  reset(): void {
    this.slots.fill(-1);
  }
}
