// bpf_spin_lock / bpf_spin_unlock: one simulated CPU runs one program at a time, so locking is a
// no-op; the helpers only check that the lock is a writable 4-byte field inside a map value.
// Kernel reference: kernel/bpf/helpers.c (bpf_spin_lock, bpf_spin_unlock, __bpf_spin_lock_irqsave).

import { BpfFault } from "../../errors.js";
import { RegionKind } from "../memory.js";
import type { HelperFn, Runtime } from "../runtime.js";
import { memArg, retInt } from "./helper-abi.js";

function checkLock(rt: Runtime, r: Uint32Array, helper: string): void {
  const reg = memArg(rt, r, 1, 4, true);
  if (reg.kind !== RegionKind.MapValue) throw new BpfFault(`${helper}: R1 does not point into a map value (${reg.label})`);
}

/** bpf_spin_lock(struct bpf_spin_lock *lock) — helper 93. */
export const spinLock: HelperFn = (rt, r) => {
  checkLock(rt, r, "bpf_spin_lock");
  retInt(r, 0);
};

/** bpf_spin_unlock(struct bpf_spin_lock *lock) — helper 94. */
export const spinUnlock: HelperFn = (rt, r) => {
  checkLock(rt, r, "bpf_spin_unlock");
  retInt(r, 0);
};

/** Helper id → implementation for this family. */
export const SPIN_LOCK_HELPERS: [number, HelperFn][] = [
  [93, spinLock],
  [94, spinUnlock],
];
