// bpf_fib_lookup for XDP against the user's route table (rt.opts.fib): struct bpf_fib_lookup in/out
// fields, BPF_FIB_LKUP_RET_* codes, MTU check, gateway / neighbour (MAC) resolution; plus the JSON
// route format. Kernel reference: net/core/filter.c (bpf_xdp_fib_lookup, bpf_ipv4/ipv6_fib_lookup).

import { UsageError } from "../../errors.js";
import type { FibRoute, HelperFn, Runtime } from "../runtime.js";
import { EINVAL, ENODEV } from "../maps/bpf-map.js";
import { EAFNOSUPPORT, memArg, retInt } from "./helper-abi.js";

/** sizeof(struct bpf_fib_lookup). */
export const BPF_FIB_LOOKUP_SIZE = 64;
/** Flags (include/uapi/linux/bpf.h). */
export const BPF_FIB_LOOKUP_DIRECT = 1 << 0;
export const BPF_FIB_LOOKUP_OUTPUT = 1 << 1;
export const BPF_FIB_LOOKUP_SKIP_NEIGH = 1 << 2;
export const BPF_FIB_LOOKUP_TBID = 1 << 3;
export const BPF_FIB_LOOKUP_SRC = 1 << 4;
export const BPF_FIB_LOOKUP_MARK = 1 << 5;
const KNOWN_FLAGS = 0x3f;
/** Return codes (enum bpf_fib_lookup_ret... BPF_FIB_LKUP_RET_*). */
export const BPF_FIB_LKUP_RET_SUCCESS = 0;
export const BPF_FIB_LKUP_RET_BLACKHOLE = 1;
export const BPF_FIB_LKUP_RET_UNREACHABLE = 2;
export const BPF_FIB_LKUP_RET_PROHIBIT = 3;
export const BPF_FIB_LKUP_RET_NOT_FWDED = 4;
export const BPF_FIB_LKUP_RET_FWD_DISABLED = 5;
export const BPF_FIB_LKUP_RET_UNSUPP_LWT = 6;
export const BPF_FIB_LKUP_RET_NO_NEIGH = 7;
export const BPF_FIB_LKUP_RET_FRAG_NEEDED = 8;
export const BPF_FIB_LKUP_RET_NO_SRC_ADDR = 9;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** RT_TABLE_MAIN: the only table the simulated host has. */
export const RT_TABLE_MAIN = 254;

/** Byte offsets of struct bpf_fib_lookup fields. */
const F_FAMILY = 0, F_TOT_LEN = 6, F_IFINDEX = 8, F_RT_METRIC = 12, F_SRC = 16, F_DST = 32;
const F_VLAN_PROTO = 48, F_VLAN_TCI = 50, F_TBID = 48, F_SMAC = 52, F_DMAC = 58;

/** Longest-prefix match (ties: lowest metric, then first listed) among routes of one family. */
export function findRoute(routes: readonly FibRoute[], family: 4 | 6, dst: Uint8Array, dstOff: number): FibRoute | undefined {
  let best: FibRoute | undefined;
  for (const rt of routes) {
    if (rt.family !== family || !prefixMatches(rt.prefix, rt.prefixLen, dst, dstOff)) continue;
    if (best === undefined || rt.prefixLen > best.prefixLen ||
      (rt.prefixLen === best.prefixLen && routeMetric(rt) < routeMetric(best))) best = rt;
  }
  return best;
}

function prefixMatches(prefix: Uint8Array, len: number, a: Uint8Array, off: number): boolean {
  let i = 0;
  for (; len >= 8; len -= 8, i++) if (prefix[i] !== a[off + i]) return false;
  if (len === 0) return true;
  const mask = (0xff00 >> len) & 0xff;
  return (prefix[i] & mask) === (a[off + i] & mask);
}

function routeMetric(route: FibRoute): number {
  return route.metric ?? (route.family === 6 ? 1024 : 0);
}

/**
 * bpf_fib_lookup(ctx, struct bpf_fib_lookup *params, int plen, u32 flags) — helper 69 (GPL), XDP
 * flavour (MTU checked). plen < 64 (unsigned) or unknown flags → -EINVAL; family other than AF_INET /
 * AF_INET6 → -EAFNOSUPPORT; params->ifindex not a device → -ENODEV. Forwarding is enabled on every
 * simulated device and the main table is the only one (DIRECT|TBID with another table: NOT_FWDED).
 * On a unicast route: tot_len > MTU → mtu_result = MTU, FRAG_NEEDED; else rt_metric, ifindex, the
 * gateway as new destination, preferred source (SRC flag), then unless SKIP_NEIGH the MACs (no dmac:
 * NO_NEIGH); vlan fields cleared, mtu_result = MTU (route mtu, else the device's, else 1500).
 */
