// Large-chunk input window for the capture parsers: bytes [pos, end) of `buf` are unparsed; a record
// cut by the chunk end is carried into the next chunk (two alternating buffers, grown only for a
// record larger than a chunk), so memory stays bounded by chunk size + largest record. Spec: none.

import type { ByteSource } from "./open-byte-source.js";

/**
 * Default chunk: 2 MiB. Measured (reports/capture-io.md): chunks up to ~2 MiB are still in the CPU
 * cache between the read and the parse; 4–8 MiB chunks are measurably slower (8 MiB: −40 % or worse).
 */
export const DEFAULT_CHUNK_SIZE = 2 << 20;

interface Loaded {
  buf: Uint8Array;
  view: DataView;
  end: number;
  base: number;
  eof: boolean;
  failure: unknown;
}

export class ChunkReader {
  /** Current chunk; valid bytes are [0, end). Replaced by fill(). */
  buf: Uint8Array;
  /** One DataView over `buf` (never one per packet). */
  view: DataView;
  /** First unparsed byte in `buf`. Parsers advance it. */
  pos = 0;
  end = 0;
  /** Stream offset of buf[0]. */
  base = 0;
  /** The source has no more bytes (or failed). */
  eof = false;
  /** Why the source stopped early (e.g. a zlib error), or null. */
  failure: unknown = null;
  private spare: Uint8Array | null = null;
  private pending: Promise<Loaded> | null = null;
  private pendingNeed = 0;

  constructor(
    private readonly source: ByteSource,
    readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size ${chunkSize}`);
    this.buf = new Uint8Array(0);
    this.view = new DataView(this.buf.buffer);
  }

  /** Unparsed bytes in the current chunk. */
  get available(): number {
    return this.end - this.pos;
  }

  /** Stream offset of position p of the current chunk. */
  offsetOf(p: number): number {
    return this.base + p;
  }

  /**
   * Start loading the next chunk in the background, keeping the current one intact (packets of a
   * batch built over it stay valid). `need` is the number of unparsed bytes the parser wants.
   */
  prefetch(need: number): void {
    if (this.pending !== null || this.eof) return;
    this.pendingNeed = need;
    this.pending = this.load(need);
  }

  /**
   * Make at least `need` unparsed bytes available from `pos` (they then start at pos 0 of a fresh
   * chunk). Invalidates every view into the previous chunk. Resolves false when the source ended
   * (or failed) first; what was left stays available.
   */
  async fill(need: number): Promise<boolean> {
    while (this.available < need) {
      if (this.pending === null) {
        if (this.eof) return false;
        this.pendingNeed = need;
        this.pending = this.load(need);
      }
      const l = await this.pending;
      this.pending = null;
      // The old chunk becomes the spare for the next load; one grown for a huge record is dropped.
      if (this.buf.length === this.chunkSize) this.spare = this.buf;
      this.buf = l.buf;
      this.view = l.view;
      this.pos = 0;
      this.end = l.end;
      this.base = l.base;
      this.eof = l.eof;
      this.failure = l.failure;
    }
    return true;
  }

  /** Copy the unparsed tail into a fresh buffer and read after it until `need` bytes or end. */
  private async load(need: number): Promise<Loaded> {
    const tail = this.end - this.pos;
    // A record larger than a chunk gets a buffer of exactly its size (dropped again after use).
    const size = need > this.chunkSize ? need : this.chunkSize;
    let buf = this.spare;
    this.spare = null;
    if (buf === null || buf.length < size) buf = new Uint8Array(size);
    if (tail > 0) buf.set(this.buf.subarray(this.pos, this.end), 0);
    const base = this.base + this.pos;
    let end = tail;
    let eof = false;
    let failure: unknown = null;
    // Read at least up to `need`; a file fills the whole chunk in one go, a stream gives what it has.
    while ((end < need || end === tail) && end < buf.length) {
      let n: number;
      try {
        n = await this.source.read(buf, end, buf.length - end);
      } catch (e) {
        failure = e;
        eof = true;
        break;
      }
      if (n === 0) {
        eof = true;
        break;
      }
      end += n;
      if (end === buf.length) break;
    }
    return { buf, view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength), end, base, eof, failure };
  }
}
