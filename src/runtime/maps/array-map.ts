// BPF_MAP_TYPE_ARRAY / PERCPU_ARRAY and global data (.bss/.data/.rodata): every index exists, values
// in one MapValue region (round_up(value_size, 8) per element; per-CPU: index-major, a slot per CPU).
// kernel/bpf/arraymap.c (array_map_update_elem, bpf_percpu_array_update, array_map_get_next_key).

import type { MapSpec } from "../../loader/types.js";
import { MapType } from "../../loader/types.js";
import { RegionKind, type AddressSpace, type Region } from "../memory.js";
import {
  BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, EPERM, type BpfMap, type MapEntry,
} from "./bpf-map.js";
import { copyBytes, copyValue, readU32, readValue, roundUp8, u32Key, nextIndexKey } from "./copy-bytes.js";
import { addHandleRegion, progCanWrite, userCanRead, userCanWrite } from "./hash-map.js";
import { normFlags } from "./map-flags.js";
import { allocMapBuffer, mapStorageAttached } from "./map-storage.js";

export class ArrayMap implements BpfMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region;
  readonly handleRegion: Region;
  readonly dumpable = true;
  readonly ncpus: number;
  readonly percpu: boolean;
  readonly maxEntries: number;
  readonly valueSize: number;
  /** round_up(value_size, 8): the kernel's elem_size. */
  readonly stride: number;
  readonly elemBytes: number;
  readonly lockOff: number;
  private readonly vals: Uint8Array;
  /** Global data: the section image reset() restores. */
  private readonly initial: Uint8Array | null;

  constructor(spec: MapSpec, mem: AddressSpace, ncpus: number) {
    this.spec = spec;
    this.ncpus = ncpus;
    this.percpu = spec.type === MapType.PERCPU_ARRAY;
    this.maxEntries = spec.maxEntries;
    this.valueSize = spec.valueSize;
    this.stride = roundUp8(spec.valueSize);
    this.elemBytes = this.stride * (this.percpu ? ncpus : 1);
    this.lockOff = spec.spinLockOffset ?? -1;
    this.vals = new Uint8Array(allocMapBuffer(this.maxEntries * this.elemBytes));
    this.initial = spec.isGlobalData ? new Uint8Array(this.valueSize) : null;
    if (this.initial && spec.initialValue) this.initial.set(spec.initialValue.subarray(0, this.valueSize));
    if (this.initial && !mapStorageAttached()) this.vals.set(this.initial);
    const label = spec.isGlobalData ? `${spec.name} (global data)` : `map '${spec.name}' value`;
    this.valueRegion = mem.add(RegionKind.MapValue, this.vals, progCanWrite(spec), label, spec.index);
    this.handleRegion = addHandleRegion(spec, mem);
  }

  lookup(key: Uint8Array, keyOff: number, cpu: number): number {
    const i = (key[keyOff] | (key[keyOff + 1] << 8) | (key[keyOff + 2] << 16) | (key[keyOff + 3] << 24)) >>> 0;
    if (i >= this.maxEntries) return -1;
    if (!this.percpu) return i * this.elemBytes;
    if (cpu >>> 0 >= this.ncpus) return -1;
    return i * this.elemBytes + cpu * this.stride;
  }

  /** array_map_update_elem (programs; the syscall for ARRAY too). */
  update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number {
    const f = normFlags(flags);
    if (((f & ~BPF_F_LOCK) >>> 0) > BPF_EXIST) return -EINVAL;
    const i = readU32(key, keyOff);
    if (i >= this.maxEntries) return -E2BIG;
    if (f & BPF_NOEXIST) return -EEXIST;
    if (f & BPF_F_LOCK && this.lockOff < 0) return -EINVAL;
    if (this.percpu) {
      const c = cpu >>> 0 < this.ncpus ? cpu : 0;
      copyBytes(this.vals, i * this.elemBytes + c * this.stride, value, valueOff, this.valueSize);
    } else {
      copyValue(this.vals, i * this.elemBytes, value, valueOff, this.valueSize, this.lockOff);
    }
    return 0;
  }

  delete(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -EINVAL;
  }

  userLookup(key: Uint8Array): Uint8Array | null {
    if (!userCanRead(this.spec) || key.length < 4) return null;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return null;
    if (this.percpu) return this.vals.slice(i * this.elemBytes, (i + 1) * this.elemBytes);
    return readValue(this.vals, i * this.elemBytes, this.valueSize, this.lockOff);
  }

  /** Per-CPU values: ncpus × round_up(value_size, 8) bytes, every byte kept (copy_map_value_long). */
  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    const f = normFlags(flags);
    if (f & BPF_F_LOCK && this.lockOff < 0) return -EINVAL;
    if (key.length < 4 || value.length < (this.percpu ? this.elemBytes : this.valueSize)) return -EINVAL;
    if (!this.percpu) return this.update(key, 0, value, 0, f, 0);
    if (f > BPF_EXIST) return -EINVAL;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -E2BIG;
    if (f === BPF_NOEXIST) return -EEXIST;
    copyBytes(this.vals, i * this.elemBytes, value, 0, this.elemBytes);
    return 0;
  }

  userDelete(_key: Uint8Array): number {
    return userCanWrite(this.spec) ? -EINVAL : -EPERM;
  }

  /** array_map_get_next_key: index order; a missing or out-of-range key restarts at 0. */
  userNextKey(key: Uint8Array | null): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    return nextIndexKey(key, this.maxEntries);
  }

  dump(): MapEntry[] {
    const out: MapEntry[] = [];
    for (let i = 0; i < this.maxEntries; i++) {
      const base = i * this.elemBytes;
      if (this.percpu) {
        const values: Uint8Array[] = [];
        for (let c = 0; c < this.ncpus; c++) values.push(this.vals.slice(base + c * this.stride, base + c * this.stride + this.valueSize));
        out.push({ key: u32Key(i), values });
      } else {
        out.push({ key: u32Key(i), value: readValue(this.vals, base, this.valueSize, this.lockOff) });
      }
    }
    return out;
  }

  reset(): void {
    this.vals.fill(0);
    if (this.initial) this.vals.set(this.initial);
  }

  /**
   * Write bytes into a global-data map's image before the run (`--const`, which libbpf applies
   * before the kernel freezes .rodata): goes to the live value and to what reset() restores.
   */
  setGlobalBytes(offset: number, bytes: Uint8Array): void {
    if (offset < 0 || offset + bytes.length > this.valueSize) {
      throw new RangeError(`${this.spec.name}: bytes ${offset}..${offset + bytes.length} outside the ${this.valueSize}-byte section`);
    }
    this.vals.set(bytes, offset);
    this.initial?.set(bytes, offset);
  }
}
