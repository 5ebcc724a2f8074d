// Socket helpers XDP programs may call: the simulated host has no sockets, so every lookup finds
// nothing (NULL) and the helpers that need a socket can never be reached with one.
// Kernel reference: net/core/filter.c (bpf_xdp_sk_lookup_tcp/udp, bpf_xdp_skc_lookup_tcp, bpf_sk_release).

import { BpfFault } from "../../errors.js";
import type { HelperFn } from "../runtime.js";
import { memArg } from "./helper-abi.js";

/** bpf_sk_lookup_tcp / _udp / bpf_skc_lookup_tcp(ctx, tuple, u32 size, u64 netns, u64 flags) — 84, 85, 99: NULL. */
export const skLookup: HelperFn = (rt, r) => {
  memArg(rt, r, 2, r[6], false);
  r[0] = 0;
  r[1] = 0;
};

/** Helpers whose socket argument no simulated program can hold (sk_release, syncookie helpers). */
function needsSocket(name: string): HelperFn {
  return () => {
    throw new BpfFault(`${name}: no sockets exist in xdpsim (socket lookups always return NULL)`);
  };
}

/** Helper id → implementation for this family. */
export const SOCKET_HELPERS: [number, HelperFn][] = [
  [84, skLookup],
  [85, skLookup],
  [86, needsSocket("bpf_sk_release")],
  [99, skLookup],
  [100, needsSocket("bpf_tcp_check_syncookie")],
  [110, needsSocket("bpf_tcp_gen_syncookie")],
];
