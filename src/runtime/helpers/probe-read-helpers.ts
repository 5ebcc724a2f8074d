// bpf_probe_read_kernel/_user and their _str variants: kernel memory is the simulated address space
// (a pointer the program holds reads like the kernel object it stands for); user memory does not
// exist in XDP's softirq context, so user reads fail. Failed reads zero the destination.
// Kernel reference: kernel/trace/bpf_trace.c (bpf_probe_read_*), mm/maccess.c (*_nofault).

import { RegionKind } from "../memory.js";
import type { HelperFn } from "../runtime.js";
import { EFAULT, ERANGE } from "../maps/bpf-map.js";
import { memArg, retInt } from "./helper-abi.js";
import { readCString } from "./bprintf.js";

/**
 * Error for an unreadable "kernel" address: x86-64's copy_from_kernel_nofault_allowed refuses the user
 * half (below TASK_SIZE_MAX + PAGE_SIZE = 2^47 + 4096, e.g. NULL) with -ERANGE; the rest faults.
 */
function unreadable(hi: number, lo: number): number {
  return hi < 0x8000 || (hi === 0x8000 && lo < 4096) ? -ERANGE : -EFAULT;
}

/** bpf_probe_read_kernel(void *dst, u32 size, const void *unsafe_ptr) — helper 113 (GPL). */
export const probeReadKernel: HelperFn = (rt, r) => {
  const size = r[4];
  const dst = memArg(rt, r, 1, size, true);
  const src = rt.mem.regions[r[7]];
  const lo = r[6];
  if (src === undefined || src.kind === RegionKind.Invalid || lo < src.start || lo + size > src.end) {
    dst.bytes.fill(0, r[2], r[2] + size);
    return retInt(r, unreadable(r[7], r[6]));
  }
  dst.bytes.set(src.bytes.subarray(lo, lo + size), r[2]);
  retInt(r, 0);
};

/** bpf_probe_read_user(void *dst, u32 size, const void *unsafe_ptr) — helper 112 (GPL): -EFAULT. */
export const probeReadUser: HelperFn = (rt, r) => {
  const size = r[4];
  const dst = memArg(rt, r, 1, size, true);
  dst.bytes.fill(0, r[2], r[2] + size);
  retInt(r, -EFAULT);
};

/**
 * bpf_probe_read_kernel_str(void *dst, u32 size, const void *unsafe_ptr) — helper 115 (GPL): copies up
 * to size - 1 bytes and a NUL; returns the bytes written including the NUL (0 when size is 0).
 */
export const probeReadKernelStr: HelperFn = (rt, r) => {
  const size = r[4];
  const dst = memArg(rt, r, 1, size, true);
  if (size === 0) return retInt(r, 0);
  const s = readCString(rt, (BigInt(r[7]) << 32n) | BigInt(r[6]), size);
  if (s === null) {
    dst.bytes.fill(0, r[2], r[2] + size);
    return retInt(r, unreadable(r[7], r[6]));
  }
  dst.bytes.set(s, r[2]);
  dst.bytes[r[2] + s.length] = 0;
  retInt(r, s.length + 1);
};

/** bpf_probe_read_user_str — helper 114 (GPL): -EFAULT, destination zeroed. */
export const probeReadUserStr: HelperFn = (rt, r) => {
  const size = r[4];
  const dst = memArg(rt, r, 1, size, true);
  if (size === 0) return retInt(r, 0);
  dst.bytes.fill(0, r[2], r[2] + size);
  retInt(r, -EFAULT);
};

/** Helper id → implementation for this family. */
export const PROBE_READ_HELPERS: [number, HelperFn][] = [
  [112, probeReadUser],
  [113, probeReadKernel],
  [114, probeReadUserStr],
  [115, probeReadKernelStr],
];
