// BPF_MAP_TYPE_HASH and PERCPU_HASH: preallocated elements indexed by an open-addressing KeyIndex,
// values in one MapValue region (per-CPU: element-major, one round_up(value_size, 8) slot per CPU).
// kernel/bpf/hashtab.c (htab_map_update_elem, htab_map_update_elem_in_place, free list, extra elems).

import type { MapSpec } from "../../loader/types.js";
import { MapType } from "../../loader/types.js";
import { RegionKind, type AddressSpace, type Region } from "../memory.js";
import {
  BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT, EPERM,
  type BpfMap, type MapEntry,
} from "./bpf-map.js";
import { copyBytes, copyValue, readValue, roundUp8 } from "./copy-bytes.js";
import { KeyIndex } from "./key-index.js";
import { BPF_F_RDONLY, BPF_F_RDONLY_PROG, BPF_F_WRONLY, normFlags } from "./map-flags.js";
import { allocMapBuffer, mapStorageAttached } from "./map-storage.js";

/** The syscall side refuses writes to BPF_F_RDONLY maps and frozen (.rodata) maps with EPERM. */
export function userCanWrite(spec: MapSpec): boolean {
  return !(spec.flags & BPF_F_RDONLY) && !spec.readOnly;
}

/** The syscall side refuses reads (lookup, get_next_key) of BPF_F_WRONLY maps with EPERM. */
export function userCanRead(spec: MapSpec): boolean {
  return !(spec.flags & BPF_F_WRONLY);
}

/** Programs may not write BPF_F_RDONLY_PROG maps nor frozen global data. */
export function progCanWrite(spec: MapSpec): boolean {
  return !(spec.flags & BPF_F_RDONLY_PROG) && !spec.readOnly;
}

/** The handle region every map gets (its id is what a CONST_PTR_TO_MAP carries). */
export function addHandleRegion(spec: MapSpec, mem: AddressSpace): Region {
  return mem.add(RegionKind.MapHandle, new Uint8Array(0), false, `map '${spec.name}'`, spec.index);
}

/**
 * State and read paths shared by the hash families (HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH):
 * element e's value for cpu c lives at e * elemBytes + c * stride of valueRegion.
 */
