// Byte sources the capture readers pull from: a file read with positional reads straight into the
// caller's buffer (no intermediate copy), or any Readable (stdin, a gunzip stream) in paused mode.
// Spec: Node.js fs.FileHandle.read and stream.Readable#read / #unshift semantics.

import { open, type FileHandle } from "node:fs/promises";
import type { Readable } from "node:stream";

/** Sequential bytes. `read` resolves with 0 at the end; it never resolves with 0 before the end. */
export interface ByteSource {
  /**
   * Read up to `len` bytes into dst[off..]. Files fill the whole range unless the end is reached;
   * streams return what is available without waiting once at least one byte has been copied.
   * Rejects when the underlying stream fails (e.g. corrupt gzip data).
   */
  read(dst: Uint8Array, off: number, len: number): Promise<number>;
  close(): Promise<void>;
}

/** A regular file (or anything fs can read sequentially), read with positional reads. */
export class FileByteSource implements ByteSource {
  private position = 0;
  private constructor(private readonly fh: FileHandle) {}

  static async open(path: string): Promise<FileByteSource> {
    return new FileByteSource(await open(path, "r"));
  }

  /** Read without moving the position (the magic probe). */
  async peek(dst: Uint8Array): Promise<number> {
    let got = 0;
    while (got < dst.length) {
      const { bytesRead } = await this.fh.read(dst, got, dst.length - got, this.position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  }

  async read(dst: Uint8Array, off: number, len: number): Promise<number> {
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(dst, off + got, len - got, this.position);
      if (bytesRead === 0) break;
      this.position += bytesRead;
      got += bytesRead;
    }
    return got;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Resolve when the stream has data, has ended, or has failed. */
function waitForStream(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("readable", done);
      stream.off("end", done);
      stream.off("error", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("readable", done);
    stream.on("end", done);
    stream.on("error", done);
    stream.on("close", done);
  });
}

function streamFinished(stream: Readable): boolean {
  return stream.readableEnded || stream.destroyed || stream.errored !== null;
}

/**
 * Read the first `n` bytes of a stream and push them back (Readable#unshift), so that whoever
 * consumes the stream next still sees them. Resolves with fewer bytes when the stream is shorter.
 */
export async function peekStream(stream: Readable, n: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let got = 0;
  for (;;) {
    if (stream.errored) throw stream.errored;
    const c = stream.read() as Buffer | string | null;
    if (c !== null) {
      const b = typeof c === "string" ? Buffer.from(c, "latin1") : c;
      parts.push(b);
      got += b.length;
      if (got >= n) break;
      continue;
    }
    if (streamFinished(stream)) break;
    await waitForStream(stream);
  }
  if (stream.errored) throw stream.errored;
  const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  if (all.length > 0) stream.unshift(all);
  return all.subarray(0, Math.min(n, all.length));
}

/** A Readable (stdin, gunzip output, a test's stream) consumed in paused mode. */
export class StreamByteSource implements ByteSource {
  private pending: Buffer | null = null;
  private pendingOff = 0;
  private failure: unknown = null;

  constructor(private readonly stream: Readable) {
    // Keep a listener so a failing stream never becomes an unhandled 'error' event.
    stream.on("error", (e) => {
      this.failure ??= e;
    });
  }

  async read(dst: Uint8Array, off: number, len: number): Promise<number> {
    let got = 0;
    while (got < len) {
      if (this.pending !== null) {
        const n = Math.min(len - got, this.pending.length - this.pendingOff);
        dst.set(this.pending.subarray(this.pendingOff, this.pendingOff + n), off + got);
        got += n;
        this.pendingOff += n;
        if (this.pendingOff === this.pending.length) this.pending = null;
        continue;
      }
      if (this.failure !== null || this.stream.errored) break;
      const c = this.stream.read() as Buffer | string | null;
      if (c !== null) {
        this.pending = typeof c === "string" ? Buffer.from(c, "latin1") : c;
        this.pendingOff = 0;
        continue;
      }
      if (got > 0 || streamFinished(this.stream)) break;
      await waitForStream(this.stream);
    }
    if (got === 0) {
      const err = this.failure ?? this.stream.errored;
      if (err) throw err;
    }
    return got;
  }

  async close(): Promise<void> {
    if (this.stream !== process.stdin) this.stream.destroy();
    else this.stream.pause();
  }
}
