// Opens a capture file or stdin ("-"): detects pcap / pcapng / gzip by magic (never by name), refuses
// other compressions by name, and returns a CaptureSource streaming PacketBatch in bounded memory.
// Spec: draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng, RFC 1952 (gzip); see src/pcap/types.ts.

import { createReadStream } from "node:fs";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { CaptureError } from "../errors.js";
import { DEFAULT_BATCH_SIZE, MAX_CAPLEN } from "./create-packet-batch.js";
import { detectFormat, MAGIC_PROBE_LENGTH, type CaptureFormat } from "./detect-format.js";
import { FileByteSource, peekStream, StreamByteSource, type ByteSource } from "./open-byte-source.js";
import { ChunkReader, DEFAULT_CHUNK_SIZE } from "./read-chunks.js";
import { parsePcapHeader, PCAP_FILE_HEADER_LENGTH, readPcapRecords, sourceFailure, type PcapHeader } from "./read-pcap.js";
import { readPcapWithPcapParser } from "./read-pcap-with-pcap-parser.js";
import { PcapngReader } from "./read-pcapng.js";
import type { CaptureSource, PacketBatch } from "./types.js";

export interface OpenCaptureOptions {
  /** "chunked" (default): zero-copy chunked reader; "pcap-parser": the npm package (classic pcap only). */
  reader?: "chunked" | "pcap-parser";
  /** Bytes per read chunk (default 2 MiB). Records longer than a chunk grow it as needed. */
  chunkSize?: number;
  /** Packets per batch (default 8192). */
  batchSize?: number;
  /** Largest caplen accepted before the capture is called corrupt (default 262144). */
  maxCaplen?: number;
  /** Read this stream instead of opening `path` (which is then only used in messages). */
  stream?: Readable;
}

/** What openCapture returns: a CaptureSource plus what the file header said. */
export interface Capture extends CaptureSource {
  readonly format: "pcap" | "pcapng";
  readonly compression: "none" | "gzip";
  /** Classic pcap: the header's link type (FCS bits masked); pcapng: first interface's, -1 if none yet. */
  readonly linkType: number;
  /** Classic pcap: the header's raw 32-bit link-type field; pcapng: same as linkType. */
  readonly linkTypeField: number;
  /** Classic pcap: header snaplen (advisory); pcapng: first interface's (0 = unlimited). */
  readonly snaplen: number;
  /** Byte order of the file (pcapng: of its first section). */
  readonly littleEndian: boolean;
  /** Release the file / stream (batches() does it itself when iteration ends). */
  close(): Promise<void>;
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return code && !e.message.startsWith(code) ? `${code}: ${e.message}` : e.message;
}

function formatError(file: string, fmt: CaptureFormat, inGzip: boolean): CaptureError {
  const where = inGzip ? " inside the gzip stream" : "";
  switch (fmt.kind) {
    case "compressed":
      return new CaptureError(
        file,
        `${fmt.name}-compressed capture${where} is not supported (only gzip is read transparently); decompress it first`,
        0,
        0,
      );
    case "gzip":
      return new CaptureError(file, `gzip stream${where}: nested gzip is not supported`, 0, 0);
    case "other":
      return new CaptureError(file, `unknown file format: ${fmt.name}${where}, not pcap or pcapng`, 0, 0);
    case "unknown":
      return new CaptureError(file, `unknown file format${where}: magic 0x${fmt.magic} is not pcap or pcapng`, 0, 0);
    case "short":
      return new CaptureError(
        file,
        fmt.length === 0
          ? `empty file${where}: no capture header`
          : `truncated file${where}: ${fmt.length} bytes, too short for a capture header`,
        fmt.length,
        0,
      );
    default:
      return new CaptureError(file, "unexpected format", 0, 0);
  }
}

/** Gunzip a stream; errors of either side end up on the returned stream. */
function gunzip(src: Readable): Readable {
  const z = createGunzip({ chunkSize: 1 << 20 });
  pipeline(src, z, () => {
    /* errors surface through z */
  });
  return z;
}

interface Opened {
  /** Either a byte source for the chunked reader, or a stream for pcap-parser. */
  source: ByteSource | null;
  stream: Readable | null;
  head: Uint8Array;
  fmt: CaptureFormat;
  compression: "none" | "gzip";
}

/** Open the bytes: file or stream, probe the magic, insert gunzip when needed. */
async function openBytes(path: string, opts: OpenCaptureOptions, wantStream: boolean): Promise<Opened> {
  let stream: Readable | null = null;
  let file: FileByteSource | null = null;
  let head: Uint8Array;
  if (opts.stream !== undefined || path === "-") {
    stream = opts.stream ?? process.stdin;
    try {
      head = await peekStream(stream, MAGIC_PROBE_LENGTH);
    } catch (e) {
      throw new CaptureError(path, `cannot read: ${describe(e)}`, 0, 0);
    }
  } else {
    try {
      file = await FileByteSource.open(path);
      head = new Uint8Array(MAGIC_PROBE_LENGTH);
      head = head.subarray(0, await file.peek(head));
    } catch (e) {
      await file?.close().catch(() => undefined);
      throw new CaptureError(path, `cannot open: ${describe(e)}`, 0, 0);
    }
  }
  let fmt = detectFormat(head);
  let compression: "none" | "gzip" = "none";
  if (fmt.kind === "gzip") {
    compression = "gzip";
    if (file !== null) {
      await file.close();
      file = null;
      stream = createReadStream(path, { highWaterMark: 1 << 20 });
    }
    stream = gunzip(stream!);
    try {
      head = await peekStream(stream, MAGIC_PROBE_LENGTH);
    } catch (e) {
      stream.destroy();
      throw sourceFailure(path, e, 0, 0);
    }
    fmt = detectFormat(head);
  }
  if (fmt.kind !== "pcap" && fmt.kind !== "pcapng") {
    await file?.close();
    if (stream !== null && stream !== process.stdin) stream.destroy();
    throw formatError(path, fmt, compression === "gzip");
  }
  if (wantStream && file !== null) {
    await file.close();
    file = null;
    stream = createReadStream(path, { highWaterMark: 1 << 20 });
  }
  const source = wantStream ? null : (file ?? new StreamByteSource(stream!));
  return { source, stream: wantStream ? stream : null, head, fmt, compression };
}

