// Turns a packet of a non-Ethernet link type the simulator runs (Linux cooked SLL/SLL2, raw IP,
// BSD loopback) into an Ethernet frame: 14-byte synthetic header (zero MACs, ethertype from the packet).
// Spec: tcpdump.org LINKTYPE registry (linktypes.html, linktype/LINKTYPE_LINUX_SLL(2).html, _NULL, _LOOP).

import { MAX_CAPLEN } from "./create-packet-batch.js";

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as some BSDs number it (seen in pcapng IDBs); raw IPv4/IPv6. */
export const LINKTYPE_RAW_BSD = 12;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETH_HEADER_LENGTH = 14;

/** Length of the link-layer header replaced by the synthetic Ethernet header; -1 when not run. */
export function linkHeaderLength(linkType: number): number {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return 0;
    case LINKTYPE_LINUX_SLL:
      return 16;
    case LINKTYPE_LINUX_SLL2:
      return 20;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return 4;
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_BSD:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return 0;
    default:
      return -1;
  }
}

/** True for the link types the simulator runs (Ethernet, or converted to Ethernet). */
export function isRunnableLinkType(linkType: number): boolean {
  return linkHeaderLength(linkType) >= 0;
}

function ipVersionEthertype(buf: Uint8Array, off: number, len: number): number {
  if (len < 1) return 0;
  const v = buf[off]! >> 4;
  return v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : 0;
}

/** Linux cooked protocol field → ethertype (802.2 LLC / raw 802.3 become an 802.3 length field). */
function sllEthertype(protocol: number, payloadLen: number): number {
  if (protocol === 0x0001 || protocol === 0x0004) return payloadLen < 1500 ? payloadLen : 1500;
  return protocol;
}

/**
 * Ethertype of the synthetic header for a packet of `linkType` whose captured bytes are
 * buf[off, off+len) (link header included; the caller checked len ≥ linkHeaderLength):
 * - SLL (113) / SLL2 (276): the protocol field (a real ethertype for IP, ARP, VLAN …; ETH_P_802_2 (4)
 *   and ETH_P_802_3 (1) become an 802.3 length field, as the frame looked on an Ethernet wire);
 * - raw IP (101, 12): from the IP version nibble (4 → 0x0800, 6 → 0x86DD, else 0);
 *   LINKTYPE_IPV4 (228) → 0x0800, LINKTYPE_IPV6 (229) → 0x86DD;
 * - NULL (0, host byte order) / LOOP (108, network byte order): the AF value, read in whichever
 *   byte order gives a value < 65536: 2 → 0x0800; 24, 28, 30 (BSD/FreeBSD/Darwin AF_INET6) → 0x86DD;
 *   any other family → 0.
 */
export function synthesizeEthertype(linkType: number, buf: Uint8Array, off: number, len: number): number {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return len >= ETH_HEADER_LENGTH ? (buf[off + 12]! << 8) | buf[off + 13]! : 0;
    case LINKTYPE_LINUX_SLL:
      return sllEthertype((buf[off + 14]! << 8) | buf[off + 15]!, len - 16);
    case LINKTYPE_LINUX_SLL2:
      return sllEthertype((buf[off]! << 8) | buf[off + 1]!, len - 20);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      let af = (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
      if (af > 0xffff) af = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
      if (af === 2) return ETHERTYPE_IPV4;
      if (af === 24 || af === 28 || af === 30) return ETHERTYPE_IPV6;
      return 0;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_BSD:
      return ipVersionEthertype(buf, off, len);
    case LINKTYPE_IPV4:
      return ETHERTYPE_IPV4;
    case LINKTYPE_IPV6:
      return ETHERTYPE_IPV6;
    default:
      return -1;
  }
}

/** A frame view: bytes buf[off, off+len). Mutable and reused: no allocation per packet. */
export interface EthernetFrame {
  buf: Uint8Array;
  off: number;
  len: number;
}

/** Reusable scratch space for toEthernet: one per pipeline, never one per packet. */
export interface EthernetScratch {
  bytes: Uint8Array;
  frame: EthernetFrame;
}

export function createEthernetScratch(maxCaplen = MAX_CAPLEN): EthernetScratch {
  const bytes = new Uint8Array(maxCaplen + ETH_HEADER_LENGTH);
  return { bytes, frame: { buf: bytes, off: 0, len: 0 } };
}

/**
 * The packet as an Ethernet frame, or null for a link type that is not run (the pipeline writes
 * those unchanged to skipped-linktype-<N>.pcap). Ethernet comes back as is (a view of the input);
 * other runnable types are rebuilt in `scratch` as 6 zero bytes (destination), 6 zero bytes
 * (source), the ethertype of synthesizeEthertype, then the packet after its link-layer header.
 * A packet shorter than its own link-layer header gives a 0-byte frame (a runt, never run).
 * The result is `scratch.frame`, overwritten by the next call.
 */
export function toEthernet(
  linkType: number,
  buf: Uint8Array,
  off: number,
  len: number,
  scratch: EthernetScratch,
): EthernetFrame | null {
  const hl = linkHeaderLength(linkType);
  if (hl < 0) return null;
  const f = scratch.frame;
  if (linkType === LINKTYPE_ETHERNET) {
    f.buf = buf;
    f.off = off;
    f.len = len;
    return f;
  }
  f.buf = scratch.bytes;
  f.off = 0;
  if (len < hl) {
    f.len = 0;
    return f;
  }
  const payload = len - hl;
  let out = scratch.bytes;
  if (out.length < payload + ETH_HEADER_LENGTH) {
    out = scratch.bytes = new Uint8Array(payload + ETH_HEADER_LENGTH);
    f.buf = out;
  }
  const et = synthesizeEthertype(linkType, buf, off, len);
  out.fill(0, 0, 12);
  out[12] = et >>> 8;
  out[13] = et & 0xff;
  // One subarray view + memcpy beats a byte loop even for short packets (measured).
  out.set(buf.subarray(off + hl, off + len), ETH_HEADER_LENGTH);
  f.len = payload + ETH_HEADER_LENGTH;
  return f;
}
