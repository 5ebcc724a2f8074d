// Variants of the hash and LPM families for maps shared between worker threads (--queues N): their
// state lives in SharedArrayBuffers (map-storage.ts) and every operation on the shared index/free
// lists/LRU lists runs under one lock word per map. kernel/bpf/hashtab.c takes a per-bucket raw
// spinlock (htab_lock_bucket) and bpf_lru_list.c a per-list / per-CPU-local lock; one lock per map
// serialises more than the kernel does, but gives the same results for the same operation order.

import { BpfFault } from "../../errors.js";
import type { MapSpec } from "../../loader/types.js";
import type { AddressSpace } from "../memory.js";
import type { MapEntry } from "./bpf-map.js";
import { HashMap } from "./hash-map.js";
import { LpmTrieMap } from "./lpm-trie-map.js";
import { LruHashMap } from "./lru-hash-map.js";
import { allocMapBuffer, lockShared, mapStorageAttached, unlockShared } from "./map-storage.js";

/** ctl word layout: [0] lock, [1] free-list top, [2] entry count, [3] sequence, [4..] LRU list scalars. */
const LOCK = 0;
const FREE_TOP = 1;
const COUNT = 2;
/** Odd while a writer changes the index (a seqlock: program lookups read without the lock and retry). */
const SEQ = 3;
const LRU_AT = 4;
/** Lookups retried this often against writers take the lock instead. */
const READ_TRIES = 32;

/**
 * What the lock wrapper wraps of a hash-family map (HashMap, LruHashMap): BpfMap's operations, spelled
 * as methods (a Pick of BpfMap would make them properties, which a class cannot override with methods).
 */
interface HtabOps {
  lookup(key: Uint8Array, keyOff: number, cpu: number): number;
  update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number;
  delete(key: Uint8Array, keyOff: number, cpu: number): number;
  userLookup(key: Uint8Array): Uint8Array | null;
  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number;
  userDelete(key: Uint8Array): number;
  userNextKey(key: Uint8Array | null): Uint8Array | null;
  dump(): MapEntry[];
  reset(): void;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type HtabCtor = abstract new (...args: any[]) => HtabOps;

/**
 * The shared-storage protocol around a hash-family map class: every operation that changes (or walks)
 * the index runs under the map's lock word, with the per-map scalars (free-list top, entry count, LRU
 * list counters) loaded from `ctl` before and saved after. Program lookups are lock-free like the
 * kernel's (RCU there, a sequence counter here): the open-addressing index moves entries on delete
 * (backward shift), so a lookup that overlapped a writer is retried, and after READ_TRIES retries done
 * under the lock.
 */
function withSharedLock<TBase extends HtabCtor>(Base: TBase) {
  abstract class Locked extends Base {
    /** The map's shared control words (see the layout above); set by the subclass constructor. */
    abstract readonly ctl: Int32Array;
    /** Per-map scalars from / to ctl (called under the lock). */
    abstract loadShared(): void;
    abstract saveShared(): void;

    enterShared(): void {
      lockShared(this.ctl, LOCK);
      this.loadShared();
      Atomics.add(this.ctl, SEQ, 1);
    }

    leaveShared(): void {
      this.saveShared();
      Atomics.add(this.ctl, SEQ, 1);
      unlockShared(this.ctl, LOCK);
    }

    override lookup(key: Uint8Array, keyOff: number, cpu: number): number {
      const ctl = this.ctl;
      for (let t = 0; t < READ_TRIES; t++) {
        const seq = Atomics.load(ctl, SEQ);
        if ((seq & 1) !== 0) continue;
        const r = super.lookup(key, keyOff, cpu);
        if (Atomics.load(ctl, SEQ) === seq) return r;
      }
      this.enterShared();
      try { return super.lookup(key, keyOff, cpu); } finally { this.leaveShared(); }
    }
    override update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number {
      this.enterShared();
      try { return super.update(key, keyOff, value, valueOff, flags, cpu); } finally { this.leaveShared(); }
    }
    override delete(key: Uint8Array, keyOff: number, cpu: number): number {
      this.enterShared();
      try { return super.delete(key, keyOff, cpu); } finally { this.leaveShared(); }
    }
    override userLookup(key: Uint8Array): Uint8Array | null {
      this.enterShared();
      try { return super.userLookup(key); } finally { this.leaveShared(); }
    }
    override userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
      this.enterShared();
      try { return super.userUpdate(key, value, flags); } finally { this.leaveShared(); }
    }
    override userDelete(key: Uint8Array): number {
      this.enterShared();
      try { return super.userDelete(key); } finally { this.leaveShared(); }
    }
    override userNextKey(key: Uint8Array | null): Uint8Array | null {
      this.enterShared();
      try { return super.userNextKey(key); } finally { this.leaveShared(); }
    }
    override dump(): MapEntry[] {
      this.enterShared();
      try { return super.dump(); } finally { this.leaveShared(); }
    }
    override reset(): void {
      this.enterShared();
      try { super.reset(); } finally { this.leaveShared(); }
    }
  }
  return Locked;
}