export const fibLookup: HelperFn = (rt, r) => {
  const params = memArg(rt, r, 2, BPF_FIB_LOOKUP_SIZE, true);
  const p = r[4];
  if (r[6] < BPF_FIB_LOOKUP_SIZE) return retInt(r, -EINVAL);
  const flags = r[8];
  if ((flags & ~KNOWN_FLAGS) !== 0) return retInt(r, -EINVAL);
  const family = params.bytes[p + F_FAMILY];
  if (family !== AF_INET && family !== AF_INET6) return retInt(r, -EAFNOSUPPORT);
  retInt(r, lookup(rt, params.bytes, params.dv, p, family === AF_INET ? 4 : 6, flags));
};

function lookup(rt: Runtime, b: Uint8Array, dv: DataView, p: number, family: 4 | 6, flags: number): number {
  if (rt.device(dv.getUint32(p + F_IFINDEX, true)) === undefined) return -ENODEV;
  if ((flags & BPF_FIB_LOOKUP_DIRECT) !== 0 && (flags & BPF_FIB_LOOKUP_TBID) !== 0) {
    const tbid = dv.getUint32(p + F_TBID, true);
    dv.setUint32(p + F_TBID, 0, true);
    if (tbid !== 0 && tbid !== RT_TABLE_MAIN) return BPF_FIB_LKUP_RET_NOT_FWDED;
  }
  const alen = family === 4 ? 4 : 16;
  const route = findRoute(rt.opts.fib, family, b, p + F_DST);
  if (route === undefined) return BPF_FIB_LKUP_RET_NOT_FWDED;
  switch (route.type ?? "unicast") {
    case "blackhole": return BPF_FIB_LKUP_RET_BLACKHOLE;
    case "unreachable": return BPF_FIB_LKUP_RET_UNREACHABLE;
    case "prohibit": return BPF_FIB_LKUP_RET_PROHIBIT;
    default: break;
  }
  const mtu = route.mtu ?? rt.device(route.ifindex)?.mtu ?? 1500;
  if (dv.getUint16(p + F_TOT_LEN, true) > mtu) {
    dv.setUint16(p + F_TOT_LEN, mtu & 0xffff, true);
    return BPF_FIB_LKUP_RET_FRAG_NEEDED;
  }
  dv.setUint32(p + F_RT_METRIC, routeMetric(route) >>> 0, true);
  dv.setUint32(p + F_IFINDEX, route.ifindex >>> 0, true);
  if ((flags & BPF_FIB_LOOKUP_SRC) !== 0) {
    if (route.src === undefined || route.src.length !== alen) return BPF_FIB_LKUP_RET_NO_SRC_ADDR;
    b.set(route.src, p + F_SRC);
  }
  if (route.gateway.length === 16 && family === 4) {
    b[p + F_FAMILY] = AF_INET6; // IPv4 route with an IPv6 next hop (RFC 5549)
    b.set(route.gateway, p + F_DST);
  } else if (route.gateway.length === alen) {
    b.set(route.gateway, p + F_DST);
  }
  if ((flags & BPF_FIB_LOOKUP_SKIP_NEIGH) === 0) {
    if (route.dmac.length !== 6) return BPF_FIB_LKUP_RET_NO_NEIGH;
    b.set(route.dmac, p + F_DMAC);
    if (route.smac.length === 6) b.set(route.smac, p + F_SMAC);
    else b.fill(0, p + F_SMAC, p + F_SMAC + 6);
  }
  dv.setUint16(p + F_VLAN_PROTO, 0, true);
  dv.setUint16(p + F_VLAN_TCI, 0, true);
  dv.setUint16(p + F_TOT_LEN, mtu & 0xffff, true);
  return BPF_FIB_LKUP_RET_SUCCESS;
}

// ---------------------------------------------------------------- JSON route format

/**
 * Parse one route of the JSON route table:
 *   {"prefix": "10.1.0.0/16", "ifindex": 2, "gateway": "10.0.0.1", "smac": "02:00:00:00:00:01",
 *    "dmac": "02:00:00:00:00:02", "mtu": 1500, "metric": 0, "src": "10.0.0.2", "type": "unicast"}
 * `prefix` takes an IPv4/IPv6 address with "/len" or a separate "prefixLen"; `family` (4 or 6) is
 * optional (taken from the prefix). Only prefix and ifindex are required; no gateway = directly
 * connected; no dmac = no neighbour entry (NO_NEIGH unless SKIP_NEIGH); no mtu = the device's MTU
 * ("mtu" acts like `ip route ... mtu lock N`: an unlocked IPv4 route MTU does not affect the kernel's
 * lookup); "src" = the preferred source the kernel would pick (BPF_FIB_LOOKUP_SRC); "metric" defaults
 * to 0 (IPv4) / 1024 (IPv6). A neighbour entry for one host of a connected subnet is a /32 (/128)
 * route with its dmac. The kernel-recorded test (kernel/record-fixtures.py, xdp-fib-lookup) shows a
 * netns and the equivalent routes side by side.
 */
