// BPF_MAP_TYPE_DEVMAP (slot array) and DEVMAP_HASH (ifindex-keyed bucket lists): redirect targets
// holding struct bpf_devmap_val {ifindex, prog id}, read-only to programs (BPF_F_RDONLY_PROG).
// kernel/bpf/devmap.c (__dev_map_update_elem, __dev_map_hash_update_elem, *_get_next_key).

import type { MapSpec } from "../../loader/types.js";
import { RegionKind, type AddressSpace, type Region } from "../memory.js";
import {
  BPF_EXIST, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT, EOPNOTSUPP, EPERM,
  type MapEntry, type RedirectMap,
} from "./bpf-map.js";
import { readU32, u32Key, writeU32, nextIndexKey } from "./copy-bytes.js";
import { addHandleRegion, userCanRead, userCanWrite } from "./hash-map.js";
import { normFlags } from "./map-flags.js";

/** sizeof(struct bpf_devmap_val): what a program's lookup points to. */
const DEVMAP_VAL = 8;

/** Who may be a devmap target: the simulated host's devices and xdp/devmap programs. */
export interface DevmapEnv {
  /** Whether the simulated host has this ifindex (dev_get_by_index). */
  hasDevice(ifindex: number): boolean;
  /**
   * A devmap program for `fd` (struct bpf_devmap_val.bpf_prog.fd > 0): its id as lookups report
   * it, or -1 when fd names no program of type BPF_XDP_DEVMAP (update fails with EINVAL).
   */
  devmapProgram(fd: number): number;
}

/** Shared parts: read-only value region of bpf_devmap_val slots, user-side value decoding. */
abstract class DevmapBase implements RedirectMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region;
  readonly handleRegion: Region;
  readonly dumpable = true;
  readonly valueSize: number;
  protected readonly vals: Uint8Array;
  protected readonly env: DevmapEnv;

  constructor(spec: MapSpec, mem: AddressSpace, env: DevmapEnv, slots: number) {
    this.spec = spec;
    this.valueSize = spec.valueSize;
    this.env = env;
    this.vals = new Uint8Array(slots * DEVMAP_VAL);
    this.valueRegion = mem.add(RegionKind.MapValue, this.vals, false, `map '${spec.name}' value`, spec.index);
    this.handleRegion = addHandleRegion(spec, mem);
  }

  abstract lookup(key: Uint8Array, keyOff: number, cpu: number): number;
  abstract target(key: number): number;
  abstract userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number;
  abstract userDelete(key: Uint8Array): number;
  abstract userNextKey(key: Uint8Array | null): Uint8Array | null;
  abstract reset(): void;

  /** __dev_map_alloc_node: fill value slot s, or -EINVAL (no such device / not a devmap program). */
  protected fillSlot(s: number, ifindex: number, progFd: number): number {
    if (!this.env.hasDevice(ifindex)) return -EINVAL;
    let progId = 0;
    if (progFd > 0) {
      progId = this.env.devmapProgram(progFd);
      if (progId < 0) return -EINVAL;
    }
    writeU32(this.vals, s * DEVMAP_VAL, ifindex);
    writeU32(this.vals, s * DEVMAP_VAL + 4, progId);
    return 0;
  }

  protected progFd(value: Uint8Array): number {
    return this.valueSize === 8 ? readU32(value, 4) | 0 : 0;
  }

  protected slotValue(s: number): Uint8Array {
    return this.vals.slice(s * DEVMAP_VAL, s * DEVMAP_VAL + this.valueSize);
  }

  // Programs may only look devmaps up (and redirect to them): the verifier refuses the rest.
  update(_key: Uint8Array, _keyOff: number, _value: Uint8Array, _valueOff: number, _flags: number, _cpu: number): number {
    return -EOPNOTSUPP;
  }

  delete(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -EOPNOTSUPP;
  }

  userLookup(key: Uint8Array): Uint8Array | null {
    if (!userCanRead(this.spec) || key.length < 4) return null;
    const off = this.lookup(key, 0, 0);
    return off < 0 ? null : this.vals.slice(off, off + this.valueSize);
  }

  /** Filled slots only, in get_next_key order (bpftool skips the ENOENT ones). */
  dump(): MapEntry[] {
    const out: MapEntry[] = [];
    for (let k = this.userNextKey(null); k !== null; k = this.userNextKey(k)) {
      const v = this.userLookup(k);
      if (v) out.push({ key: k, value: v });
    }
    return out;
  }
}

/** DEVMAP: index → device. */
export class DevMap extends DevmapBase {
  readonly maxEntries: number;
  private readonly filled: Uint8Array;

  constructor(spec: MapSpec, mem: AddressSpace, env: DevmapEnv) {
    super(spec, mem, env, spec.maxEntries);
    this.maxEntries = spec.maxEntries;
    this.filled = new Uint8Array(spec.maxEntries);
  }

  lookup(key: Uint8Array, keyOff: number, _cpu: number): number {
    const i = readU32(key, keyOff);
    return i < this.maxEntries && this.filled[i] ? i * DEVMAP_VAL : -1;
  }

  target(key: number): number {
    const i = key >>> 0;
    return i < this.maxEntries && this.filled[i] ? readU32(this.vals, i * DEVMAP_VAL) : -1;
  }

