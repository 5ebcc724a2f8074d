// The helper calling convention of runtime.ts's HelperFn: reading r1..r5 from (lo, hi) uint32 pairs,
// writing r0 (negative errno as 64-bit two's complement), resolving map and memory arguments.
// Kernel reference: include/linux/filter.h (BPF_CALL_x), kernel/bpf/verifier.c (argument kinds).

import { BpfFault } from "../../errors.js";
import { RegionKind, type Region } from "../memory.js";
import type { Runtime } from "../runtime.js";
import type { BpfMap } from "../maps/bpf-map.js";

/** errno values the map module does not export (include/uapi/asm-generic/errno*.h). */
export const EACCES = 13;
export const EAFNOSUPPORT = 97;

/** XDP verdicts (enum xdp_action). */
export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;
export const XDP_TX = 3;
export const XDP_REDIRECT = 4;

/** r0 = a signed 32-bit (or smaller) integer, sign-extended to 64 bits. */
export function retInt(r: Uint32Array, v: number): void {
  r[0] = v;
  r[1] = v < 0 ? 0xffffffff : 0;
}

/** r0 = an unsigned 64-bit value given as exact JS integer (0 ≤ v < 2^53). */
export function retU53(r: Uint32Array, v: number): void {
  r[0] = v % 0x1_0000_0000;
  r[1] = Math.floor(v / 0x1_0000_0000);
}

/** Argument register `n` as a signed 32-bit integer (the helper's C parameter is `int`/`s32`). */
export function argS32(r: Uint32Array, n: number): number {
  return r[2 * n] | 0;
}

/** Hex rendering of a register for fault messages. */
export function regHex(r: Uint32Array, n: number): string {
  const hi = r[2 * n + 1];
  const lo = r[2 * n].toString(16);
  return hi === 0 ? `0x${lo}` : `0x${hi.toString(16)}${lo.padStart(8, "0")}`;
}

/**
 * The map a CONST_PTR_TO_MAP argument names (register `n`): the address's high word is the map's
 * handle region. Throws BpfFault when the register does not hold a map pointer.
 */
export function mapArg(rt: Runtime, r: Uint32Array, n: number, helper: string): BpfMap {
  const reg = rt.mem.regions[r[2 * n + 1]];
  if (reg !== undefined && reg.kind === RegionKind.MapHandle && reg.mapIndex >= 0) {
    const m = rt.maps[reg.mapIndex];
    if (m !== undefined) return m;
  }
  throw new BpfFault(`${helper}: R${n} is not a map pointer (${regHex(r, n)})`);
}

/** Check that register `n` points at `size` accessible bytes; returns the region (offset = r lo). */
export function memArg(rt: Runtime, r: Uint32Array, n: number, size: number, write: boolean): Region {
  return rt.mem.check(r[2 * n + 1], r[2 * n], size, write);
}
