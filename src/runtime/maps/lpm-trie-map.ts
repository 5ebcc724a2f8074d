// BPF_MAP_TYPE_LPM_TRIE: the kernel's binary trie with intermediate nodes, node for node, so longest
// -prefix lookups, update/delete results and get_next_key's post-order walk match the kernel's.
// kernel/bpf/lpm_trie.c (trie_lookup_elem, trie_update_elem, trie_delete_elem, trie_get_next_key).

import type { MapSpec } from "../../loader/types.js";
import { RegionKind, type AddressSpace, type Region } from "../memory.js";
import {
  BPF_EXIST, BPF_NOEXIST, EEXIST, EINVAL, ENOENT, ENOSPC, EPERM, type BpfMap, type MapEntry,
} from "./bpf-map.js";
import { copyBytes, readU32, roundUp8, writeU32 } from "./copy-bytes.js";
import { addHandleRegion, progCanWrite, userCanRead, userCanWrite } from "./hash-map.js";
import { normFlags } from "./map-flags.js";
import { allocMapBuffer, mapStorageAttached } from "./map-storage.js";

/** Node flag: intermediate (no value, never returned by a lookup). */
const IM = 1;
/** "No node" in child links and the root. */
const NIL = -1;

export class LpmTrieMap implements BpfMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region;
  readonly handleRegion: Region;
  readonly dumpable = true;
  /** key_size - 4: address bytes. */
  readonly dataSize: number;
  readonly maxPrefixlen: number;
  readonly valueSize: number;
  readonly stride: number;
  private readonly vals: Uint8Array;
  // Node pool (grows on demand, like the kernel's allocation per update; not program-visible).
  private cap = 0;
  private child0 = new Int32Array(0);
  private child1 = new Int32Array(0);
  private plen = new Uint32Array(0);
  private flags = new Uint8Array(0);
  private slot = new Int32Array(0);
  private data = new Uint8Array(0);
  private freeNodes: number[] = [];
  private nodesUsed = 0;
  private root = NIL;
  private nEntries = 0;
  /** Value slots: max_entries + 1 (a replaced value moves to a fresh slot, as the kernel's new node). */
  private readonly freeSlots: Int32Array;
  private freeTop = 0;
  /** get_next_key's node stack. */
  private readonly stack: Int32Array;

  constructor(spec: MapSpec, mem: AddressSpace) {
    this.spec = spec;
    this.dataSize = spec.keySize - 4;
    this.maxPrefixlen = this.dataSize * 8;
    this.valueSize = spec.valueSize;
    this.stride = roundUp8(spec.valueSize);
    this.vals = new Uint8Array(allocMapBuffer((spec.maxEntries + 1) * this.stride));
    this.freeSlots = new Int32Array(spec.maxEntries + 1);
    this.stack = new Int32Array(this.maxPrefixlen + 2);
    this.valueRegion = mem.add(RegionKind.MapValue, this.vals, progCanWrite(spec), `map '${spec.name}' value`, spec.index);
    this.handleRegion = addHandleRegion(spec, mem);
    this.resetTrie(!mapStorageAttached());
  }

  reset(): void {
    this.resetTrie(true);
  }

  /** Empty trie; `clearValues` false when the (shared) value slots were initialised by another thread. */
  private resetTrie(clearValues: boolean): void {
    if (clearValues) this.vals.fill(0);
    const n = this.freeSlots.length;
    for (let i = 0; i < n; i++) this.freeSlots[i] = n - 1 - i;
    this.freeTop = n;
    this.freeNodes = [];
    this.nodesUsed = 0;
    this.root = NIL;
    this.nEntries = 0;
  }

  // ---- node pool ----
  private allocNode(): number {
    const free = this.freeNodes.pop();
    if (free !== undefined) return free;
    if (this.nodesUsed === this.cap) this.grow();
    return this.nodesUsed++;
  }

  private grow(): void {
    const cap = Math.max(16, this.cap * 2);
    const widen = <T extends Int32Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T, per = 1): T => {
      const b = make(cap * per);
      b.set(a);
      return b;
    };
    this.child0 = widen(this.child0, (n) => new Int32Array(n));
    this.child1 = widen(this.child1, (n) => new Int32Array(n));
    this.plen = widen(this.plen, (n) => new Uint32Array(n));
    this.flags = widen(this.flags, (n) => new Uint8Array(n));
    this.slot = widen(this.slot, (n) => new Int32Array(n));
    this.data = widen(this.data, (n) => new Uint8Array(n), this.dataSize);
    this.cap = cap;
  }

  private freeNode(n: number): void {
    if (this.slot[n] >= 0) this.freeSlots[this.freeTop++] = this.slot[n];
    this.slot[n] = NIL;
    this.freeNodes.push(n);
  }

  /** A node for the key at key[off]: prefixlen, data bytes as given, children none. */
  private newNode(key: Uint8Array, off: number): number {
    const n = this.allocNode();
    this.child0[n] = this.child1[n] = NIL;
    this.plen[n] = readU32(key, off);
    this.flags[n] = 0;
    this.slot[n] = NIL;
    copyBytes(this.data, n * this.dataSize, key, off + 4, this.dataSize);
    return n;
  }

  private child(n: number, bit: number): number {
    return bit ? this.child1[n] : this.child0[n];
  }

  private setChild(n: number, bit: number, c: number): void {
    if (bit) this.child1[n] = c;
    else this.child0[n] = c;
  }

  /** A "slot" is the root (parent NIL) or a parent's child link. */
  private setSlot(parent: number, bit: number, c: number): void {
    if (parent === NIL) this.root = c;
    else this.setChild(parent, bit, c);
  }

  /**
   * __longest_prefix_match: leading bits node n and the key (prefix length keyPlen, address bytes
   * at key[kd]) agree on, capped at both prefix lengths.
   */
  private match(n: number, key: Uint8Array, kd: number, keyPlen: number): number {
    const np = this.plen[n];
    const limit = np < keyPlen ? np : keyPlen;
    const data = this.data, ds = this.dataSize, base = n * ds;
    let len = 0;
    for (let i = 0; i < ds; i++) {
      const diff = data[base + i] ^ key[kd + i];
      if (diff !== 0) {
        len += Math.clz32(diff) - 24;
        break;
      }
      len += 8;
      if (len >= limit) break;
    }
    return len < limit ? len : limit;
  }

  private static bit(b: Uint8Array, off: number, index: number): number {
    return (b[off + (index >>> 3)] >>> (7 - (index & 7))) & 1;
  }

  private nodeBit(n: number, index: number): number {
    return LpmTrieMap.bit(this.data, n * this.dataSize, index);
  }

  // ---- program side ----
  lookup(key: Uint8Array, keyOff: number, _cpu: number): number {
    const keyPlen = readU32(key, keyOff);
    if (keyPlen > this.maxPrefixlen) return -1;
    const kd = keyOff + 4;
    let found = NIL;
    for (let n = this.root; n !== NIL;) {
      const m = this.match(n, key, kd, keyPlen);
      if (m === this.maxPrefixlen) {
        found = n;
        break;
      }
      const np = this.plen[n];
      if (m < np) break;
      if (!(this.flags[n] & IM)) found = n;
      n = (key[kd + (np >>> 3)] >>> (7 - (np & 7))) & 1 ? this.child1[n] : this.child0[n];
    }
    return found === NIL ? -1 : this.slot[found] * this.stride;
  }

  private allocSlot(n: number, value: Uint8Array, valueOff: number): void {
    const s = this.freeSlots[--this.freeTop];
    copyBytes(this.vals, s * this.stride, value, valueOff, this.valueSize);
    this.slot[n] = s;
  }

  /** trie_check_add_elem */
  private checkAdd(f: number): number {
    if (f === BPF_EXIST) return -ENOENT;
    if (this.nEntries === this.spec.maxEntries) return -ENOSPC;
    this.nEntries++;
    return 0;
  }

  update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, _cpu: number): number {
    const f = normFlags(flags);
    if (f > BPF_EXIST) return -EINVAL;
    const keyPlen = readU32(key, keyOff);
    if (keyPlen > this.maxPrefixlen) return -EINVAL;
    let parent = NIL;
    let dir = 0;
    let node = this.root;
    let m = 0;
    while (node !== NIL) {
      m = this.match(node, key, keyOff + 4, keyPlen);
      if (this.plen[node] !== m || this.plen[node] === keyPlen) break;
      parent = node;
      dir = LpmTrieMap.bit(key, keyOff + 4, this.plen[node]);
      node = this.child(node, dir);
    }
    if (node === NIL) {
      const err = this.checkAdd(f);
      if (err) return err;
      const n = this.newNode(key, keyOff);
      this.allocSlot(n, value, valueOff);
      this.setSlot(parent, dir, n);
      return 0;
    }
    if (this.plen[node] === m) {
      // Same prefix: the kernel swaps in a new node (key data as given, the old children).
      if (!(this.flags[node] & IM)) {
        if (f === BPF_NOEXIST) return -EEXIST;
      } else {
        const err = this.checkAdd(f);
        if (err) return err;
      }
      const old = this.slot[node];
      this.allocSlot(node, value, valueOff);
      if (old >= 0) this.freeSlots[this.freeTop++] = old;
      this.flags[node] = 0;
      copyBytes(this.data, node * this.dataSize, key, keyOff + 4, this.dataSize);
      return 0;
    }
    const err = this.checkAdd(f);
    if (err) return err;
    const n = this.newNode(key, keyOff);
    this.allocSlot(n, value, valueOff);
    if (m === keyPlen) {
      // The new node is an ancestor of `node`.
      this.setChild(n, this.nodeBit(node, m), node);
      this.setSlot(parent, dir, n);
      return 0;
    }
    const im = this.allocNode();
    this.plen[im] = m;
    this.flags[im] = IM;
    this.slot[im] = NIL;
    copyBytes(this.data, im * this.dataSize, this.data, node * this.dataSize, this.dataSize);
    if (LpmTrieMap.bit(key, keyOff + 4, m)) {
      this.child0[im] = node;
      this.child1[im] = n;
    } else {
      this.child0[im] = n;
      this.child1[im] = node;
    }
    this.setSlot(parent, dir, im);
    return 0;
  }

  delete(key: Uint8Array, keyOff: number, _cpu: number): number {
    const keyPlen = readU32(key, keyOff);
    if (keyPlen > this.maxPrefixlen) return -EINVAL;
    // trim = (parent, dir): the link to `node`; trim2 = (gparent, gdir): the link to `parent`.
    let parent = NIL, dir = 0, gparent = NIL, gdir = 0;
    let node = this.root;
    let m = 0;
    while (node !== NIL) {
      m = this.match(node, key, keyOff + 4, keyPlen);
      if (this.plen[node] !== m || this.plen[node] === keyPlen) break;
      gparent = parent;
      gdir = dir;
      parent = node;
      dir = LpmTrieMap.bit(key, keyOff + 4, this.plen[node]);
      node = this.child(node, dir);
    }
    if (node === NIL || this.plen[node] !== keyPlen || this.plen[node] !== m || this.flags[node] & IM) return -ENOENT;
    this.nEntries--;
    const c0 = this.child0[node], c1 = this.child1[node];
    if (c0 !== NIL && c1 !== NIL) {
      this.flags[node] |= IM;
      this.freeSlots[this.freeTop++] = this.slot[node];
      this.slot[node] = NIL;
      return 0;
    }
    if (parent !== NIL && this.flags[parent] & IM && c0 === NIL && c1 === NIL) {
      const sibling = this.child0[parent] === node ? this.child1[parent] : this.child0[parent];
      this.setSlot(gparent, gdir, sibling);
      this.freeNode(parent);
      this.freeNode(node);
      return 0;
    }
    this.setSlot(parent, dir, c0 !== NIL ? c0 : c1);
    this.freeNode(node);
    return 0;
  }

  // ---- user side ----
  userLookup(key: Uint8Array): Uint8Array | null {
    if (!userCanRead(this.spec) || key.length < this.spec.keySize) return null;
    const off = this.lookup(key, 0, 0);
    return off < 0 ? null : this.vals.slice(off, off + this.valueSize);
  }

  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < this.spec.keySize || value.length < this.valueSize) return -EINVAL;
    return this.update(key, 0, value, 0, flags, 0);
  }

  userDelete(key: Uint8Array): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < this.spec.keySize) return -EINVAL;
    return this.delete(key, 0, 0);
  }

  private keyOf(n: number): Uint8Array {
    const k = new Uint8Array(4 + this.dataSize);
    writeU32(k, 0, this.plen[n]);
    k.set(this.data.subarray(n * this.dataSize, (n + 1) * this.dataSize), 4);
    return k;
  }

  private leftmost(from: number): number {
    let next = NIL;
    for (let n = from; n !== NIL;) {
      if (this.flags[n] & IM) {
        n = this.child0[n];
      } else {
        next = n;
        n = this.child0[n];
        if (n === NIL) n = this.child1[next];
      }
    }
    return next;
  }

  /** trie_get_next_key node: post-order (more specific prefixes first), or NIL at the end. */
  private nextNode(key: Uint8Array | null): number {
    if (this.root === NIL) return NIL;
    if (key === null || key.length < this.spec.keySize || readU32(key, 0) > this.maxPrefixlen) return this.leftmost(this.root);
    const keyPlen = readU32(key, 0);
    let sp = -1;
    let node = this.root;
    let m = 0;
    while (node !== NIL) {
      this.stack[++sp] = node;
      m = this.match(node, key, 4, keyPlen);
      if (this.plen[node] !== m || this.plen[node] === keyPlen) break;
      node = this.child(node, LpmTrieMap.bit(key, 4, this.plen[node]));
    }
    if (node === NIL || this.plen[node] !== m || this.flags[node] & IM) return this.leftmost(this.root);
    node = this.stack[sp];
    while (sp > 0) {
      const parent = this.stack[sp - 1];
      if (this.child0[parent] === node && this.child1[parent] !== NIL) return this.leftmost(this.child1[parent]);
      if (!(this.flags[parent] & IM)) return parent;
      node = parent;
      sp--;
    }
    return NIL;
  }

  userNextKey(key: Uint8Array | null): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    const n = this.nextNode(key);
    return n === NIL ? null : this.keyOf(n);
  }

  dump(): MapEntry[] {
    const out: MapEntry[] = [];
    for (let k = this.userNextKey(null); k !== null; k = this.userNextKey(k)) {
      const v = this.userLookup(k);
      if (v) out.push({ key: k, value: v });
    }
    return out;
  }

  /** Entries in the trie (not counting intermediate nodes). */
  get size(): number {
    return this.nEntries;
  }
}