export function parseFibRoute(json: unknown, where: string): FibRoute {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new UsageError(`${where}: a route must be a JSON object`);
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!["family", "prefix", "prefixLen", "ifindex", "gateway", "smac", "dmac", "mtu", "metric", "src", "type"].includes(k)) {
      throw new UsageError(`${where}: unknown route field '${k}'`);
    }
  }
  if (typeof o.prefix !== "string") throw new UsageError(`${where}: "prefix" must be an address string like "10.0.0.0/8"`);
  const [addrText, lenText] = o.prefix.split("/");
  const prefix = parseIp(addrText, `${where}.prefix`);
  const family: 4 | 6 = prefix.length === 4 ? 4 : 6;
  if (o.family !== undefined && o.family !== family) throw new UsageError(`${where}: "family" ${String(o.family)} does not match prefix ${o.prefix}`);
  let prefixLen: number;
  if (lenText !== undefined) prefixLen = Number(lenText);
  else if (o.prefixLen !== undefined) prefixLen = o.prefixLen as number;
  else prefixLen = prefix.length * 8;
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > prefix.length * 8) {
    throw new UsageError(`${where}: prefix length must be 0..${prefix.length * 8}`);
  }
  const ifindex = uint(o.ifindex, `${where}.ifindex`, 0xffffffff, true)!;
  const gateway = o.gateway === undefined ? new Uint8Array(0) : parseIp(str(o.gateway, `${where}.gateway`), `${where}.gateway`);
  const route: FibRoute = {
    family, prefix, prefixLen, ifindex, gateway,
    smac: o.smac === undefined ? new Uint8Array(0) : parseMac(str(o.smac, `${where}.smac`), `${where}.smac`),
    dmac: o.dmac === undefined ? new Uint8Array(0) : parseMac(str(o.dmac, `${where}.dmac`), `${where}.dmac`),
  };
  const mtu = uint(o.mtu, `${where}.mtu`, 0xffffffff, false);
  if (mtu !== undefined) route.mtu = mtu;
  const metric = uint(o.metric, `${where}.metric`, 0xffffffff, false);
  if (metric !== undefined) route.metric = metric;
  if (o.src !== undefined) {
    route.src = parseIp(str(o.src, `${where}.src`), `${where}.src`);
    if (route.src.length !== prefix.length) throw new UsageError(`${where}.src: not an IPv${family} address`);
  }
  if (o.type !== undefined) {
    if (o.type !== "unicast" && o.type !== "blackhole" && o.type !== "unreachable" && o.type !== "prohibit") {
      throw new UsageError(`${where}.type: expected unicast, blackhole, unreachable or prohibit`);
    }
    route.type = o.type;
  }
  return route;
}

/** Parse a JSON route table (an array of routes, or {"routes": [...]}). */
export function parseFibRoutes(json: unknown, where = "routes"): FibRoute[] {
  const list = Array.isArray(json) ? json : (json as { routes?: unknown } | null)?.routes;
  if (!Array.isArray(list)) throw new UsageError(`${where}: expected a JSON array of routes`);
  return list.map((x, i) => parseFibRoute(x, `${where}[${i}]`));
}

function str(v: unknown, where: string): string {
  if (typeof v !== "string") throw new UsageError(`${where}: expected a string`);
  return v;
}

function uint(v: unknown, where: string, max: number, required: boolean): number | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) throw new UsageError(`${where}: expected an integer 0..${max}`);
  return v;
}

/** "aa:bb:cc:dd:ee:ff" (or '-' separated) → 6 bytes. */
export function parseMac(text: string, where: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((x) => !/^[0-9a-fA-F]{1,2}$/.test(x))) throw new UsageError(`${where}: bad MAC address '${text}'`);
  return Uint8Array.from(parts, (x) => parseInt(x, 16));
}

/** Dotted IPv4 or RFC 4291 IPv6 text (with "::" and an optional dotted tail) → 4 or 16 bytes. */
export function parseIp(text: string, where: string): Uint8Array {
  if (text.includes(":")) return parseIpv6(text, where);
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) {
    throw new UsageError(`${where}: bad IPv4 address '${text}'`);
  }
  return Uint8Array.from(parts, Number);
}

function parseIpv6(text: string, where: string): Uint8Array {
  const bad = () => new UsageError(`${where}: bad IPv6 address '${text}'`);
  let groups: number[] = [];
  const halves = text.split("::");
  if (halves.length > 2) throw bad();
  const parse = (s: string): number[] => {
    if (s === "") return [];
    const out: number[] = [];
    const items = s.split(":");
    items.forEach((g, i) => {
      if (i === items.length - 1 && g.includes(".")) {
        const v4 = parseIp(g, where);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        throw bad();
      }
    });
    return out;
  };
  const head = parse(halves[0]);
  if (halves.length === 2) {
    const tail = parse(halves[1]);
    if (head.length + tail.length > 7) throw bad();
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) throw bad();
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Helper id → implementation for this family. */
export const FIB_HELPERS: [number, HelperFn][] = [[69, fibLookup]];
