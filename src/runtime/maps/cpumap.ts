// BPF_MAP_TYPE_CPUMAP: slot = destination CPU, value struct bpf_cpumap_val {qsize, prog fd/id};
// qsize 0 leaves a slot empty, > 16384 is refused. Programs only redirect to it (no lookups).
// kernel/bpf/cpumap.c (cpu_map_update_elem, cpu_map_delete_elem, cpu_map_get_next_key).

import type { MapSpec } from "../../loader/types.js";
import type { AddressSpace, Region } from "../memory.js";
import {
  BPF_EXIST, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENODEV, ENOMEM, EOPNOTSUPP, EOVERFLOW, EPERM,
  type MapEntry, type RedirectMap,
} from "./bpf-map.js";
import { readU32, u32Key, writeU32, nextIndexKey } from "./copy-bytes.js";
import { addHandleRegion, userCanRead, userCanWrite } from "./hash-map.js";
import { normFlags } from "./map-flags.js";

/** The kernel's sanity limit on a cpumap entry's queue size. */
export const CPUMAP_MAX_QSIZE = 16384;

export class CpuMap implements RedirectMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region | null = null;
  readonly handleRegion: Region;
  readonly dumpable = true;
  readonly maxEntries: number;
  readonly ncpus: number;
  /** struct bpf_cpumap_val per slot: qsize (0 = empty), prog id. */
  private readonly vals: Uint8Array;
  /** fd → program id of a BPF_XDP_CPUMAP program, or -1 (the update then fails with ENOMEM). */
  private readonly cpumapProgram: (fd: number) => number;

  constructor(spec: MapSpec, mem: AddressSpace, ncpus: number, cpumapProgram: (fd: number) => number = () => -1) {
    this.spec = spec;
    this.maxEntries = spec.maxEntries;
    this.ncpus = ncpus;
    this.cpumapProgram = cpumapProgram;
    this.vals = new Uint8Array(spec.maxEntries * 8);
    this.handleRegion = addHandleRegion(spec, mem);
  }

  private qsize(i: number): number {
    return readU32(this.vals, i * 8);
  }

  /** The verifier lets programs only bpf_redirect_map() into a cpumap. */
  lookup(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -1;
  }

  update(_key: Uint8Array, _keyOff: number, _value: Uint8Array, _valueOff: number, _flags: number, _cpu: number): number {
    return -EOPNOTSUPP;
  }

  delete(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -EOPNOTSUPP;
  }

  /** Destination CPU of slot `key`, or -1 when empty / out of range. */
  target(key: number): number {
    const i = key >>> 0;
    return i < this.maxEntries && this.qsize(i) !== 0 ? i : -1;
  }

  userLookup(key: Uint8Array): Uint8Array | null {
    if (!userCanRead(this.spec) || key.length < 4) return null;
    const i = readU32(key, 0);
    if (i >= this.maxEntries || this.qsize(i) === 0) return null;
    return this.vals.slice(i * 8, i * 8 + this.spec.valueSize);
  }

  userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4 || value.length < this.spec.valueSize) return -EINVAL;
    const f = normFlags(flags);
    const i = readU32(key, 0);
    const qsize = readU32(value, 0);
    const fd = this.spec.valueSize === 8 ? readU32(value, 4) | 0 : 0;
    if (f > BPF_EXIST) return -EINVAL;
    if (i >= this.maxEntries) return -E2BIG;
    if (f === BPF_NOEXIST) return -EEXIST;
    if (qsize > CPUMAP_MAX_QSIZE) return -EOVERFLOW;
    if (i >= this.ncpus) return -ENODEV;
    if (qsize === 0) {
      this.vals.fill(0, i * 8, i * 8 + 8);
      return 0;
    }
    let progId = 0;
    if (fd > 0) {
      progId = this.cpumapProgram(fd);
      if (progId < 0) return -ENOMEM;
    }
    writeU32(this.vals, i * 8, qsize);
    writeU32(this.vals, i * 8 + 4, progId);
    return 0;
  }

  userDelete(key: Uint8Array): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4) return -EINVAL;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -EINVAL;
    this.vals.fill(0, i * 8, i * 8 + 8);
    return 0;
  }

  userNextKey(key: Uint8Array | null): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    return nextIndexKey(key, this.maxEntries);
  }

  /** Filled slots only. */
  dump(): MapEntry[] {
    const out: MapEntry[] = [];
    for (let i = 0; i < this.maxEntries; i++) {
      if (this.qsize(i) !== 0) out.push({ key: u32Key(i), value: this.vals.slice(i * 8, i * 8 + this.spec.valueSize) });
    }
    return out;
  }

  reset(): void {
    this.vals.fill(0);
  }
}
