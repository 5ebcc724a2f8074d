// The simulated address space (../shared/DESIGN.md "Memory model"): a pointer is a plain 64-bit
// value whose high 32 bits name a region and low 32 bits are a byte offset into it. Every access is
// checked against its region's window; a violation is a BpfFault (→ XDP_ABORTED), never a host access.

import { BpfFault } from "../errors.js";

export const enum RegionKind {
  Invalid = 0,
  Ctx = 1,
  Packet = 2,
  Stack = 3,
  MapValue = 4,
  MapHandle = 5,
  Func = 6,
  Mem = 7,
  Ringbuf = 8,
}

/** Fixed region ids; everything from FIRST_DYNAMIC_REGION on is allocated by AddressSpace.add. */
export const REGION_NULL = 0;
export const REGION_CTX = 1;
export const REGION_PACKET = 2;
export const REGION_STACK = 3;
/** Function "pointers" (BPF_PSEUDO_FUNC, bpf_loop callbacks): low word = insn index. */
export const REGION_FUNC = 4;
export const FIRST_DYNAMIC_REGION = 8;

/** 2^32: multiply a region id by this to get the address of its byte 0. */
export const ADDR_HI = 0x1_0000_0000;

/** A contiguous range of simulated memory. */
export class Region {
  readonly id: number;
  readonly kind: RegionKind;
  bytes: Uint8Array;
  dv: DataView;
  /** Accessible window [start, end) in `bytes` (the packet region moves it per packet). */
  start: number;
  end: number;
  writable: boolean;
  /** Human description for fault messages: "stack", "packet", "map 'counters' value", … */
  readonly label: string;
  /** Map index (slot) for MapValue / MapHandle / Ringbuf regions, else -1. */
  readonly mapIndex: number;

  constructor(id: number, kind: RegionKind, bytes: Uint8Array, writable: boolean, label: string, mapIndex = -1) {
    this.id = id;
    this.kind = kind;
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.start = 0;
    this.end = bytes.length;
    this.writable = writable;
    this.label = label;
    this.mapIndex = mapIndex;
  }

  /** Replace the backing store (e.g. a map that re-allocates); window becomes the whole buffer. */
  setBytes(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.start = 0;
    this.end = bytes.length;
  }
}

const NOWHERE = new Region(REGION_NULL, RegionKind.Invalid, new Uint8Array(0), false, "null");

/** Region table indexed by region id (the high word of an address). */
export class AddressSpace {
  readonly regions: Region[] = [];

  constructor() {
    for (let i = 0; i < FIRST_DYNAMIC_REGION; i++) this.regions.push(NOWHERE);
  }

  /** Install a region at a fixed id (ctx, packet, stack, func). */
  setFixed(id: number, kind: RegionKind, bytes: Uint8Array, writable: boolean, label: string): Region {
    const r = new Region(id, kind, bytes, writable, label);
    this.regions[id] = r;
    return r;
  }

  /** Allocate a new region id. */
  add(kind: RegionKind, bytes: Uint8Array, writable: boolean, label: string, mapIndex = -1): Region {
    const r = new Region(this.regions.length, kind, bytes, writable, label, mapIndex);
    this.regions.push(r);
    return r;
  }

  /** The region an address's high word names (NOWHERE-like sentinel with id 0 if none). */
  region(hi: number): Region {
    return this.regions[hi >>> 0] ?? NOWHERE;
  }

  /**
   * Check an access of `size` bytes at address (hi, lo); returns the region (byte offset is `lo`).
   * Throws BpfFault naming the region and offset when out of its window or not writable.
   */
  check(hi: number, lo: number, size: number, write: boolean): Region {
    const r = this.regions[hi >>> 0];
    const off = lo >>> 0;
    if (r === undefined || r.kind === RegionKind.Invalid) {
      throw new BpfFault(`invalid memory access: address 0x${addrHex(hi, lo)} is not mapped`);
    }
    if (off < r.start || off + size > r.end) {
      throw new BpfFault(`invalid memory access: ${size} byte(s) at offset ${off - r.start} of ${r.label} (size ${r.end - r.start})`);
    }
    if (write && !r.writable) {
      throw new BpfFault(`invalid memory access: write to read-only ${r.label}`);
    }
    return r;
  }

  /** Check an access given as a single-number address (helpers: pointers always fit in 53 bits). */
  checkAddr(addr: number, size: number, write: boolean): Region {
    return this.check(Math.floor(addr / ADDR_HI), addr % ADDR_HI, size, write);
  }
}

/** An address as a JS number (exact: region ids stay far below 2^21). */
export function addr(region: number, offset: number): number {
  return region * ADDR_HI + (offset >>> 0);
}

/** Combine a (lo, hi) register pair into a JS number when it is a pointer-sized value. */
export function pairToAddr(lo: number, hi: number): number {
  return (hi >>> 0) * ADDR_HI + (lo >>> 0);
}

function addrHex(hi: number, lo: number): string {
  return (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, "0");
}
