// BPF_MAP_TYPE_XSKMAP: slots hold AF_XDP sockets, which the simulator has none of, so every slot
// stays empty (redirects take the fallback); the syscall side answers as the kernel does for a bad fd.
// net/xdp/xskmap.c (xsk_map_update_elem, xsk_map_delete_elem, xsk_map_lookup_elem_sys_only).

import type { MapSpec } from "../../loader/types.js";
import type { AddressSpace, Region } from "../memory.js";
import { BPF_EXIST, E2BIG, EBADF, EINVAL, EOPNOTSUPP, EPERM, type MapEntry, type RedirectMap } from "./bpf-map.js";
import { readU32, u32Key, nextIndexKey } from "./copy-bytes.js";
import { addHandleRegion, userCanRead, userCanWrite } from "./hash-map.js";
import { normFlags } from "./map-flags.js";

export class XskMap implements RedirectMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region | null = null;
  readonly handleRegion: Region;
  readonly dumpable = true;
  readonly maxEntries: number;

  constructor(spec: MapSpec, mem: AddressSpace) {
    this.spec = spec;
    this.maxEntries = spec.maxEntries;
    this.handleRegion = addHandleRegion(spec, mem);
  }

  /** A program's lookup returns the slot's socket: always NULL here. */
  lookup(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -1;
  }

  update(_key: Uint8Array, _keyOff: number, _value: Uint8Array, _valueOff: number, _flags: number, _cpu: number): number {
    return -EOPNOTSUPP;
  }

  delete(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -EOPNOTSUPP;
  }

  target(_key: number): number {
    return -1;
  }

  /** The kernel refuses syscall lookups of XSKMAP (EOPNOTSUPP). */
  userLookup(_key: Uint8Array): Uint8Array | null {
    return null;
  }

  /** Value = a socket fd; there are no sockets, so it is a bad fd (EBADF) once flags and key pass. */
  userUpdate(key: Uint8Array, _value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4) return -EINVAL;
    if (normFlags(flags) > BPF_EXIST) return -EINVAL;
    if (readU32(key, 0) >= this.maxEntries) return -E2BIG;
    return -EBADF;
  }

  userDelete(key: Uint8Array): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (key.length < 4 || readU32(key, 0) >= this.maxEntries) return -EINVAL;
    return 0;
  }

  userNextKey(key: Uint8Array | null): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    return nextIndexKey(key, this.maxEntries);
  }

  /** No slot is ever filled. */
  dump(): MapEntry[] {
    return [];
  }

  reset(): void {}
}
