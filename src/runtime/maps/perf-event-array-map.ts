// BPF_MAP_TYPE_PERF_EVENT_ARRAY: slots hold perf event fds, which a replay has none of, so every
// slot stays empty and bpf_perf_event_output answers -ENOENT; not dumpable (kernel/bpf/arraymap.c).

import type { MapSpec } from "../../loader/types.js";
import type { AddressSpace, Region } from "../memory.js";
import { BPF_EXIST, E2BIG, EBADF, EINVAL, ENOENT, EPERM, type BpfMap, type MapEntry } from "./bpf-map.js";
import { readU32, u32Key, nextIndexKey } from "./copy-bytes.js";
import { addHandleRegion, userCanRead, userCanWrite } from "./hash-map.js";
import { normFlags } from "./map-flags.js";

export class PerfEventArrayMap implements BpfMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region | null = null;
  readonly handleRegion: Region;
  /** bpftool cannot dump a perf event array's fds as values: listed under "_skipped". */
  readonly dumpable = false;
  readonly maxEntries: number;

  /** max_entries 0 means "one slot per possible CPU", as libbpf sets it. */
  constructor(spec: MapSpec, mem: AddressSpace, ncpus: number) {
    this.spec = spec;
    this.maxEntries = spec.maxEntries || ncpus;
    this.handleRegion = addHandleRegion(spec, mem);
  }

  /** Programs cannot look up fd arrays (the verifier refuses it); at run time: NULL. */
  lookup(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -1;
  }

  update(_key: Uint8Array, _keyOff: number, _value: Uint8Array, _valueOff: number, _flags: number, _cpu: number): number {
    return -EINVAL;
  }

  delete(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -EINVAL;
  }

  /** Every slot is empty. */
  userLookup(_key: Uint8Array): Uint8Array | null {
    return null;
  }

  /** The value is a perf event fd; none exist in a replay (EBADF) once flags and key pass. */
  userUpdate(key: Uint8Array, _value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4 || normFlags(flags) > BPF_EXIST) return -EINVAL;
    if (readU32(key, 0) >= this.maxEntries) return -E2BIG;
    return -EBADF;
  }

  userDelete(key: Uint8Array): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4 || readU32(key, 0) >= this.maxEntries) return -E2BIG;
    return -ENOENT;
  }

  userNextKey(key: Uint8Array | null): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    return nextIndexKey(key, this.maxEntries);
  }

  dump(): MapEntry[] {
    return [];
  }

  reset(): void {}
}
