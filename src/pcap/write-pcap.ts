// Classic pcap writer: little-endian, µs or ns magic, given link type, snaplen 262144; records are
// buffered in large chunks and written to a temp name in the target directory, renamed on close().
// Spec: draft-ietf-opsawg-pcap §4–5 (file header, packet record).

import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { MAX_CAPLEN } from "./create-packet-batch.js";

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
const RECORD_HEADER = 16;
/** Records up to this length are copied with the word loop; longer ones with one memcpy. */
const COPY_WORDS_MAX = 256;

export interface PcapWriterOptions {
  /** LINKTYPE_* written in the file header. */
  linkType: number;
  /** Nanosecond magic (a1b23c4d) and ns fractions; otherwise µs (fractions truncated). */
  nanosecond?: boolean;
  /** Header snaplen (advisory; default 262144). Longer records are still written whole. */
  snaplen?: number;
  /** Bytes buffered before a write(2) (default 1 MiB: stays in cache; larger measured no faster). */
  bufferSize?: number;
}

/**
 * Original length of an output packet: the bytes that were never captured stay missing, so a
 * program that grows or shrinks the captured part moves origLen by the same amount, and origLen is
 * never below the bytes written: max(origLenIn + (lenOut − lenIn), lenOut).
 */
export function outputOrigLen(origLenIn: number, lenIn: number, lenOut: number): number {
  const o = origLenIn + (lenOut - lenIn);
  return o > lenOut ? o : lenOut;
}

let tempCounter = 0;

export class PcapWriter {
  /** Final path (exists only after close()). */
  readonly path: string;
  /** Where the bytes go until close(). */
  readonly tempPath: string;
  readonly nanosecond: boolean;
  readonly linkType: number;
  /** Records written so far, and their captured bytes. */
  packets = 0;
  bytes = 0;
  private fd: number;
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private done = false;
  /** Source array of the last short write and a DataView over it (writers are fed from one packet buffer). */
  private srcArr: Uint8Array | null = null;
  private srcView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(path: string, opts: PcapWriterOptions) {
    this.path = path;
    this.nanosecond = opts.nanosecond ?? false;
    this.linkType = opts.linkType;
    this.tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
    this.fd = openSync(this.tempPath, "wx", 0o644);
    const size = Math.max(opts.bufferSize ?? 1 << 20, 64);
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    const v = this.view;
    v.setUint32(0, this.nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, opts.snaplen ?? MAX_CAPLEN, true);
    v.setUint32(20, opts.linkType >>> 0, true);
    this.pos = 24;
  }

  /**
   * Append one record: bytes buf[off, off+len), original length (raised to len if smaller),
   * timestamp seconds (written modulo 2^32) and nanoseconds (µs files keep floor(ns / 1000)).
   */
  write(buf: Uint8Array, off: number, len: number, origLen: number, tsSec: number, tsNsec: number): void {
    if (this.done) throw new Error(`${this.path}: write after close/abort`);
    if (this.pos + RECORD_HEADER + len > this.buf.length) {
      this.flush();
      if (RECORD_HEADER + len > this.buf.length) {
        // Larger than the whole buffer: header from the buffer, data straight from the caller.
        this.putHeader(len, origLen, tsSec, tsNsec);
        this.flush();
        this.writeOut(buf, off, len);
        this.packets++;
        this.bytes += len;
        return;
      }
    }
    this.putHeader(len, origLen, tsSec, tsNsec);
    const p = this.pos;
    if (len > COPY_WORDS_MAX) {
      // One subarray view + memcpy (a byte loop is ~4× slower already at ~60-byte packets).
      this.buf.set(buf.subarray(off, off + len), p);
    } else {
      // Typical frames: 4 bytes at a time through a DataView cached per source array — no allocation.
      if (buf !== this.srcArr) {
        this.srcArr = buf;
        this.srcView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      }
      const sv = this.srcView;
      const dv = this.view;
      const dst = this.buf;
      let i = 0;
      for (; i + 4 <= len; i += 4) dv.setUint32(p + i, sv.getUint32(off + i, true), true);
      for (; i < len; i++) dst[p + i] = buf[off + i];
    }
    this.pos = p + len;
    this.packets++;
    this.bytes += len;
  }

  private putHeader(len: number, origLen: number, tsSec: number, tsNsec: number): void {
    const v = this.view;
    const p = this.pos;
    const o = origLen > len ? origLen : len;
    v.setUint32(p, tsSec >>> 0 === tsSec ? tsSec : ((tsSec % 4294967296) + 4294967296) % 4294967296, true);
    v.setUint32(p + 4, this.nanosecond ? tsNsec : Math.floor(tsNsec / 1000), true);
    v.setUint32(p + 8, len, true);
    v.setUint32(p + 12, o > 0xffffffff ? 0xffffffff : o, true);
    this.pos = p + RECORD_HEADER;
  }

  private writeOut(b: Uint8Array, off: number, len: number): void {
    while (len > 0) {
      const n = writeSync(this.fd, b, off, len);
      off += n;
      len -= n;
    }
  }

  private flush(): void {
    if (this.pos > 0) this.writeOut(this.buf, 0, this.pos);
    this.pos = 0;
  }

  /** Flush, close and rename the temp file to the final path (replacing an older file). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      this.flush();
    } catch (e) {
      // Never leave a partial file behind looking complete (or at all).
      closeSync(this.fd);
      unlinkSync(this.tempPath);
      throw e;
    }
    closeSync(this.fd);
    renameSync(this.tempPath, this.path);
  }

  /** Drop everything: close and remove the temp file; the final path is never touched. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } finally {
      try {
        unlinkSync(this.tempPath);
      } catch {
        /* already gone */
      }
    }
  }
}
