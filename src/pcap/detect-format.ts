// Recognises a capture by its first bytes (never by its file name): classic pcap (µs/ns, either byte
// order), pcapng, gzip, and the compressions/formats we refuse. Spec: draft-ietf-opsawg-pcap §4
// (magic), draft-ietf-opsawg-pcapng §4.1 (SHB), RFC 1952 (gzip), RFC 8878 (zstd), xz/bzip2 file formats.

/** What a capture's leading bytes say it is. */
export type CaptureFormat =
  | { kind: "pcap"; littleEndian: boolean; nanosecond: boolean; recordHeaderLength: number }
  | { kind: "pcapng" }
  | { kind: "gzip" }
  | { kind: "compressed"; name: string }
  | { kind: "other"; name: string }
  | { kind: "unknown"; magic: string }
  | { kind: "short"; length: number };

/** Bytes needed to classify every format below. */
export const MAGIC_PROBE_LENGTH = 8;

/** Classic pcap magics as read big-endian from the first four bytes. */
const PCAP_MAGICS: ReadonlyMap<number, { littleEndian: boolean; nanosecond: boolean; recordHeaderLength: number }> =
  new Map([
    [0xa1b2c3d4, { littleEndian: false, nanosecond: false, recordHeaderLength: 16 }],
    [0xd4c3b2a1, { littleEndian: true, nanosecond: false, recordHeaderLength: 16 }],
    [0xa1b23c4d, { littleEndian: false, nanosecond: true, recordHeaderLength: 16 }],
    [0x4d3cb2a1, { littleEndian: true, nanosecond: true, recordHeaderLength: 16 }],
    // Alexey Kuznetzov's patched libpcap: 8 extra bytes (ifindex, protocol, pkt_type) per record.
    [0xa1b2cd34, { littleEndian: false, nanosecond: false, recordHeaderLength: 24 }],
    [0x34cdb2a1, { littleEndian: true, nanosecond: false, recordHeaderLength: 24 }],
  ]);

/** Identify the format from up to MAGIC_PROBE_LENGTH leading bytes. */
export function detectFormat(head: Uint8Array): CaptureFormat {
  if (head.length < 4) {
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { kind: "gzip" };
    return { kind: "short", length: head.length };
  }
  const m = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  const pcap = PCAP_MAGICS.get(m);
  if (pcap) return { kind: "pcap", ...pcap };
  if (m === 0x0a0d0d0a) return { kind: "pcapng" };
  if (head[0] === 0x1f && head[1] === 0x8b) return { kind: "gzip" };
  if (m === 0x28b52ffd) return { kind: "compressed", name: "zstd" };
  if (m === 0xfd377a58 && head[4] === 0x5a && head[5] === 0x00) return { kind: "compressed", name: "xz" };
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return { kind: "compressed", name: "bzip2" };
  if (m === 0x04224d18) return { kind: "compressed", name: "lz4" };
  if (head[0] === 0x5d && head[1] === 0x00 && head[2] === 0x00) return { kind: "compressed", name: "lzma" };
  if (m === 0x504b0304) return { kind: "compressed", name: "zip" };
  if (m === 0x736e6f6f && head[4] === 0x70 && head[5] === 0) return { kind: "other", name: "Solaris snoop capture" };
  if (m === 0x4d3c2b1a || m === 0x1a2b3c4d) return { kind: "other", name: "pcapng section without block header" };
  let hex = "";
  for (let i = 0; i < 4; i++) hex += head[i]!.toString(16).padStart(2, "0");
  return { kind: "unknown", magic: hex };
}
