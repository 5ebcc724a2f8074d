// Classic pcap reader: file header (µs/ns magic, either byte order, libpcap's version rules, FCS bits
// of the link-type field masked) and a zero-copy record loop filling PacketBatch over large chunks.
// Spec: draft-ietf-opsawg-pcap (file header, record header), libpcap sf-pcap.c (version/caplen checks).

import { CaptureError } from "../errors.js";
import { createPacketBatch, DEFAULT_BATCH_SIZE, MAX_CAPLEN } from "./create-packet-batch.js";
import type { ChunkReader } from "./read-chunks.js";
import type { PacketBatch } from "./types.js";

export const PCAP_FILE_HEADER_LENGTH = 24;

/** libpcap LT_LINKTYPE(): the low 26 bits; bits 26–31 carry the FCS length (LT_FCS_*). */
export const LINKTYPE_MASK = 0x03ffffff;

export interface PcapHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  /** Advisory only: records longer than this are kept whole. */
  snaplen: number;
  /** LINKTYPE_* with the FCS bits masked off. */
  linkType: number;
  /** The header's 32-bit field as stored. */
  linkTypeField: number;
  /** 16, or 24 for Kuznetzov's patched-libpcap files (magic a1b2cd34). */
  recordHeaderLength: number;
  /** libpcap's rule for pre-2.3 files: caplen and len swapped always (2) / when caplen > len (1) / never (0). */
  lengthsSwapped: 0 | 1 | 2;
}

export interface RecordLoopOptions {
  /** Packets per batch (default 8192). */
  batchSize?: number;
  /** Largest caplen accepted (default MAX_CAPLEN = 262144). */
  maxCaplen?: number;
}

/** Parse and validate the 24-byte file header; `fmt` comes from detectFormat. */
export function parsePcapHeader(
  file: string,
  bytes: Uint8Array,
  fmt: { littleEndian: boolean; nanosecond: boolean; recordHeaderLength: number },
): PcapHeader {
  if (bytes.length < PCAP_FILE_HEADER_LENGTH) {
    throw new CaptureError(
      file,
      `truncated pcap file header: ${bytes.length} of ${PCAP_FILE_HEADER_LENGTH} bytes`,
      bytes.length,
      0,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, PCAP_FILE_HEADER_LENGTH);
  const le = fmt.littleEndian;
  const versionMajor = dv.getUint16(4, le);
  const versionMinor = dv.getUint16(6, le);
  // libpcap sf-pcap.c: major < 2 is "archaic"; 2.0–2.4 and the odd 543.0 are read; the rest refused.
  if (versionMajor < 2) {
    throw new CaptureError(file, `archaic pcap savefile format (version ${versionMajor}.${versionMinor})`, 4, 0);
  }
  if (!(versionMajor === 2 && versionMinor <= 4) && !(versionMajor === 543 && versionMinor === 0)) {
    throw new CaptureError(file, `unsupported pcap savefile version ${versionMajor}.${versionMinor}`, 4, 0);
  }
  const linkTypeField = dv.getUint32(20, le);
  return {
    littleEndian: le,
    nanosecond: fmt.nanosecond,
    versionMajor,
    versionMinor,
    snaplen: dv.getUint32(16, le),
    linkType: linkTypeField & LINKTYPE_MASK,
    linkTypeField,
    recordHeaderLength: fmt.recordHeaderLength,
    lengthsSwapped: versionMajor === 2 && versionMinor < 3 ? 2 : versionMajor === 2 && versionMinor === 3 ? 1 : 0,
  };
}

/**
 * Yield the records after the file header (the reader's `pos` must be at the first record) as
 * batches over the reader's chunks; after the last good packet of a damaged file, throw CaptureError.
 */
export async function* readPcapRecords(
  file: string,
  input: ChunkReader,
  hdr: PcapHeader,
  opts: RecordLoopOptions = {},
): AsyncGenerator<PacketBatch, void, undefined> {
  const capacity = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxCaplen = opts.maxCaplen ?? MAX_CAPLEN;
  const batch = createPacketBatch(capacity);
  const { offs, lens, origLens, tsSec, tsNsec, linkTypes } = batch;
  linkTypes.fill(hdr.linkType);
  const le = hdr.littleEndian;
  const nano = hdr.nanosecond;
  const rh = hdr.recordHeaderLength;
  const swapped = hdr.lengthsSwapped;
  let index = 0;
  for (;;) {
    const b = input.buf;
    const dv = input.view;
    const end = input.end;
    let p = input.pos;
    let n = 0;
    let bad: string | null = null;
    let need = 0;
    while (n < capacity) {
      if (end - p < rh) {
        need = rh;
        break;
      }
      let caplen = dv.getUint32(p + 8, le);
      let len = dv.getUint32(p + 12, le);
      if (swapped !== 0 && (swapped === 2 || caplen > len)) {
        const t = caplen;
        caplen = len;
        len = t;
      }
      if (caplen > maxCaplen) {
        bad = `invalid packet capture length ${caplen}, bigger than the maximum of ${maxCaplen}`;
        break;
      }
      if (end - p - rh < caplen) {
        need = rh + caplen;
        break;
      }
      let sec = dv.getUint32(p, le);
      let nsec = nano ? dv.getUint32(p + 4, le) : dv.getUint32(p + 4, le) * 1000;
      if (nsec >= 1e9) {
        // Out-of-range fraction: carry whole seconds (libpcap leaves it; consumers want 0..1e9).
        sec += Math.floor(nsec / 1e9);
        nsec %= 1e9;
      }
      offs[n] = p + rh;
      lens[n] = caplen;
      origLens[n] = len > 0x7fffffff ? 0x7fffffff : len;
      tsSec[n] = sec;
      tsNsec[n] = nsec;
      n++;
      p += rh + caplen;
    }
    input.pos = p;
    if (n > 0) {
      batch.firstIndex = index;
      batch.count = n;
      batch.buf = b;
      index += n;
      if (n < capacity && bad === null) input.prefetch(need);
      yield batch;
    }
    if (bad !== null) throw new CaptureError(file, bad, input.offsetOf(p), index);
    if (n === capacity) continue;
    if (!(await input.fill(need))) {
      const at = input.offsetOf(input.pos);
      if (input.failure !== null) throw sourceFailure(file, input.failure, at, index);
      const left = input.available;
      if (left === 0) return;
      if (left < rh) {
        throw new CaptureError(
          file,
          `truncated record header: ${left} of ${rh} bytes before the end of the file`,
          at,
          index,
        );
      }
      throw new CaptureError(
        file,
        `truncated packet data: caplen ${need - rh}, only ${left - rh} bytes before the end of the file`,
        at,
        index,
      );
    }
  }
}

/** A source that failed mid-way (zlib, I/O) as a CaptureError at the first byte not parsed. */
export function sourceFailure(file: string, failure: unknown, offset: number, index: number): CaptureError {
  const msg = failure instanceof Error ? failure.message : String(failure);
  const code = (failure as { code?: unknown } | null)?.code;
  const what = typeof code === "string" && code.startsWith("Z_") ? "gzip data corrupt" : "read failed";
  return new CaptureError(file, `${what}: ${msg}`, offset, index);
}
