// The interface every simulated map family implements, for both sides the kernel has: the program
// side (helpers, keys/values in simulated memory) and the user side (bpf(2) syscall semantics as
// bpftool uses them: lookup/update/delete/get_next_key). kernel/bpf/{arraymap,hashtab,...}.c.

import type { MapSpec } from "../../loader/types.js";
import type { Region } from "../memory.js";

/** Map update flags (include/uapi/linux/bpf.h). */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

/** errno values helpers and the syscall side return (negated). */
export const EPERM = 1;
export const ENOENT = 2;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;
export const EOVERFLOW = 75;
export const ENOTSUPP = 524;
export const EOPNOTSUPP = 95;

/** One dumped entry, bpftool `-j map dump` raw shape but with bytes (formatting is the caller's). */
export interface MapEntry {
  key: Uint8Array;
  /** Non-per-CPU maps. */
  value?: Uint8Array;
  /** Per-CPU maps: one value per possible CPU, index = cpu. */
  values?: Uint8Array[];
}

export interface BpfMap {
  readonly spec: MapSpec;
  /**
   * Region holding the values the program can point into (array storage, hash value slots, global
   * data). null for maps whose values are not addressable (prog array, devmap, queue, ringbuf…).
   * A value pointer is (region.id, offset) with offset as returned by lookup().
   */
  readonly valueRegion: Region | null;
  /** Region whose id a CONST_PTR_TO_MAP carries (ld_imm64 of the map): identifies the map to helpers. */
  readonly handleRegion: Region;

  // ---- program side (key/value bytes live in simulated memory: (bytes, offset)) ----
  /** bpf_map_lookup_elem: byte offset of the value in valueRegion for `cpu`, or -1 (NULL). */
  lookup(key: Uint8Array, keyOff: number, cpu: number): number;
  /** bpf_map_update_elem: 0 or -errno. */
  update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number;
  /** bpf_map_delete_elem: 0 or -errno. */
  delete(key: Uint8Array, keyOff: number, cpu: number): number;

  // ---- user side (bpf(2) BPF_MAP_* commands; per-CPU values are all CPUs concatenated, each
  //      rounded up to 8 bytes, as the syscall does) ----
  /** BPF_MAP_LOOKUP_ELEM: a copy of the value(s), or null (ENOENT). */
  userLookup(key: Uint8Array): Uint8Array | null;
  /** BPF_MAP_UPDATE_ELEM: 0 or -errno. */
  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number;
  /** BPF_MAP_DELETE_ELEM: 0 or -errno. */
  userDelete(key: Uint8Array): number;
  /** BPF_MAP_GET_NEXT_KEY: the key after `key` (first key when null), or null at the end. */
  userNextKey(key: Uint8Array | null): Uint8Array | null;
  /** Every entry in get_next_key order, as bpftool dumps it (arrays: every index; devmap: filled slots). */
  dump(): MapEntry[];
  /** Whether `bpftool map dump` can dump this map (prog arrays, ring buffers, queues cannot). */
  readonly dumpable: boolean;
  /** Reset to the freshly created state (initial values for global data). */
  reset(): void;
}

/** QUEUE / STACK (kernel/bpf/queue_stack_maps.c): no keys; push/pop/peek on values. */
export interface QueueStackMap extends BpfMap {
  /** bpf_map_push_elem: 0 or -errno (full: -E2BIG, or with BPF_EXIST drop the oldest). */
  push(value: Uint8Array, valueOff: number, flags: number): number;
  /** bpf_map_pop_elem: copy into dst and remove; -ENOENT (dst zeroed) when empty. */
  pop(dst: Uint8Array, dstOff: number): number;
  /** bpf_map_peek_elem: copy into dst; -ENOENT (dst zeroed) when empty. */
  peek(dst: Uint8Array, dstOff: number): number;
}

/** PROG_ARRAY: slot → program index in ObjectSpec.programs (user side stores the index as u32). */
export interface ProgArrayMap extends BpfMap {
  /** Program index in slot, or -1 when empty / out of range. */
  program(slot: number): number;
  /** Fill a slot by program index (map-init by name, static .values init). */
  setProgram(slot: number, progIndex: number): void;
}

/** DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP: redirect targets. */
export interface RedirectMap extends BpfMap {
  /** Target of key (ifindex for devmaps, cpu for cpumap, queue for xskmap) or -1 when empty. */
  target(key: number): number;
}

/** RINGBUF (kernel/bpf/ringbuf.c): reserve/commit records in a data region programs write into. */
export interface RingbufMap extends BpfMap {
  /** Region records are reserved in (PTR_TO_MEM returned by reserve). */
  readonly dataRegion: Region;
  /** bpf_ringbuf_reserve: offset of the record's data in dataRegion, or -1 (NULL) when full/bad. */
  reserve(size: number, flags: number): number;
  /** bpf_ringbuf_submit / discard on a record returned by reserve. */
  commit(dataOff: number, discard: boolean, flags: number): void;
  /** bpf_ringbuf_output: 0 or -errno. */
  output(src: Uint8Array, srcOff: number, size: number, flags: number): number;
  /** bpf_ringbuf_query(flags): BPF_RB_AVAIL_DATA / RING_SIZE / CONS_POS / PROD_POS. */
  query(flags: number): number;
  /** Committed records not yet consumed (user space reads them after a run). */
  drain(): Uint8Array[];
}
