// Allocates the reusable struct-of-arrays PacketBatch every reader fills in place, and the limits
// the readers share (largest record accepted, default batch size). Spec: src/pcap/types.ts.

import type { PacketBatch } from "./types.js";

/**
 * Largest captured length accepted in one record: libpcap's MAXIMUM_SNAPLEN (and Wireshark's
 * WTAP_MAX_PACKET_SIZE_STANDARD). A record header claiming more is treated as corruption, as
 * tcpdump does ("invalid packet capture length …, bigger than snaplen of 262144").
 */
export const MAX_CAPLEN = 262144;

/** Largest pcapng block accepted (libpcap's MAX_BLOCKSIZE_MAX, 16 MiB). */
export const MAX_PCAPNG_BLOCK = 16 * 1024 * 1024;

/** Packets per batch: enough to amortise the async iteration, few enough to stay in cache. */
export const DEFAULT_BATCH_SIZE = 8192;

export function createPacketBatch(capacity: number): PacketBatch {
  return {
    firstIndex: 0,
    count: 0,
    buf: new Uint8Array(0),
    offs: new Int32Array(capacity),
    lens: new Int32Array(capacity),
    origLens: new Int32Array(capacity),
    tsSec: new Float64Array(capacity),
    tsNsec: new Int32Array(capacity),
    linkTypes: new Int32Array(capacity),
  };
}
