// Open-addressing key index over typed arrays for the hash map families: keys are read as int32
// words (byte-assembled tail for sizes not a multiple of 4), multiplicative hash, linear probing.
// Replaces the kernel's bucket lists (kernel/bpf/hashtab.c); no allocation per lookup or update.

import { BpfFault } from "../../errors.js";
import { allocMapBuffer, mapStorageAttached } from "./map-storage.js";

/** Maps a key to an element id (0..elems-1); the caller owns element storage. */
export class KeyIndex {
  readonly keySize: number;
  /** Key length in int32 words (last word zero-padded). */
  readonly kw: number;
  readonly mask: number;
  /** Element id per table slot, -1 when empty. */
  readonly slotElem: Int32Array;
  /** Hash of the key in each slot (compared before the key words). */
  readonly slotHash: Int32Array;
  /** Key words per element id. */
  readonly keys: Int32Array;
  /** Hash per element id (to find its slot again, as the kernel's l->hash). */
  readonly elemHash: Int32Array;
  /** The probe key of the last loadKey/loadUserKey, as words. */
  readonly scratch: Int32Array;
  /** Whole int32 words in a key, and the hash seed (no randomness: runs are reproducible). */
  private readonly full: number;
  private readonly seed: number;
  /** DataViews over the last two key source arrays (re-made only when a new source shows up). */
  private viewOf: Uint8Array | null = null;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf2: Uint8Array | null = null;
  private view2: DataView<ArrayBufferLike> = this.view;
  count = 0;

  constructor(keySize: number, elems: number, maxEntries: number) {
    this.keySize = keySize;
    this.kw = (keySize + 3) >>> 2;
    this.full = keySize >>> 2;
    this.seed = (0x9747b28c ^ keySize) | 0;
    let cap = 8;
    while (cap < maxEntries * 2) cap *= 2;
    this.mask = cap - 1;
    this.slotElem = new Int32Array(allocMapBuffer(cap * 4));
    if (!mapStorageAttached()) this.slotElem.fill(-1);
    this.slotHash = new Int32Array(allocMapBuffer(cap * 4));
    this.keys = new Int32Array(allocMapBuffer(elems * this.kw * 4));
    this.elemHash = new Int32Array(allocMapBuffer(elems * 4));
    this.scratch = new Int32Array(this.kw);
  }

  clear(): void {
    this.slotElem.fill(-1);
    this.count = 0;
  }

  /**
   * Read the key at b[off..off+keySize) into scratch; returns its hash (one pass). The caller has
   * checked the simulated memory window; a key past the array's end is a BpfFault, never a host
   * read. Words are read through a DataView cached per source array (no allocation per lookup).
   */
  loadKey(b: Uint8Array, off: number): number {
    if (off < 0 || off + this.keySize > b.length) {
      throw new BpfFault(`invalid memory access: ${this.keySize}-byte map key at offset ${off} of a ${b.length}-byte buffer`);
    }
    if (b !== this.viewOf) this.switchView(b);
    const dv = this.view;
    const s = this.scratch;
    const full = this.full;
    let h = this.seed;
    let o = off;
    for (let j = 0; j < full; j++, o += 4) {
      const w = dv.getInt32(o, true);
      s[j] = w;
      h = Math.imul(h ^ w, 0x9e3779b1);
      h ^= h >>> 15;
    }
    const rest = this.keySize & 3;
    if (rest !== 0) {
      let w = b[o];
      if (rest > 1) w |= b[o + 1] << 8;
      if (rest > 2) w |= b[o + 2] << 16;
      s[full] = w;
      h = Math.imul(h ^ w, 0x9e3779b1);
      h ^= h >>> 15;
    }
    h = Math.imul(h, 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  /** Make b's DataView current: two are cached (keys from the stack and from a packet, say). */
  private switchView(b: Uint8Array): void {
    const prevOf = this.viewOf, prev = this.view;
    if (b === this.viewOf2) {
      this.view = this.view2;
    } else {
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    this.viewOf = b;
    this.viewOf2 = prevOf;
    this.view2 = prev;
  }

  /** Table slot of the scratch key (hash h), or -1. */
  findSlot(h: number): number {
    const slotElem = this.slotElem, slotHash = this.slotHash, keys = this.keys, s = this.scratch;
    const kw = this.kw, mask = this.mask;
    let i = h & mask;
    if (kw === 1) {
      const w = s[0];
      for (;;) {
        const e = slotElem[i];
        if (e < 0) return -1;
        if (slotHash[i] === h && keys[e] === w) return i;
        i = (i + 1) & mask;
      }
    }
    for (;;) {
      const e = slotElem[i];
      if (e < 0) return -1;
      if (slotHash[i] === h) {
        const base = e * kw;
        let j = 0;
        while (j < kw && keys[base + j] === s[j]) j++;
        if (j === kw) return i;
      }
      i = (i + 1) & mask;
    }
  }

  /** Element id of the scratch key (hash h), or -1. */
  find(h: number): number {
    const slot = this.findSlot(h);
    return slot < 0 ? -1 : this.slotElem[slot];
  }

  /** Store the scratch key as element e's key and add it (the key must be absent). */
  insert(h: number, e: number): void {
    this.setKey(h, e);
    let i = h & this.mask;
    while (this.slotElem[i] >= 0) i = (i + 1) & this.mask;
    this.slotElem[i] = e;
    this.slotHash[i] = h;
    this.count++;
  }

  /** Put element e (given the scratch key, same as the slot's) in place of the slot's element. */
  replace(slot: number, h: number, e: number): void {
    this.setKey(h, e);
    this.slotElem[slot] = e;
  }

  private setKey(h: number, e: number): void {
    const base = e * this.kw, s = this.scratch;
    for (let j = 0; j < this.kw; j++) this.keys[base + j] = s[j];
    this.elemHash[e] = h;
  }

  /** Remove the entry in `slot` (backward-shift deletion keeps probe chains intact). */
  removeSlot(slot: number): void {
    const slotElem = this.slotElem, slotHash = this.slotHash, mask = this.mask;
    let i = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      if (slotElem[j] < 0) break;
      const home = slotHash[j] & mask;
      // Move j back to i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        slotElem[i] = slotElem[j];
        slotHash[i] = slotHash[j];
        i = j;
      }
    }
    slotElem[i] = -1;
    this.count--;
  }

  /** Slot holding element e, or -1 when e is not in the table. */
  slotOfElem(e: number): number {
    const mask = this.mask;
    let i = this.elemHash[e] & mask;
    for (;;) {
      const x = this.slotElem[i];
      if (x < 0) return -1;
      if (x === e) return i;
      i = (i + 1) & mask;
    }
  }

  /** First occupied slot at or after `from`, or -1. */
  nextSlot(from: number): number {
    const slotElem = this.slotElem;
    for (let i = from; i <= this.mask; i++) if (slotElem[i] >= 0) return i;
    return -1;
  }

  /** Key bytes of element e (a fresh array). */
  keyBytes(e: number): Uint8Array {
    const out = new Uint8Array(this.keySize);
    const base = e * this.kw;
    for (let i = 0; i < this.keySize; i++) out[i] = (this.keys[base + (i >>> 2)] >>> ((i & 3) * 8)) & 0xff;
    return out;
  }
}
