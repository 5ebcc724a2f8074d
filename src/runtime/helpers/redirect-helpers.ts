// XDP redirect helpers: bpf_redirect (ifindex) and bpf_redirect_map (DEVMAP, DEVMAP_HASH, CPUMAP,
// XSKMAP) with the kernel's flag checks, lookup-failure fallback verdicts and broadcast mode.
// Kernel reference: net/core/filter.c (bpf_xdp_redirect), include/linux/filter.h (__bpf_xdp_redirect_map).

import { BpfFault } from "../../errors.js";
import { MapType } from "../../loader/types.js";
import { RedirectKind, type HelperFn } from "../runtime.js";
import type { RedirectMap } from "../maps/bpf-map.js";
import { mapArg, retInt, XDP_ABORTED, XDP_REDIRECT } from "./helper-abi.js";

/** bpf_redirect_map flags (include/uapi/linux/bpf.h). */
export const BPF_F_BROADCAST = 1 << 3;
export const BPF_F_EXCLUDE_INGRESS = 1 << 4;
/** XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX: the fallback verdict bits. */
const ACTION_MASK = 3;

/**
 * bpf_redirect(u32 ifindex, u64 flags) — helper 23, XDP flavour: any flag → XDP_ABORTED (the redirect
 * state is left alone), else remember the ifindex and return XDP_REDIRECT (the ifindex is not checked).
 */
export const redirect: HelperFn = (rt, r) => {
  if ((r[4] | r[5]) !== 0) return retInt(r, XDP_ABORTED);
  rt.redirectKind = RedirectKind.Ifindex;
  rt.redirectTarget = r[2];
  rt.redirectFlags = 0;
  retInt(r, XDP_REDIRECT);
};

/**
 * bpf_redirect_map(map, u64 key, u64 flags) — helper 51. Flags other than the low two bits (and
 * BPF_F_BROADCAST / BPF_F_EXCLUDE_INGRESS on device maps) → XDP_ABORTED. The key is truncated to u32
 * by the maps' lookup. An empty slot or a key out of range returns the low two flag bits as the
 * verdict, unless BPF_F_BROADCAST is set (then it is XDP_REDIRECT to every device in the map).
 */
export const redirectMap: HelperFn = (rt, r) => {
  const m = mapArg(rt, r, 1, "bpf_redirect_map");
  const type = m.spec.type;
  let kind: RedirectKind;
  let allowed = ACTION_MASK;
  if (type === MapType.DEVMAP || type === MapType.DEVMAP_HASH) {
    kind = RedirectKind.Ifindex;
    allowed |= BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
  } else if (type === MapType.CPUMAP) {
    kind = RedirectKind.Cpu;
  } else if (type === MapType.XSKMAP) {
    kind = RedirectKind.Xsk;
  } else {
    throw new BpfFault(`bpf_redirect_map: map '${m.spec.name}' (type ${type}) is not a redirect map`);
  }
  const flags = r[6];
  if (r[7] !== 0 || (flags & ~allowed) !== 0) return retInt(r, XDP_ABORTED);
  const target = (m as RedirectMap).target(r[4]);
  if ((flags & BPF_F_BROADCAST) !== 0) {
    rt.redirectKind = RedirectKind.Broadcast;
    rt.redirectTarget = m.spec.index;
    rt.redirectFlags = flags;
    return retInt(r, XDP_REDIRECT);
  }
  if (target < 0) {
    rt.redirectKind = RedirectKind.None;
    rt.redirectTarget = 0;
    rt.redirectFlags = 0;
    return retInt(r, flags & ACTION_MASK);
  }
  rt.redirectKind = kind;
  rt.redirectTarget = target;
  rt.redirectFlags = 0;
  retInt(r, XDP_REDIRECT);
};

/** Helper id → implementation for this family. */
export const REDIRECT_HELPERS: [number, HelperFn][] = [
  [23, redirect],
  [51, redirectMap],
];