export abstract class HtabBase implements BpfMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region;
  readonly handleRegion: Region;
  readonly dumpable = true;
  readonly ncpus: number;
  readonly percpu: boolean;
  readonly valueSize: number;
  /** round_up(value_size, 8): per-CPU slot size and element alignment. */
  readonly stride: number;
  /** Bytes per element in valueRegion (stride, or stride * ncpus for per-CPU maps). */
  readonly elemBytes: number;
  readonly elems: number;
  readonly index: KeyIndex;
  /** Offset of the value's spin lock, -1 when none. */
  readonly lockOff: number;
  protected readonly vals: Uint8Array;

  constructor(spec: MapSpec, mem: AddressSpace, ncpus: number, percpu: boolean, elems: number, maxEntries: number) {
    this.spec = spec;
    this.ncpus = ncpus;
    this.percpu = percpu;
    this.valueSize = spec.valueSize;
    this.stride = roundUp8(spec.valueSize);
    this.elemBytes = this.stride * (percpu ? ncpus : 1);
    this.elems = elems;
    this.lockOff = spec.spinLockOffset ?? -1;
    this.index = new KeyIndex(spec.keySize, elems, maxEntries);
    this.vals = new Uint8Array(allocMapBuffer(elems * this.elemBytes));
    this.valueRegion = mem.add(RegionKind.MapValue, this.vals, progCanWrite(spec), `map '${spec.name}' value`, spec.index);
    this.handleRegion = addHandleRegion(spec, mem);
  }

  abstract lookup(key: Uint8Array, keyOff: number, cpu: number): number;
  abstract update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number;
  abstract delete(key: Uint8Array, keyOff: number, cpu: number): number;
  abstract userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number;
  abstract userDelete(key: Uint8Array): number;
  abstract reset(): void;

  /** Per-CPU value write: this cpu gets the value, the others zeros (pcpu_init_value, !onallcpus). */
  protected initPercpu(e: number, src: Uint8Array, srcOff: number, cpu: number): void {
    const base = e * this.elemBytes;
    for (let c = 0; c < this.ncpus; c++) {
      const off = base + c * this.stride;
      if (c === cpu) copyBytes(this.vals, off, src, srcOff, this.valueSize);
      else this.vals.fill(0, off, off + this.valueSize);
    }
  }

  /** Per-CPU value write from the syscall: ncpus round_up(value_size, 8) slots (copy_map_value_long). */
  protected copyAllCpus(e: number, src: Uint8Array): void {
    copyBytes(this.vals, e * this.elemBytes, src, 0, this.elemBytes);
  }

  /** check_flags(): 0, -EEXIST or -ENOENT. `f` has BPF_F_LOCK cleared. */
  protected static checkFlags(exists: boolean, f: number): number {
    if (exists && f === BPF_NOEXIST) return -EEXIST;
    if (!exists && f === BPF_EXIST) return -ENOENT;
    return 0;
  }

  /** Syscall-level checks of BPF_MAP_UPDATE_ELEM before the map's own: 0 or -errno. */
  protected userUpdateGate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (normFlags(flags) & BPF_F_LOCK && this.lockOff < 0) return -EINVAL;
    if (key.length < this.spec.keySize || value.length < (this.percpu ? this.elemBytes : this.valueSize)) return -EINVAL;
    return 0;
  }

  userLookup(key: Uint8Array): Uint8Array | null {
    if (!userCanRead(this.spec) || key.length < this.spec.keySize) return null;
    const e = this.index.find(this.index.loadKey(key, 0));
    if (e < 0) return null;
    if (this.percpu) return this.vals.slice(e * this.elemBytes, (e + 1) * this.elemBytes);
    return readValue(this.vals, e * this.elemBytes, this.valueSize, this.lockOff);
  }

  /**
   * Table-slot order: deterministic (the hash has no random seed) but unrelated to the kernel's,
   * whose bucket order depends on a per-map random hashrnd. A key not in the map restarts at the
   * first entry, as htab_map_get_next_key does.
   */
  userNextKey(key: Uint8Array | null): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    let from = 0;
    if (key !== null && key.length >= this.spec.keySize) {
      const slot = this.index.findSlot(this.index.loadKey(key, 0));
      if (slot >= 0) from = slot + 1;
    }
    const s = this.index.nextSlot(from);
    return s < 0 ? null : this.index.keyBytes(this.index.slotElem[s]);
  }

  dump(): MapEntry[] {
    const out: MapEntry[] = [];
    for (let s = this.index.nextSlot(0); s >= 0; s = this.index.nextSlot(s + 1)) {
      const e = this.index.slotElem[s];
      const key = this.index.keyBytes(e);
      if (this.percpu) {
        const values: Uint8Array[] = [];
        for (let c = 0; c < this.ncpus; c++) {
          const off = e * this.elemBytes + c * this.stride;
          values.push(this.vals.slice(off, off + this.valueSize));
        }
        out.push({ key, values });
      } else {
        out.push({ key, value: readValue(this.vals, e * this.elemBytes, this.valueSize, this.lockOff) });
      }
    }
    return out;
  }

  /** Number of entries in the map. */
  get size(): number {
    return this.index.count;
  }
}

/** HASH / PERCPU_HASH with the kernel's preallocated free list (full map: -E2BIG). */
export class HashMap extends HtabBase {
  private readonly free: Int32Array;
  /** Top of the free list (protected: the shared variant keeps it in shared memory between locks). */
  protected freeTop = 0;
  /** Non-per-CPU maps: each CPU's spare element that replaces an existing one on update. */
  private readonly extra: Int32Array;

  constructor(spec: MapSpec, mem: AddressSpace, ncpus: number) {
    const percpu = spec.type === MapType.PERCPU_HASH;
    super(spec, mem, ncpus, percpu, spec.maxEntries + (percpu ? 0 : ncpus), spec.maxEntries);
    this.free = new Int32Array(allocMapBuffer(spec.maxEntries * 4));
    this.extra = new Int32Array(allocMapBuffer((percpu ? 0 : ncpus) * 4));
    if (!mapStorageAttached()) this.resetState();
  }

