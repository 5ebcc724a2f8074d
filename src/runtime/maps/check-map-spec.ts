// Map definition checks the kernel makes at BPF_MAP_CREATE (each family's map_alloc_check /
// map_alloc): a definition the kernel refuses is a LoadError naming the map, the rule and the errno.
// kernel/bpf/{arraymap,hashtab,lpm_trie,devmap,cpumap,queue_stack_maps,ringbuf}.c, net/xdp/xskmap.c.

import { LoadError } from "../../errors.js";
import { MapType, type MapSpec } from "../../loader/types.js";
import {
  BPF_F_ACCESS_MASK, BPF_F_INNER_MAP, BPF_F_MMAPABLE, BPF_F_NO_COMMON_LRU, BPF_F_NO_PREALLOC,
  BPF_F_NUMA_NODE, BPF_F_PRESERVE_ELEMS, BPF_F_RDONLY, BPF_F_RDONLY_PROG, BPF_F_WRONLY,
  BPF_F_WRONLY_PROG, BPF_F_ZERO_SEED, mapTypeName,
} from "./map-flags.js";

/** PCPU_MIN_UNIT_SIZE: largest per-CPU value. */
const PCPU_MIN_UNIT_SIZE = 32768;
/** KMALLOC_MAX_SIZE on x86-64 (order-10 pages): bound of hash key + value. */
const KMALLOC_MAX_SIZE = 1 << 22;
/** sizeof(struct htab_elem) on x86-64. */
const HTAB_ELEM_SIZE = 48;
/** NR_CPUS of a typical x86-64 distribution kernel (cpumap max_entries bound). */
export const NR_CPUS = 8192;
const PAGE_SIZE = 4096;
/** RINGBUF_MAX_DATA_SZ: (2^24 - 2 position pages - 1 header page) pages. */
const RINGBUF_MAX_DATA_SZ = ((1 << 24) - 3) * PAGE_SIZE;
/** xdpsim allocates every map up front (as the kernel's preallocated maps); refuse absurd sizes. */
export const MAX_MAP_BYTES = 1 << 30;

const ARRAY_FLAGS = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;
const HTAB_FLAGS = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;
const LPM_FLAGS = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;
const DEV_FLAGS = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY;
const QUEUE_STACK_FLAGS = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;

/** The one-line refusal: `map 'flows' (lru_hash): … (the kernel's BPF_MAP_CREATE fails: ENOTSUPP)`. */
export function mapCreateError(spec: MapSpec, reason: string, errno: string): LoadError {
  return new LoadError(`map '${spec.name}' (${mapTypeName(spec.type)}): ${reason} (the kernel's BPF_MAP_CREATE fails: ${errno})`);
}

function fail(spec: MapSpec, errno: string, reason: string): never {
  throw mapCreateError(spec, reason, errno);
}

function flagList(flags: number): string {
  return `0x${(flags >>> 0).toString(16)}`;
}

