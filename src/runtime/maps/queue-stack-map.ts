// BPF_MAP_TYPE_QUEUE (FIFO) and STACK (LIFO): a ring of max_entries + 1 value slots with head/tail
// indices; full pushes fail with -E2BIG unless BPF_EXIST, which drops the oldest element.
// kernel/bpf/queue_stack_maps.c (queue_stack_map_push_elem, __queue_map_get, __stack_map_get).

import type { MapSpec } from "../../loader/types.js";
import { MapType } from "../../loader/types.js";
import type { AddressSpace, Region } from "../memory.js";
import {
  BPF_EXIST, BPF_NOEXIST, E2BIG, EINVAL, ENOENT, EPERM, type MapEntry, type QueueStackMap,
} from "./bpf-map.js";
import { copyBytes } from "./copy-bytes.js";
import { addHandleRegion, userCanRead, userCanWrite } from "./hash-map.js";
import { normFlags } from "./map-flags.js";

export class QueueStack implements QueueStackMap {
  readonly spec: MapSpec;
  readonly valueRegion: Region | null = null;
  readonly handleRegion: Region;
  readonly dumpable = false;
  /** true: STACK (pop the newest), false: QUEUE (pop the oldest). */
  readonly lifo: boolean;
  readonly valueSize: number;
  /** max_entries + 1 slots: head == tail means empty. */
  private readonly size: number;
  private readonly elements: Uint8Array;
  private head = 0;
  private tail = 0;

  constructor(spec: MapSpec, mem: AddressSpace) {
    this.spec = spec;
    this.lifo = spec.type === MapType.STACK;
    this.valueSize = spec.valueSize;
    this.size = spec.maxEntries + 1;
    this.elements = new Uint8Array(this.size * spec.valueSize);
    this.handleRegion = addHandleRegion(spec, mem);
  }

  /** Elements currently held. */
  get length(): number {
    return (this.head - this.tail + this.size) % this.size;
  }

  push(value: Uint8Array, valueOff: number, flags: number): number {
    const f = normFlags(flags);
    if (f & BPF_NOEXIST || f > BPF_EXIST) return -EINVAL;
    let next = this.head + 1;
    if (next >= this.size) next = 0;
    if (next === this.tail) {
      if (!(f & BPF_EXIST)) return -E2BIG;
      if (++this.tail >= this.size) this.tail = 0;
    }
    copyBytes(this.elements, this.head * this.valueSize, value, valueOff, this.valueSize);
    this.head = next;
    return 0;
  }

  private get(dst: Uint8Array, dstOff: number, remove: boolean): number {
    const vs = this.valueSize;
    if (this.head === this.tail) {
      dst.fill(0, dstOff, dstOff + vs);
      return -ENOENT;
    }
    if (this.lifo) {
      const index = this.head === 0 ? this.size - 1 : this.head - 1;
      copyBytes(dst, dstOff, this.elements, index * vs, vs);
      if (remove) this.head = index;
    } else {
      copyBytes(dst, dstOff, this.elements, this.tail * vs, vs);
      if (remove && ++this.tail >= this.size) this.tail = 0;
    }
    return 0;
  }

  pop(dst: Uint8Array, dstOff: number): number {
    return this.get(dst, dstOff, true);
  }

  peek(dst: Uint8Array, dstOff: number): number {
    return this.get(dst, dstOff, false);
  }

  // The generic element ops are what the kernel's queue_stack map ops return.
  lookup(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -1;
  }

  update(_key: Uint8Array, _keyOff: number, _value: Uint8Array, _valueOff: number, _flags: number, _cpu: number): number {
    return -EINVAL;
  }

  delete(_key: Uint8Array, _keyOff: number, _cpu: number): number {
    return -EINVAL;
  }

  /** BPF_MAP_LOOKUP_ELEM with a NULL key: peek. */
  userLookup(_key: Uint8Array): Uint8Array | null {
    if (!userCanRead(this.spec)) return null;
    const out = new Uint8Array(this.valueSize);
    return this.peek(out, 0) === 0 ? out : null;
  }

  /** BPF_MAP_UPDATE_ELEM with a NULL key: push. */
  userUpdate(_key: Uint8Array, value: Uint8Array, flags: number): number {
    if (!userCanWrite(this.spec)) return -EPERM;
    if (value.length < this.valueSize) return -EINVAL;
    return this.push(value, 0, flags);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM with a NULL key: pop (null when empty). */
  userPop(): Uint8Array | null {
    if (!userCanWrite(this.spec)) return null;
    const out = new Uint8Array(this.valueSize);
    return this.pop(out, 0) === 0 ? out : null;
  }

  userDelete(_key: Uint8Array): number {
    return -EINVAL;
  }

  /** BPF_MAP_GET_NEXT_KEY fails (EINVAL): no keys. */
  userNextKey(_key: Uint8Array | null): Uint8Array | null {
    return null;
  }

  /** The elements in pop order, keyless (the kernel cannot dump these maps; for inspection). */
  dump(): MapEntry[] {
    const out: MapEntry[] = [];
    const n = this.length;
    for (let i = 0; i < n; i++) {
      const idx = this.lifo ? (this.head - 1 - i + 2 * this.size) % this.size : (this.tail + i) % this.size;
      out.push({ key: new Uint8Array(0), value: this.elements.slice(idx * this.valueSize, (idx + 1) * this.valueSize) });
    }
    return out;
  }

  reset(): void {
    this.elements.fill(0);
    this.head = this.tail = 0;
  }
}
