// Map factory: checks a MapSpec as the kernel's BPF_MAP_CREATE does, then builds the simulated map
// of its family (one module per family). Unsupported types are a LoadError naming map and type.
// kernel/bpf/syscall.c (map_create → ops->map_alloc_check / map_alloc).

import { MapType, type MapSpec } from "../../loader/types.js";
import type { AddressSpace } from "../memory.js";
import { ArrayMap } from "./array-map.js";
import type { BpfMap } from "./bpf-map.js";
import { checkMapSpec, mapCreateError } from "./check-map-spec.js";
import { CpuMap } from "./cpumap.js";
import { DevMap, DevMapHash } from "./devmap.js";
import { HashMap } from "./hash-map.js";
import { LpmTrieMap } from "./lpm-trie-map.js";
import { LruHashMap } from "./lru-hash-map.js";
import { ProgArray } from "./prog-array-map.js";
import { QueueStack } from "./queue-stack-map.js";
import { Ringbuf } from "./ringbuf-map.js";
import { XskMap } from "./xskmap.js";
import { PerfEventArrayMap } from "./perf-event-array-map.js";
import { currentMapStorage } from "./map-storage.js";
import { SharedHashMap, SharedLpmTrieMap, SharedLruHashMap } from "./shared-maps.js";

/** What some families need from the simulated host. */
export interface CreateMapOptions {
  /** Network devices (devmap values must name one). Default: ifindex 1 (lo) only. */
  devices?: readonly { ifindex: number }[];
  /** Programs in the object: prog-array values are indexes below this. Default: unchecked. */
  programCount?: number;
  /** bpf_devmap_val.bpf_prog.fd → program id, -1 when not an xdp/devmap program (default: none). */
  devmapProgram?: (fd: number) => number;
  /** bpf_cpumap_val.bpf_prog.fd → program id, -1 when not an xdp/cpumap program (default: none). */
  cpumapProgram?: (fd: number) => number;
}

/**
 * Create the simulated map for `spec` in address space `mem` with `ncpus` possible CPUs.
 * Throws LoadError when the kernel would refuse the definition (errno in the message) or the type
 * is not supported.
 */
export function createMap(spec: MapSpec, mem: AddressSpace, ncpus: number, opts: CreateMapOptions = {}): BpfMap {
  if (!Number.isInteger(ncpus) || ncpus < 1) throw new RangeError(`createMap: ncpus must be a positive integer (got ${ncpus})`);
  if (spec.isGlobalData && (spec.type !== MapType.ARRAY || spec.maxEntries !== 1 || spec.keySize !== 4)) {
    throw mapCreateError(spec, "global data must be an ARRAY with key_size 4 and max_entries 1", "EINVAL");
  }
  checkMapSpec(spec, ncpus);
  const shared = currentMapStorage() !== null;
  switch (spec.type) {
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY:
      return new ArrayMap(spec, mem, ncpus);
    case MapType.HASH:
    case MapType.PERCPU_HASH:
      return shared ? new SharedHashMap(spec, mem, ncpus) : new HashMap(spec, mem, ncpus);
    case MapType.LRU_HASH:
    case MapType.LRU_PERCPU_HASH:
      return shared ? new SharedLruHashMap(spec, mem, ncpus) : new LruHashMap(spec, mem, ncpus);
    case MapType.LPM_TRIE:
      return shared ? new SharedLpmTrieMap(spec, mem) : new LpmTrieMap(spec, mem);
    case MapType.DEVMAP:
    case MapType.DEVMAP_HASH: {
      const devices = new Set((opts.devices ?? [{ ifindex: 1 }]).map((d) => d.ifindex));
      const env = { hasDevice: (i: number) => devices.has(i), devmapProgram: opts.devmapProgram ?? (() => -1) };
      return spec.type === MapType.DEVMAP ? new DevMap(spec, mem, env) : new DevMapHash(spec, mem, env);
    }
    case MapType.CPUMAP:
      return new CpuMap(spec, mem, ncpus, opts.cpumapProgram);
    case MapType.XSKMAP:
      return new XskMap(spec, mem);
    case MapType.PERF_EVENT_ARRAY:
      return new PerfEventArrayMap(spec, mem, ncpus);
    case MapType.PROG_ARRAY:
      return new ProgArray(spec, mem, opts.programCount);
    case MapType.RINGBUF:
      return new Ringbuf(spec, mem);
    case MapType.QUEUE:
    case MapType.STACK:
      return new QueueStack(spec, mem);
    default:
      // checkMapSpec already refused every other type; keep the compiler's exhaustiveness honest.
      throw mapCreateError(spec, "unsupported map type", "EINVAL");
  }
}

export { mapTypeName } from "./map-flags.js";