/**
 * Open a capture for streaming replay. `path` "-" reads stdin. File-level damage (bad magic,
 * unsupported version or compression, corrupt first section header) throws CaptureError here;
 * damage further in is thrown by the batches() iterator after every good packet before it.
 */
export async function openCapture(path: string, opts: OpenCaptureOptions = {}): Promise<Capture> {
  const usePcapParser = opts.reader === "pcap-parser";
  const loopOpts = { batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE, maxCaplen: opts.maxCaplen ?? MAX_CAPLEN };
  if (!Number.isInteger(loopOpts.batchSize) || loopOpts.batchSize < 1) throw new RangeError(`batchSize ${opts.batchSize}`);
  if (!Number.isInteger(loopOpts.maxCaplen) || loopOpts.maxCaplen < 0) throw new RangeError(`maxCaplen ${opts.maxCaplen}`);
  if (opts.reader !== undefined && opts.reader !== "chunked" && !usePcapParser) throw new RangeError(`reader ${String(opts.reader)}`);
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize ${opts.chunkSize}`);
  const o = await openBytes(path, opts, usePcapParser);
  const fmt = o.fmt;
  const compression = o.compression;

  if (usePcapParser) {
    const stream = o.stream!;
    if (fmt.kind !== "pcap") {
      stream.destroy();
      throw new CaptureError(path, "the pcap-parser reader reads classic pcap only (this is pcapng); use the default reader", 0, 0);
    }
    let hdrBytes: Uint8Array;
    try {
      hdrBytes = await peekStream(stream, PCAP_FILE_HEADER_LENGTH);
    } catch (e) {
      stream.destroy();
      throw sourceFailure(path, e, 0, 0);
    }
    let hdr: PcapHeader;
    try {
      hdr = parsePcapHeader(path, hdrBytes, fmt);
    } catch (e) {
      stream.destroy();
      throw e;
    }
    return makeCapture(path, "pcap", compression, hdr, () => readPcapWithPcapParser(path, stream, hdr, loopOpts), async () => {
      if (stream !== process.stdin) stream.destroy();
    });
  }

  const source = o.source!;
  const input = new ChunkReader(source, chunkSize);
  const close = (): Promise<void> => source.close();
  try {
    if (fmt.kind === "pcap") {
      if (!(await input.fill(PCAP_FILE_HEADER_LENGTH)) && input.failure !== null) {
        throw sourceFailure(path, input.failure, input.offsetOf(input.pos), 0);
      }
      const hdr = parsePcapHeader(path, input.buf.subarray(input.pos, input.end), fmt);
      input.pos += PCAP_FILE_HEADER_LENGTH;
      return makeCapture(path, "pcap", compression, hdr, () => readPcapRecords(path, input, hdr, loopOpts), close);
    }
    const reader = new PcapngReader(path, input, loopOpts);
    await reader.prime();
    const cap: Capture = {
      path,
      format: "pcapng",
      compression,
      get nanosecond() {
        return reader.nanosecond;
      },
      get linkType() {
        return reader.firstLinkType;
      },
      get linkTypeField() {
        return reader.firstLinkType;
      },
      get snaplen() {
        return reader.firstSnaplen;
      },
      littleEndian: reader.firstLittleEndian,
      batches: once(path, () => reader.batches(), close),
      close,
    };
    return cap;
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}

function makeCapture(
  path: string,
  format: "pcap",
  compression: "none" | "gzip",
  hdr: PcapHeader,
  make: () => AsyncGenerator<PacketBatch, void, undefined>,
  close: () => Promise<void>,
): Capture {
  return {
    path,
    format,
    compression,
    nanosecond: hdr.nanosecond,
    linkType: hdr.linkType,
    linkTypeField: hdr.linkTypeField,
    snaplen: hdr.snaplen,
    littleEndian: hdr.littleEndian,
    batches: once(path, make, close),
    close,
  };
}

/** batches() may be iterated once; the source is closed when iteration ends (normally or not). */
function once(
  path: string,
  make: () => AsyncGenerator<PacketBatch, void, undefined>,
  close: () => Promise<void>,
): () => AsyncIterable<PacketBatch> {
  let used = false;
  return () => {
    if (used) throw new Error(`${path}: capture batches() can only be iterated once`);
    used = true;
    return (async function* () {
      try {
        yield* make();
      } finally {
        await close().catch(() => undefined);
      }
    })();
  };
}