  private resetState(): void {
    this.index.clear();
    const max = this.spec.maxEntries;
    for (let i = 0; i < max; i++) this.free[i] = max - 1 - i;
    this.freeTop = max;
    for (let c = 0; c < this.extra.length; c++) this.extra[c] = max + c;
  }

  reset(): void {
    this.vals.fill(0);
    this.resetState();
  }

  lookup(key: Uint8Array, keyOff: number, cpu: number): number {
    const e = this.index.find(this.index.loadKey(key, keyOff));
    if (e < 0) return -1;
    if (!this.percpu) return e * this.elemBytes;
    if (cpu >>> 0 >= this.ncpus) return -1;
    return e * this.elemBytes + cpu * this.stride;
  }

  update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number {
    const f = normFlags(flags);
    const h = this.index.loadKey(key, keyOff);
    const c = cpu >>> 0 < this.ncpus ? cpu : 0;
    if (this.percpu) {
      if (f > BPF_EXIST) return -EINVAL;
      return this.putPercpu(h, value, valueOff, f, c, false);
    }
    return this.put(h, value, valueOff, f, c);
  }

  /** htab_map_update_elem (non-per-CPU): replacing a key swaps in this CPU's extra element. */
  private put(h: number, src: Uint8Array, srcOff: number, f: number, cpu: number): number {
    const fl = (f & ~BPF_F_LOCK) >>> 0;
    if (fl > BPF_EXIST) return -EINVAL;
    const locked = (f & BPF_F_LOCK) !== 0;
    if (locked && this.lockOff < 0) return -EINVAL;
    const slot = this.index.findSlot(h);
    const old = slot < 0 ? -1 : this.index.slotElem[slot];
    const err = HtabBase.checkFlags(old >= 0, fl);
    if (err) return err;
    if (old >= 0 && locked) {
      copyValue(this.vals, old * this.elemBytes, src, srcOff, this.valueSize, this.lockOff);
      return 0;
    }
    if (old >= 0) {
      const e = this.extra[cpu];
      this.extra[cpu] = old;
      copyValue(this.vals, e * this.elemBytes, src, srcOff, this.valueSize, this.lockOff);
      this.index.replace(slot, h, e);
      return 0;
    }
    if (this.freeTop === 0) return -E2BIG;
    const e = this.free[--this.freeTop];
    copyValue(this.vals, e * this.elemBytes, src, srcOff, this.valueSize, this.lockOff);
    this.index.insert(h, e);
    return 0;
  }

  /** htab_map_update_elem_in_place (per-CPU): existing values are overwritten where they are. */
  private putPercpu(h: number, src: Uint8Array, srcOff: number, f: number, cpu: number, allCpus: boolean): number {
    const old = this.index.find(h);
    const err = HtabBase.checkFlags(old >= 0, f);
    if (err) return err;
    let e = old;
    if (e < 0) {
      if (this.freeTop === 0) return -E2BIG;
      e = this.free[--this.freeTop];
      this.index.insert(h, e);
      if (!allCpus) {
        this.initPercpu(e, src, srcOff, cpu);
        return 0;
      }
    }
    if (allCpus) this.copyAllCpus(e, src);
    else copyBytes(this.vals, e * this.elemBytes + cpu * this.stride, src, srcOff, this.valueSize);
    return 0;
  }

  delete(key: Uint8Array, keyOff: number, _cpu: number): number {
    const slot = this.index.findSlot(this.index.loadKey(key, keyOff));
    if (slot < 0) return -ENOENT;
    const e = this.index.slotElem[slot];
    this.index.removeSlot(slot);
    this.free[this.freeTop++] = e;
    return 0;
  }

  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    const gate = this.userUpdateGate(key, value, flags);
    if (gate) return gate;
    const f = normFlags(flags);
    const h = this.index.loadKey(key, 0);
    if (this.percpu) {
      if (f > BPF_EXIST) return -EINVAL;
      return this.putPercpu(h, value, 0, f, 0, true);
    }
    return this.put(h, value, 0, f, 0);
  }

  userDelete(key: Uint8Array): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < this.spec.keySize) return -EINVAL;
    return this.delete(key, 0, 0);
  }
}
