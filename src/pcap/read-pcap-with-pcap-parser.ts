// Alternative classic-pcap reader built on the npm `pcap-parser` package (event per record, Buffer
// slices); packets are copied into PacketBatch buffers so both readers share one interface.
// Spec: draft-ietf-opsawg-pcap; pcap-parser 0.2.1 (parses 2.4 µs pcap, either byte order).

import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { CaptureError } from "../errors.js";
import { createPacketBatch, DEFAULT_BATCH_SIZE, MAX_CAPLEN } from "./create-packet-batch.js";
import { PCAP_FILE_HEADER_LENGTH, sourceFailure, type PcapHeader, type RecordLoopOptions } from "./read-pcap.js";
import type { PacketBatch } from "./types.js";

interface PcapParserRecordHeader {
  timestampSeconds: number;
  timestampMicroseconds: number;
  capturedLength: number;
  originalLength: number;
}

/** The parts of pcap-parser's (undocumented) parser object this reader relies on. */
interface PcapParser extends EventEmitter {
  /** Bytes received but not yet parsed. */
  buffer: Buffer | null;
  /** Current state function: parseGlobalHeader, parsePacketHeader or parsePacketBody. */
  state: { name: string };
  currentPacketHeader?: PcapParserRecordHeader;
  errored?: boolean;
}

const require = createRequire(import.meta.url);
const pcapParser = require("pcap-parser") as { parse(input: Readable): PcapParser };

/** Bytes of packet data per batch buffer. */
const BATCH_BYTES = 1 << 20;

/** Rewrites the nanosecond magic into the µs one (same byte order) so pcap-parser accepts it. */
class PatchMagic extends Transform {
  private seen = 0;
  constructor(private readonly magic: Uint8Array) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.seen < 4) {
      const c = Buffer.from(chunk);
      for (let i = 0; i < c.length && this.seen + i < 4; i++) c[i] = this.magic[this.seen + i]!;
      this.seen += chunk.length;
      cb(null, c);
      return;
    }
    cb(null, chunk);
  }
}

interface OwnedBatch {
  batch: PacketBatch;
  used: number;
}

/**
 * Read a classic pcap stream (starting at its file header, already validated into `hdr`) with
 * pcap-parser. Same batches and errors as the chunked reader; memory bounded by pausing the stream.
 */
export async function* readPcapWithPcapParser(
  file: string,
  stream: Readable,
  hdr: PcapHeader,
  opts: RecordLoopOptions = {},
): AsyncGenerator<PacketBatch, void, undefined> {
  const capacity = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxCaplen = opts.maxCaplen ?? MAX_CAPLEN;
  if (hdr.recordHeaderLength !== 16 || hdr.lengthsSwapped !== 0) {
    throw new CaptureError(
      file,
      `the pcap-parser reader reads pcap 2.4 only (this file is ${hdr.versionMajor}.${hdr.versionMinor}${hdr.recordHeaderLength !== 16 ? ", Kuznetzov records" : ""}); use the default reader`,
      0,
      0,
    );
  }
  let input: Readable = stream;
  if (hdr.nanosecond) {
    const magic = hdr.littleEndian ? [0xd4, 0xc3, 0xb2, 0xa1] : [0xa1, 0xb2, 0xc3, 0xd4];
    const patch = new PatchMagic(Uint8Array.from(magic));
    stream.on("error", (e) => patch.destroy(e));
    input = stream.pipe(patch);
  }
  const parser = pcapParser.parse(input);
  const nano = hdr.nanosecond;
  const pool: OwnedBatch[] = [];
  const ready: OwnedBatch[] = [];
  const take = (): OwnedBatch => {
    const o = pool.pop() ?? { batch: createPacketBatch(capacity), used: 0 };
    o.batch.count = 0;
    o.used = 0;
    if (o.batch.buf.length === 0) o.batch.buf = new Uint8Array(BATCH_BYTES);
    o.batch.linkTypes.fill(hdr.linkType);
    return o;
  };
  let current = take();
  let offset = PCAP_FILE_HEADER_LENGTH;
  let index = 0;
  let failure: CaptureError | null = null;
  let done = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const stop = (err: CaptureError): void => {
    if (failure === null) failure = err;
    parser.errored = true; // pcap-parser ignores further data once errored
    done = true;
    input.pause();
    notify();
  };

  parser.on("packetHeader", (h: PcapParserRecordHeader) => {
    if (h.capturedLength > maxCaplen) {
      stop(
        new CaptureError(
          file,
          `invalid packet capture length ${h.capturedLength}, bigger than the maximum of ${maxCaplen}`,
          offset,
          index,
        ),
      );
    }
  });
  parser.on("packet", (pkt: { header: PcapParserRecordHeader; data: Buffer }) => {
    if (done) return;
    const h = pkt.header;
    const len = pkt.data.length;
    if (current.batch.count === capacity || current.used + len > current.batch.buf.length) {
      ready.push(current);
      current = take();
      if (len > current.batch.buf.length) current.batch.buf = new Uint8Array(len);
      if (ready.length >= 2) input.pause();
    }
    const b = current.batch;
    const n = b.count;
    if (n === 0) b.firstIndex = index;
    b.buf.set(pkt.data, current.used);
    b.offs[n] = current.used;
    b.lens[n] = len;
    b.origLens[n] = h.originalLength > 0x7fffffff ? 0x7fffffff : h.originalLength;
    let sec = h.timestampSeconds;
    let nsec = nano ? h.timestampMicroseconds : h.timestampMicroseconds * 1000;
    if (nsec >= 1e9) {
      sec += Math.floor(nsec / 1e9);
      nsec %= 1e9;
    }
    b.tsSec[n] = sec;
    b.tsNsec[n] = nsec;
    b.count = n + 1;
    current.used += len;
    offset += 16 + len;
    index++;
    notify();
  });
  parser.on("end", () => {
    if (done) return;
    const left = parser.buffer === null ? 0 : parser.buffer.length;
    if (left > 0) {
      const inBody = parser.state.name === "parsePacketBody";
      const caplen = parser.currentPacketHeader?.capturedLength ?? 0;
      stop(
        new CaptureError(
          file,
          inBody
            ? `truncated packet data: caplen ${caplen}, only ${left} bytes before the end of the file`
            : `truncated record header: ${left} of 16 bytes before the end of the file`,
          offset,
          index,
        ),
      );
      return;
    }
    done = true;
    notify();
  });
  parser.on("error", (e: unknown) => stop(sourceFailure(file, e, offset, index)));

  let yielded: OwnedBatch | null = null;
  try {
    for (;;) {
      let next: OwnedBatch | null = null;
      if (ready.length > 0) next = ready.shift()!;
      else if (current.batch.count > 0) {
        next = current;
        current = take();
      }
      if (next !== null) {
        if (yielded !== null) pool.push(yielded);
        yielded = next;
        if (ready.length < 2 && !done && input.isPaused()) input.resume();
        yield next.batch;
        continue;
      }
      if (done) break;
      await new Promise<void>((r) => {
        wake = r;
      });
    }
    if (failure !== null) throw failure;
  } finally {
    if (!input.destroyed) input.destroy();
    if (input !== stream && !stream.destroyed) stream.destroy();
  }
}
