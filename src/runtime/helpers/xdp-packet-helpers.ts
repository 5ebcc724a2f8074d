// XDP packet helpers: adjust_head/tail/meta, get_buff_len, load/store_bytes, check_mtu, with the
// argument and return semantics of the kernel's bpf_func_protos for BPF_PROG_TYPE_XDP.
// Kernel reference: net/core/filter.c (bpf_xdp_adjust_*, bpf_xdp_*_bytes, bpf_xdp_check_mtu).

import { BpfFault } from "../../errors.js";
import { REGION_CTX } from "../memory.js";
import type { HelperFn } from "../runtime.js";
import { EINVAL, ENODEV } from "../maps/bpf-map.js";
import { ETH_HLEN } from "../xdp-buff.js";
import { argS32, memArg, retInt, retU53 } from "./helper-abi.js";

/** enum bpf_check_mtu_ret. */
export const BPF_MTU_CHK_RET_SUCCESS = 0;
export const BPF_MTU_CHK_RET_FRAG_NEEDED = 1;

/** r1 must be the program's ctx (ARG_PTR_TO_CTX). */
function checkCtx(r: Uint32Array, helper: string): void {
  if (r[3] !== REGION_CTX) throw new BpfFault(`${helper}: R1 is not the xdp_md context`);
}

/** bpf_xdp_adjust_head(ctx, int offset) — helper 44. */
export const xdpAdjustHead: HelperFn = (rt, r) => {
  checkCtx(r, "bpf_xdp_adjust_head");
  retInt(r, rt.xdp.adjustHead(argS32(r, 2)));
};

/** bpf_xdp_adjust_meta(ctx, int offset) — helper 54. */
export const xdpAdjustMeta: HelperFn = (rt, r) => {
  checkCtx(r, "bpf_xdp_adjust_meta");
  retInt(r, rt.xdp.adjustMeta(argS32(r, 2)));
};

/** bpf_xdp_adjust_tail(ctx, int offset) — helper 65. */
export const xdpAdjustTail: HelperFn = (rt, r) => {
  checkCtx(r, "bpf_xdp_adjust_tail");
  retInt(r, rt.xdp.adjustTail(argS32(r, 2)));
};

/** bpf_xdp_get_buff_len(ctx) — helper 188: linear data plus fragments. */
export const xdpGetBuffLen: HelperFn = (rt, r) => {
  checkCtx(r, "bpf_xdp_get_buff_len");
  retU53(r, rt.xdp.buffLen());
};

/** bpf_xdp_load_bytes(ctx, u32 offset, void *buf, u32 len) — helper 189. */
export const xdpLoadBytes: HelperFn = (rt, r) => {
  checkCtx(r, "bpf_xdp_load_bytes");
  const len = r[8];
  const dst = memArg(rt, r, 3, len, true);
  retInt(r, rt.xdp.loadBytes(r[4], dst.bytes, r[6], len));
};

/** bpf_xdp_store_bytes(ctx, u32 offset, void *buf, u32 len) — helper 190. */
export const xdpStoreBytes: HelperFn = (rt, r) => {
  checkCtx(r, "bpf_xdp_store_bytes");
  const len = r[8];
  const src = memArg(rt, r, 3, len, false);
  retInt(r, rt.xdp.storeBytes(r[4], src.bytes, r[6], len));
};

/**
 * bpf_check_mtu(ctx, u32 ifindex, u32 *mtu_len, s32 len_diff, u64 flags) — helper 163, XDP flavour
 * (bpf_xdp_check_mtu): flags must be 0; ifindex 0 means the ingress device; the length checked is
 * the linear length, or *mtu_len + ETH_HLEN when *mtu_len is non-zero, plus len_diff, against
 * MTU + ETH_HLEN (int arithmetic). Writes the device MTU to *mtu_len unless it fails.
 */
export const checkMtu: HelperFn = (rt, r) => {
  checkCtx(r, "bpf_check_mtu");
  const mtuLen = memArg(rt, r, 3, 4, true);
  if ((r[10] | r[11]) !== 0) return retInt(r, -EINVAL);
  const ifindex = r[4];
  const dev = rt.device(ifindex === 0 ? rt.xdp.ingressIfindex : ifindex);
  if (dev === undefined) return retInt(r, -ENODEV);
  const at = r[6];
  const mtu = dev.mtu | 0;
  const devLen = (mtu + ETH_HLEN) | 0;
  const inLen = mtuLen.dv.getUint32(at, true);
  let len = inLen !== 0 ? (inLen + ETH_HLEN) | 0 : rt.xdp.dataEnd - rt.xdp.data;
  len = (len + (r[8] | 0)) | 0;
  mtuLen.dv.setUint32(at, mtu >>> 0, true);
  retInt(r, len > devLen ? BPF_MTU_CHK_RET_FRAG_NEEDED : BPF_MTU_CHK_RET_SUCCESS);
};

/** Helper id → implementation for this family. */
export const XDP_PACKET_HELPERS: [number, HelperFn][] = [
  [44, xdpAdjustHead],
  [54, xdpAdjustMeta],
  [65, xdpAdjustTail],
  [163, checkMtu],
  [188, xdpGetBuffLen],
  [189, xdpLoadBytes],
  [190, xdpStoreBytes],
];