/** HASH / PERCPU_HASH over shared storage (see withSharedLock). */
export class SharedHashMap extends withSharedLock(HashMap) {
  readonly ctl: Int32Array;

  constructor(spec: MapSpec, mem: AddressSpace, ncpus: number) {
    super(spec, mem, ncpus);
    this.ctl = new Int32Array(allocMapBuffer(4 * LRU_AT));
    if (!mapStorageAttached()) this.saveShared();
  }

  loadShared(): void {
    this.freeTop = this.ctl[FREE_TOP];
    this.index.count = this.ctl[COUNT];
  }

  saveShared(): void {
    this.ctl[FREE_TOP] = this.freeTop;
    this.ctl[COUNT] = this.index.count;
  }

  override get size(): number {
    return Atomics.load(this.ctl, COUNT);
  }
}

/**
 * LRU_HASH / LRU_PERCPU_HASH over shared storage (see withSharedLock): the LRU lists (prev/next/type/ref
 * arrays, local free lists) are shared and updated under the map's lock. Each worker pops free nodes
 * through its own CPU's local list, as the kernel does; eviction order can differ from a one-CPU replay
 * because nodes are handed out in per-CPU batches and lock order depends on thread timing. Lookups set
 * the node's ref bit without the lock, as bpf_lru_node_set_ref does.
 */
export class SharedLruHashMap extends withSharedLock(LruHashMap) {
  readonly ctl: Int32Array;

  constructor(spec: MapSpec, mem: AddressSpace, ncpus: number) {
    super(spec, mem, ncpus);
    this.ctl = new Int32Array(allocMapBuffer(4 * (LRU_AT + this.lru.scalarCount)));
    if (!mapStorageAttached()) this.saveShared();
  }

  loadShared(): void {
    this.index.count = this.ctl[COUNT];
    this.lru.loadScalars(this.ctl, LRU_AT);
  }

  saveShared(): void {
    this.ctl[COUNT] = this.index.count;
    this.lru.saveScalars(this.ctl, LRU_AT);
  }

  override get size(): number {
    return Atomics.load(this.ctl, COUNT);
  }
}

/**
 * LPM_TRIE with shared value slots: each thread keeps its own copy of the trie (built by the same
 * --map-init, so slots agree) and values — hit counters updated with BPF atomics — are shared.
 * Program-side updates and deletes would make the copies diverge, so they fault in this mode.
 */
export class SharedLpmTrieMap extends LpmTrieMap {
  private userSide = false;

  override update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number {
    if (!this.userSide) throw new BpfFault(`bpf_map_update_elem on LPM trie '${this.spec.name}' is not supported with --queues (the trie is per worker)`);
    return super.update(key, keyOff, value, valueOff, flags, cpu);
  }
  override delete(key: Uint8Array, keyOff: number, cpu: number): number {
    if (!this.userSide) throw new BpfFault(`bpf_map_delete_elem on LPM trie '${this.spec.name}' is not supported with --queues (the trie is per worker)`);
    return super.delete(key, keyOff, cpu);
  }
  override userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    this.userSide = true;
    try { return super.userUpdate(key, value, flags); } finally { this.userSide = false; }
  }
  override userDelete(key: Uint8Array): number {
    this.userSide = true;
    try { return super.userDelete(key); } finally { this.userSide = false; }
  }
}