  /** Target ifindexes in slot order (BPF_F_BROADCAST). */
  targets(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.maxEntries; i++) if (this.filled[i]) out.push(readU32(this.vals, i * DEVMAP_VAL));
    return out;
  }

  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4 || value.length < this.valueSize) return -EINVAL;
    const f = normFlags(flags);
    if (f > BPF_EXIST) return -EINVAL;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -E2BIG;
    if (f === BPF_NOEXIST) return -EEXIST;
    const ifindex = readU32(value, 0);
    const fd = this.progFd(value);
    if (ifindex === 0) {
      if (fd > 0) return -EINVAL;
      this.filled[i] = 0;
      this.vals.fill(0, i * DEVMAP_VAL, (i + 1) * DEVMAP_VAL);
      return 0;
    }
    const err = this.fillSlot(i, ifindex, fd);
    if (err) return err;
    this.filled[i] = 1;
    return 0;
  }

  userDelete(key: Uint8Array): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4) return -EINVAL;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -EINVAL;
    this.filled[i] = 0;
    return 0;
  }

  /** dev_map_get_next_key: every index (empty ones too), a missing key restarts at 0. */
  userNextKey(key: Uint8Array | null): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    return nextIndexKey(key, this.maxEntries);
  }

  reset(): void {
    this.filled.fill(0);
    this.vals.fill(0);
  }
}

/** DEVMAP_HASH: key (any u32) → device, in the kernel's buckets so get_next_key order matches. */
export class DevMapHash extends DevmapBase {
  readonly maxEntries: number;
  private readonly nBuckets: number;
  private readonly bucketHead: Int32Array;
  private readonly nextInBucket: Int32Array;
  private readonly keyOf: Uint32Array;
  /** max_entries + 1 slots: a replaced entry's new node is allocated before the old one goes. */
  private readonly freeSlots: Int32Array;
  private freeTop = 0;
  private items = 0;

  constructor(spec: MapSpec, mem: AddressSpace, env: DevmapEnv) {
    super(spec, mem, env, spec.maxEntries + 1);
    this.maxEntries = spec.maxEntries;
    let nb = 1;
    while (nb < spec.maxEntries) nb *= 2;
    this.nBuckets = nb;
    this.bucketHead = new Int32Array(nb);
    this.nextInBucket = new Int32Array(spec.maxEntries + 1);
    this.keyOf = new Uint32Array(spec.maxEntries + 1);
    this.freeSlots = new Int32Array(spec.maxEntries + 1);
    this.reset();
  }

  reset(): void {
    this.vals.fill(0);
    this.bucketHead.fill(-1);
    const n = this.freeSlots.length;
    for (let i = 0; i < n; i++) this.freeSlots[i] = n - 1 - i;
    this.freeTop = n;
    this.items = 0;
  }

  private find(k: number): number {
    for (let s = this.bucketHead[k & (this.nBuckets - 1)]; s >= 0; s = this.nextInBucket[s]) {
      if (this.keyOf[s] === k) return s;
    }
    return -1;
  }

  private unlink(s: number): void {
    const b = this.keyOf[s] & (this.nBuckets - 1);
    if (this.bucketHead[b] === s) {
      this.bucketHead[b] = this.nextInBucket[s];
      return;
    }
    for (let p = this.bucketHead[b]; p >= 0; p = this.nextInBucket[p]) {
      if (this.nextInBucket[p] === s) {
        this.nextInBucket[p] = this.nextInBucket[s];
        return;
      }
    }
  }

  lookup(key: Uint8Array, keyOff: number, _cpu: number): number {
    const s = this.find(readU32(key, keyOff));
    return s < 0 ? -1 : s * DEVMAP_VAL;
  }

  target(key: number): number {
    const s = this.find(key >>> 0);
    return s < 0 ? -1 : readU32(this.vals, s * DEVMAP_VAL);
  }

  /** Target ifindexes in bucket order (BPF_F_BROADCAST). */
  targets(): number[] {
    const out: number[] = [];
    for (let b = 0; b < this.nBuckets; b++) {
      for (let s = this.bucketHead[b]; s >= 0; s = this.nextInBucket[s]) out.push(readU32(this.vals, s * DEVMAP_VAL));
    }
    return out;
  }

  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4 || value.length < this.valueSize) return -EINVAL;
    const f = normFlags(flags);
    const ifindex = readU32(value, 0);
    if (f > BPF_EXIST || ifindex === 0) return -EINVAL;
    const k = readU32(key, 0);
    const old = this.find(k);
    if (old >= 0 && f & BPF_NOEXIST) return -EEXIST;
    const s = this.freeSlots[this.freeTop - 1];
    const err = this.fillSlot(s, ifindex, this.progFd(value));
    if (err) return err;
    if (old >= 0) {
      this.unlink(old);
      this.freeSlots[this.freeTop - 1] = old;
    } else {
      if (this.items >= this.maxEntries) return -E2BIG;
      this.items++;
      this.freeTop--;
    }
    this.keyOf[s] = k;
    const b = k & (this.nBuckets - 1);
    this.nextInBucket[s] = this.bucketHead[b];
    this.bucketHead[b] = s;
    return 0;
  }

  userDelete(key: Uint8Array): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4) return -EINVAL;
    const s = this.find(readU32(key, 0));
    if (s < 0) return -ENOENT;
    this.unlink(s);
    this.freeSlots[this.freeTop++] = s;
    this.items--;
    return 0;
  }

  /** dev_map_hash_get_next_key: bucket by bucket, newest first in a bucket; unknown key → first. */
  userNextKey(key: Uint8Array | null): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    let b = 0;
    if (key !== null && key.length >= 4) {
      const k = readU32(key, 0);
      const s = this.find(k);
      if (s >= 0) {
        const n = this.nextInBucket[s];
        if (n >= 0) return u32Key(this.keyOf[n]);
        b = (k & (this.nBuckets - 1)) + 1;
      }
    }
    for (; b < this.nBuckets; b++) if (this.bucketHead[b] >= 0) return u32Key(this.keyOf[this.bucketHead[b]]);
    return null;
  }
}
