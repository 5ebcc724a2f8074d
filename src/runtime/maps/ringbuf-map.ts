// BPF_MAP_TYPE_RINGBUF: records with the kernel's 8-byte header (len | BUSY/DISCARD bits, pg_off)
// at 8-byte aligned positions in a power-of-two data area; reserve/commit/output/query, drain().
// kernel/bpf/ringbuf.c (__bpf_ringbuf_reserve with pending_pos, bpf_ringbuf_commit, query).

import type { MapSpec } from "../../loader/types.js";
import { RegionKind, type AddressSpace, type Region } from "../memory.js";
import { EAGAIN, EINVAL, ENOTSUPP, type MapEntry, type RingbufMap } from "./bpf-map.js";
import { copyBytes, readU32, writeU32 } from "./copy-bytes.js";
import { addHandleRegion } from "./hash-map.js";

export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
export const BPF_RINGBUF_HDR_SZ = 8;
export const BPF_RB_NO_WAKEUP = 1;
export const BPF_RB_FORCE_WAKEUP = 2;
export const BPF_RB_AVAIL_DATA = 0;
export const BPF_RB_RING_SIZE = 1;
export const BPF_RB_CONS_POS = 2;
export const BPF_RB_PROD_POS = 3;
/** RINGBUF_MAX_RECORD_SZ = UINT_MAX / 4. */
const MAX_RECORD = 0x3fffffff;
/** struct bpf_ringbuf: the data area starts 3 pages in (header page, consumer page, producer page). */
const DATA_PGOFF = 3;

/**
 * The data region is 2 × ring size: the kernel maps the data pages twice so a record that wraps
 * past the end is contiguous; here the second half mirrors the first for a wrapping record (filled
 * from the real bytes on reserve, written back on commit).
 */
export class Ringbuf implements RingbufMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region | null = null;
  readonly handleRegion: Region;
  readonly dataRegion: Region;
  readonly dumpable = false;
  readonly ringSize: number;
  private readonly mask: number;
  private readonly data: Uint8Array;
  private cons = 0;
  private prod = 0;
  /** Oldest record not yet committed (pending_pos). */
  private pend = 0;

  constructor(spec: MapSpec, mem: AddressSpace) {
    this.spec = spec;
    this.ringSize = spec.maxEntries;
    this.mask = spec.maxEntries - 1;
    this.data = new Uint8Array(2 * spec.maxEntries);
    this.dataRegion = mem.add(RegionKind.Ringbuf, this.data, true, `ringbuf '${spec.name}'`, spec.index);
    this.handleRegion = addHandleRegion(spec, mem);
  }

  private static recordLen(hdrLen: number): number {
    return ((hdrLen & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ + 7) & ~7;
  }

  /** __bpf_ringbuf_reserve: offset of the record's data in dataRegion, or -1. */
  private reserveRecord(size: number): number {
    if (size > MAX_RECORD) return -1;
    const len = (size + BPF_RINGBUF_HDR_SZ + 7) & ~7;
    if (len > this.ringSize) return -1;
    let pend = this.pend;
    while (pend < this.prod) {
      const hdrLen = readU32(this.data, pend & this.mask);
      if (hdrLen & BPF_RINGBUF_BUSY_BIT) break;
      pend += Ringbuf.recordLen(hdrLen);
    }
    this.pend = pend;
    const newProd = this.prod + len;
    if (newProd - this.cons > this.mask || newProd - pend > this.mask) return -1;
    const hdr = this.prod & this.mask;
    writeU32(this.data, hdr, (size | BPF_RINGBUF_BUSY_BIT) >>> 0);
    writeU32(this.data, hdr + 4, DATA_PGOFF + (hdr >>> 12));
    const wrap = hdr + len - this.ringSize;
    if (wrap > 0) this.data.copyWithin(this.ringSize, 0, wrap);
    this.prod = newProd;
    return hdr + BPF_RINGBUF_HDR_SZ;
  }

  reserve(size: number, flags: number): number {
    if (flags !== 0) return -1;
    return this.reserveRecord(size);
  }

  /** bpf_ringbuf_submit / discard: clear BUSY (set DISCARD); wakeup flags have no effect here. */
  commit(dataOff: number, discard: boolean, _flags: number): void {
    const hdr = dataOff - BPF_RINGBUF_HDR_SZ;
    if (hdr < 0 || hdr >= this.ringSize || hdr & 7) return;
    let len = (readU32(this.data, hdr) ^ BPF_RINGBUF_BUSY_BIT) >>> 0;
    if (discard) len = (len | BPF_RINGBUF_DISCARD_BIT) >>> 0;
    writeU32(this.data, hdr, len);
    const wrap = hdr + Ringbuf.recordLen(len) - this.ringSize;
    if (wrap > 0) this.data.copyWithin(0, this.ringSize, this.ringSize + wrap);
  }

  /** bpf_ringbuf_output: 0, -EINVAL (flags) or -EAGAIN (no room). */
  output(src: Uint8Array, srcOff: number, size: number, flags: number): number {
    if (flags < 0 || flags > 0xffffffff || flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) return -EINVAL;
    const off = this.reserveRecord(size);
    if (off < 0) return -EAGAIN;
    copyBytes(this.data, off, src, srcOff, size);
    this.commit(off, false, flags);
    return 0;
  }

  query(flags: number): number {
    switch (flags) {
      case BPF_RB_AVAIL_DATA: return this.prod - this.cons;
      case BPF_RB_RING_SIZE: return this.ringSize;
      case BPF_RB_CONS_POS: return this.cons;
      case BPF_RB_PROD_POS: return this.prod;
      default: return 0;
    }
  }

  /** Consume committed records in order (discarded ones skipped), stopping at a busy one. */
  drain(): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.cons < this.prod) {
      const hdr = this.cons & this.mask;
      const len = readU32(this.data, hdr);
      if (len & BPF_RINGBUF_BUSY_BIT) break;
      if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
        const n = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
        const rec = new Uint8Array(n);
        for (let i = 0; i < n; i++) rec[i] = this.data[(hdr + BPF_RINGBUF_HDR_SZ + i) & this.mask];
        out.push(rec);
      }
      this.cons += Ringbuf.recordLen(len);
    }
    return out;
  }

  // The generic element ops: a ring buffer answers -ENOTSUPP to all of them (ringbuf_map_*_elem).
  lookup(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -1;
  }

  update(_key: Uint8Array, _keyOff: number, _value: Uint8Array, _valueOff: number, _flags: number, _cpu: number): number {
    return -ENOTSUPP;
  }

  delete(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -ENOTSUPP;
  }

  userLookup(_key: Uint8Array): Uint8Array | null {
    return null;
  }

  userUpdate(_key: Uint8Array, _value: Uint8Array, _flags: number): number {
    return -ENOTSUPP;
  }

  userDelete(_key: Uint8Array): number {
    return -ENOTSUPP;
  }

  userNextKey(_key: Uint8Array | null): Uint8Array | null {
    return null;
  }

  dump(): MapEntry[] {
    return [];
  }

  reset(): void {
    this.data.fill(0);
    this.cons = this.prod = this.pend = 0;
  }
}