/** bpf_map_flags_access_ok: BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together are refused. */
function checkAccess(spec: MapSpec): void {
  if ((spec.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) === (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) {
    fail(spec, "EINVAL", "map_flags has both BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG");
  }
}

function checkMask(spec: MapSpec, allowed: number): void {
  const bad = (spec.flags & ~allowed) >>> 0;
  if (bad) fail(spec, "EINVAL", `map_flags ${flagList(bad)} not allowed for this map type (allowed: ${flagList(allowed)})`);
}

function needMaxEntries(spec: MapSpec): void {
  if (spec.maxEntries === 0) fail(spec, "EINVAL", "max_entries is 0");
}

function needKeySize(spec: MapSpec, size: number): void {
  if (spec.keySize !== size) fail(spec, "EINVAL", `key_size is ${spec.keySize}, must be ${size}`);
}

/**
 * Throw a LoadError when the kernel would refuse to create this map (errno named in the message),
 * or when it is too large for xdpsim's up-front allocation. `ncpus` = possible CPUs.
 */
export function checkMapSpec(spec: MapSpec, ncpus: number): void {
  const { keySize: ks, valueSize: vs, maxEntries: max } = spec;
  if (![ks, vs, max, spec.flags].every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff)) {
    fail(spec, "EINVAL", `key_size ${ks}, value_size ${vs}, max_entries ${max}, map_flags ${spec.flags}: not 32-bit unsigned integers`);
  }
  let bytes = 0;
  switch (spec.type) {
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY:
    case MapType.PROG_ARRAY: {
      const percpu = spec.type === MapType.PERCPU_ARRAY;
      if (spec.type === MapType.PROG_ARRAY) {
        if (vs !== 4) fail(spec, "EINVAL", `value_size is ${vs}, must be 4 (a program fd)`);
        if (spec.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) fail(spec, "EINVAL", "BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG not supported");
      }
      needMaxEntries(spec);
      needKeySize(spec, 4);
      if (vs === 0) fail(spec, "EINVAL", "value_size is 0");
      // array_map_alloc_check: user space could not access bigger elements.
      if (vs > KMALLOC_MAX_SIZE) fail(spec, "E2BIG", `value_size ${vs} exceeds KMALLOC_MAX_SIZE (${KMALLOC_MAX_SIZE})`);
      checkMask(spec, ARRAY_FLAGS);
      checkAccess(spec);
      if (spec.type !== MapType.ARRAY && spec.flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)) {
        fail(spec, "EINVAL", "BPF_F_MMAPABLE / BPF_F_INNER_MAP are for BPF_MAP_TYPE_ARRAY only");
      }
      if (spec.flags & BPF_F_PRESERVE_ELEMS) fail(spec, "EINVAL", "BPF_F_PRESERVE_ELEMS is for perf event arrays only");
      if (percpu && vs > PCPU_MIN_UNIT_SIZE) fail(spec, "E2BIG", `per-CPU value_size ${vs} exceeds ${PCPU_MIN_UNIT_SIZE}`);
      bytes = max * ((vs + 7) & ~7) * (percpu ? ncpus : 1);
      break;
    }
    case MapType.HASH:
    case MapType.PERCPU_HASH:
    case MapType.LRU_HASH:
    case MapType.LRU_PERCPU_HASH: {
      const percpu = spec.type === MapType.PERCPU_HASH || spec.type === MapType.LRU_PERCPU_HASH;
      const lru = spec.type === MapType.LRU_HASH || spec.type === MapType.LRU_PERCPU_HASH;
      checkMask(spec, HTAB_FLAGS);
      checkAccess(spec);
      if (!lru && spec.flags & BPF_F_NO_COMMON_LRU) fail(spec, "EINVAL", "BPF_F_NO_COMMON_LRU is for LRU maps only");
      if (lru && spec.flags & BPF_F_NO_PREALLOC) fail(spec, "ENOTSUPP", "LRU maps cannot be BPF_F_NO_PREALLOC");
      needMaxEntries(spec);
      if (ks === 0) fail(spec, "EINVAL", "key_size is 0");
      if (vs === 0) fail(spec, "EINVAL", "value_size is 0");
      if (ks + vs >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) fail(spec, "E2BIG", `key_size + value_size (${ks + vs}) too large`);
      if (percpu && ((vs + 7) & ~7) > PCPU_MIN_UNIT_SIZE) fail(spec, "E2BIG", `per-CPU value_size ${vs} exceeds ${PCPU_MIN_UNIT_SIZE}`);
      if (max > 2 ** 31) fail(spec, "E2BIG", `max_entries ${max} exceeds 2^31`);
      bytes = (max + ncpus) * (((ks + 3) & ~3) + ((vs + 7) & ~7) * (percpu ? ncpus : 1) + 16);
      break;
    }
    case MapType.LPM_TRIE:
      needMaxEntries(spec);
      if (!(spec.flags & BPF_F_NO_PREALLOC)) fail(spec, "EINVAL", "LPM tries must be created with BPF_F_NO_PREALLOC");
      checkMask(spec, LPM_FLAGS);
      checkAccess(spec);
      if (ks < 5 || ks > 260) fail(spec, "EINVAL", `key_size ${ks} outside 5..260 (u32 prefixlen + 1..256 data bytes)`);
      if (vs < 1) fail(spec, "EINVAL", "value_size is 0");
      if (vs > KMALLOC_MAX_SIZE - 256 - 24) fail(spec, "EINVAL", `value_size ${vs} too large`);
      bytes = (max + 1) * ((vs + 7) & ~7);
      break;
    case MapType.DEVMAP:
    case MapType.DEVMAP_HASH:
      needMaxEntries(spec);
      needKeySize(spec, 4);
      if (vs !== 4 && vs !== 8) fail(spec, "EINVAL", `value_size is ${vs}, must be 4 (ifindex) or 8 (struct bpf_devmap_val)`);
      checkMask(spec, DEV_FLAGS);
      if (spec.type === MapType.DEVMAP_HASH && max > 2 ** 31) fail(spec, "EINVAL", `max_entries ${max}: bucket count overflows`);
      bytes = (max + 1) * 16;
      break;
    case MapType.CPUMAP:
      needMaxEntries(spec);
      needKeySize(spec, 4);
      if (vs !== 4 && vs !== 8) fail(spec, "EINVAL", `value_size is ${vs}, must be 4 (qsize) or 8 (struct bpf_cpumap_val)`);
      checkMask(spec, BPF_F_NUMA_NODE);
      if (max > NR_CPUS) fail(spec, "E2BIG", `max_entries ${max} exceeds NR_CPUS (${NR_CPUS})`);
      bytes = max * 8;
      break;
    case MapType.PERF_EVENT_ARRAY:
      // libbpf turns max_entries 0 into the possible CPU count.
      needKeySize(spec, 4);
      if (vs !== 4) fail(spec, "EINVAL", `value_size is ${vs}, must be 4 (a perf event fd)`);
      checkMask(spec, BPF_F_PRESERVE_ELEMS | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY);
      bytes = (spec.maxEntries || ncpus) * 4;
      break;
    case MapType.XSKMAP:
      needMaxEntries(spec);
      needKeySize(spec, 4);
      if (vs !== 4) fail(spec, "EINVAL", `value_size is ${vs}, must be 4 (an AF_XDP socket fd)`);
      checkMask(spec, DEV_FLAGS);
      bytes = max;
      break;
    case MapType.QUEUE:
    case MapType.STACK:
      needMaxEntries(spec);
      if (ks !== 0) fail(spec, "EINVAL", `key_size is ${ks}, must be 0`);
      if (vs === 0) fail(spec, "EINVAL", "value_size is 0");
      checkMask(spec, QUEUE_STACK_FLAGS);
      checkAccess(spec);
      if (vs > KMALLOC_MAX_SIZE) fail(spec, "E2BIG", `value_size ${vs} too large`);
      bytes = (max + 1) * vs;
      break;
    case MapType.RINGBUF:
      checkMask(spec, BPF_F_NUMA_NODE);
      if (ks !== 0 || vs !== 0) fail(spec, "EINVAL", `key_size and value_size must be 0 (are ${ks} and ${vs})`);
      if (max === 0 || (max & (max - 1)) !== 0 || max % PAGE_SIZE !== 0) {
        fail(spec, "EINVAL", `max_entries ${max} (the ring size) must be a power of 2 and a multiple of the page size (${PAGE_SIZE})`);
      }
      if (max > RINGBUF_MAX_DATA_SZ) fail(spec, "E2BIG", `ring size ${max} too large`);
      bytes = 2 * max;
      break;
    default:
      throw new LoadError(`map '${spec.name}': type ${mapTypeName(spec.type)} (${spec.type}) is not supported by xdpsim`);
  }
  if (bytes > MAX_MAP_BYTES) {
    throw new LoadError(`map '${spec.name}' (${mapTypeName(spec.type)}): needs ${Math.ceil(bytes / 2 ** 20)} MiB up front, more than xdpsim's ${MAX_MAP_BYTES / 2 ** 20} MiB per-map limit (lower max_entries)`);
  }
}
