// BPF_MAP_TYPE_LRU_HASH and LRU_PERCPU_HASH: a hash map whose elements come from the kernel's LRU
// allocator (lru-list.ts), so inserting into a full map evicts the least recently used entries.
// kernel/bpf/hashtab.c (htab_lru_map_update_elem, __htab_lru_percpu_map_update_elem, lookups).

import type { MapSpec } from "../../loader/types.js";
import { MapType } from "../../loader/types.js";
import type { AddressSpace } from "../memory.js";
import { BPF_EXIST, EINVAL, ENOENT, ENOMEM, EPERM } from "./bpf-map.js";
import { copyBytes } from "./copy-bytes.js";
import { HtabBase, userCanWrite } from "./hash-map.js";
import { BPF_F_NO_COMMON_LRU, normFlags } from "./map-flags.js";
import { BpfLru } from "./lru-list.js";

/** Element count: BPF_F_NO_COMMON_LRU rounds max_entries to a multiple of the CPU count. */
function lruEntries(spec: MapSpec, ncpus: number): number {
  if (!(spec.flags & BPF_F_NO_COMMON_LRU)) return spec.maxEntries;
  const up = Math.ceil(spec.maxEntries / ncpus) * ncpus;
  return up > 0xffffffff ? Math.floor(spec.maxEntries / ncpus) * ncpus : up;
}

export class LruHashMap extends HtabBase {
  readonly lru: BpfLru;

  constructor(spec: MapSpec, mem: AddressSpace, ncpus: number) {
    const n = lruEntries(spec, ncpus);
    super(spec, mem, ncpus, spec.type === MapType.LRU_PERCPU_HASH, n, n);
    this.lru = new BpfLru(n, ncpus, (spec.flags & BPF_F_NO_COMMON_LRU) !== 0, (node) => this.evict(node));
  }

  /** htab_lru_map_delete_node: the LRU takes a node back; drop its element from the table. */
  private evict(node: number): boolean {
    const slot = this.index.slotOfElem(node);
    if (slot < 0) return false;
    this.index.removeSlot(slot);
    return true;
  }

  reset(): void {
    this.vals.fill(0);
    this.index.clear();
    this.lru.populate();
  }

  /** Program lookups mark the element referenced (the syscall's do not). */
  lookup(key: Uint8Array, keyOff: number, cpu: number): number {
    if (this.percpu && cpu >>> 0 >= this.ncpus) return -1;
    const e = this.index.find(this.index.loadKey(key, keyOff));
    if (e < 0) return -1;
    this.lru.setRef(e);
    return this.percpu ? e * this.elemBytes + cpu * this.stride : e * this.elemBytes;
  }

  update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number {
    const f = normFlags(flags);
    if (f > BPF_EXIST) return -EINVAL;
    const h = this.index.loadKey(key, keyOff);
    const c = cpu >>> 0 < this.ncpus ? cpu : 0;
    return this.percpu ? this.putPercpu(h, value, valueOff, f, c, false) : this.put(h, value, valueOff, f, c);
  }

  /** htab_lru_map_update_elem: a node is taken from the LRU first, even when the update fails. */
  private put(h: number, src: Uint8Array, srcOff: number, f: number, cpu: number): number {
    const node = this.lru.popFree(cpu);
    if (node < 0) return -ENOMEM;
    copyBytes(this.vals, node * this.elemBytes, src, srcOff, this.valueSize);
    const slot = this.index.findSlot(h);
    const err = HtabBase.checkFlags(slot >= 0, f);
    if (err) {
      this.lru.pushFree(node);
      return err;
    }
    if (slot < 0) {
      this.index.insert(h, node);
      return 0;
    }
    const old = this.index.slotElem[slot];
    this.lru.setRef(node);
    this.index.replace(slot, h, node);
    this.lru.pushFree(old);
    return 0;
  }

  /** __htab_lru_percpu_map_update_elem: existing values are updated in place. */
  private putPercpu(h: number, src: Uint8Array, srcOff: number, f: number, cpu: number, allCpus: boolean): number {
    let node = -1;
    if (f !== BPF_EXIST) {
      node = this.lru.popFree(cpu);
      if (node < 0) return -ENOMEM;
    }
    const old = this.index.find(h);
    let err = HtabBase.checkFlags(old >= 0, f);
    if (!err) {
      if (old >= 0) {
        this.lru.setRef(old);
        if (allCpus) this.copyAllCpus(old, src);
        else copyBytes(this.vals, old * this.elemBytes + cpu * this.stride, src, srcOff, this.valueSize);
      } else {
        if (allCpus) this.copyAllCpus(node, src);
        else this.initPercpu(node, src, srcOff, cpu);
        this.index.insert(h, node);
        node = -1;
      }
      err = 0;
    }
    if (node >= 0) this.lru.pushFree(node);
    return err;
  }

  delete(key: Uint8Array, keyOff: number, _cpu: number): number {
    const slot = this.index.findSlot(this.index.loadKey(key, keyOff));
    if (slot < 0) return -ENOENT;
    const e = this.index.slotElem[slot];
    this.index.removeSlot(slot);
    this.lru.pushFree(e);
    return 0;
  }

  /** The syscall runs on CPU 0 (its LRU local list is CPU 0's). */
  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    const gate = this.userUpdateGate(key, value, flags);
    if (gate) return gate;
    const f = normFlags(flags);
    if (f > BPF_EXIST) return -EINVAL;
    const h = this.index.loadKey(key, 0);
    return this.percpu ? this.putPercpu(h, value, 0, f, 0, true) : this.put(h, value, 0, f, 0);
  }

  userDelete(key: Uint8Array): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < this.spec.keySize) return -EINVAL;
    return this.delete(key, 0, 0);
  }
}
