// Output files of a replay (CONTRACT.md): one pcap per verdict (+ per redirect target and per
// unsupported link type), results.jsonl and trace.log — all written to temp names, renamed on commit.

import { closeSync, openSync, writeSync } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { PcapWriter } from "../pcap/write-pcap.js";
import { RedirectKind } from "../runtime/runtime.js";

export const VERDICT_FILES = ["aborted", "drop", "pass", "tx", "redirect"] as const;

/** Packets and bytes written to one output. */
export interface SinkCount {
  packets: number;
  bytes: number;
}

const REDIRECT_PREFIX: Record<number, string> = {
  [RedirectKind.Ifindex]: "if",
  [RedirectKind.Cpu]: "cpu",
  [RedirectKind.Xsk]: "xsk",
  [RedirectKind.Broadcast]: "broadcast",
};

/** Two lowercase hex digits of a byte as one little-endian uint16 (first digit in the low byte). */
const HEX16 = Uint16Array.from({ length: 256 }, (_, b) => {
  const d = (n: number): number => (n < 10 ? 48 + n : 87 + n);
  return d(b >> 4) | (d(b & 15) << 8);
});

/**
 * A line-oriented text output written through a temp file: text and hex are encoded straight into
 * a 1 MiB byte buffer (no per-line string joins) and handed to the OS with write(2) when it fills.
 */
export class TextSink {
  private readonly tmp: string;
  private fd: number;
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  private done = false;
  constructor(readonly path: string, private readonly size = 1 << 20) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, "w", 0o644);
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
  /** Whole lines appended so far. */
  lines = 0;
  /** Append one whole line (a newline is added). */
  line(s: string): void {
    this.text(s);
    this.newline();
    this.lines++;
  }
  /** End a line built from pieces (raw / uint / hex / text). */
  lineEnd(): void {
    this.newline();
    this.lines++;
  }
  /** Append pre-encoded ASCII bytes (constant pieces of a line: no string per packet). */
  raw(a: Uint8Array): void {
    const n = a.length;
    if (this.pos + n > this.size) this.flush();
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = a[i];
    this.pos = p;
  }
  /** Append a non-negative integer (< 2^53) in decimal, digit by digit (no string per packet). */
  uint(v: number): void {
    if (this.pos + 16 > this.size) this.flush();
    const b = this.buf;
    if (v < 10) {
      b[this.pos++] = 48 + v;
      return;
    }
    let digits = 0;
    for (let t = v; t >= 1; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    let n = v;
    while (n >= 1) {
      const q = Math.floor(n / 10);
      b[--p] = 48 + (n - q * 10);
      n = q;
    }
  }
  /** Append text without a newline. */
  text(s: string): void {
    const n = s.length;
    if (this.pos + 3 * n > this.size) {
      this.flush();
      if (3 * n > this.size) {
        this.writeOut(Buffer.from(s, "utf8"));
        return;
      }
    }
    // ASCII fast path: one byte per char; anything else goes through the UTF-8 encoder.
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = p;
        this.pos += b.write(s.slice(i), p, "utf8");
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }
  /** Append bytes[off, off+len) as lowercase hex. */
  hex(bytes: Uint8Array, off: number, len: number): void {
    if (this.pos + 2 * len > this.size) {
      this.flush();
      if (2 * len > this.size) {
        this.writeOut(Buffer.from(Buffer.from(bytes.buffer, bytes.byteOffset + off, len).toString("hex"), "latin1"));
        return;
      }
    }
    const v = this.view;
    let p = this.pos;
    for (let i = 0; i < len; i++) {
      v.setUint16(p, HEX16[bytes[off + i]], true);
      p += 2;
    }
    this.pos = p;
  }
  newline(): void {
    if (this.pos + 1 > this.size) this.flush();
    this.buf[this.pos++] = 10;
  }
  private writeOut(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
  }
  private flush(): void {
    if (this.pos > 0) this.writeOut(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
  /** Hand buffered lines to the OS (kept async for callers that await between batches). */
  async drain(): Promise<void> {
    if (this.pos > this.size >> 1) this.flush();
  }
  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
    await rename(this.tmp, this.path);
  }
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    closeSync(this.fd);
    await unlink(this.tmp).catch(() => undefined);
  }
}

/** All pcap outputs of a run. */
export class VerdictSinks {
  readonly dir: string;
  readonly nanosecond: boolean;
  /** Indexed by verdict 0..4 (aborted, drop, pass, tx, redirect). */
  readonly verdict: PcapWriter[];
  readonly counts: SinkCount[] = VERDICT_FILES.map(() => ({ packets: 0, bytes: 0 }));
  readonly skipped: PcapWriter;
  readonly skippedCount: SinkCount = { packets: 0, bytes: 0 };
  /** Extra files: redirect-<kind><n>.pcap and skipped-linktype-<N>.pcap, created on first use. */
  readonly extra = new Map<string, { writer: PcapWriter; count: SinkCount }>();

  constructor(dir: string, nanosecond: boolean) {
    this.dir = dir;
    this.nanosecond = nanosecond;
    this.verdict = VERDICT_FILES.map((v) => new PcapWriter(join(dir, `${v}.pcap`), { linkType: 1, nanosecond }));
    this.skipped = new PcapWriter(join(dir, "skipped.pcap"), { linkType: 1, nanosecond });
  }

  /** redirect-<kind><n>.pcap entries by kind * 2^32 + target (no string built per packet). */
  private readonly redirectByTarget = new Map<number, { writer: PcapWriter; count: SinkCount }>();

  /** The per-target redirect file's writer for a redirect outcome. */
  redirectTarget(kind: RedirectKind, target: number): { writer: PcapWriter; count: SinkCount } | null {
    const key = kind * 0x1_0000_0000 + (target >>> 0);
    const hit = this.redirectByTarget.get(key);
    if (hit !== undefined) return hit;
    const prefix = REDIRECT_PREFIX[kind];
    if (!prefix) return null;
    const name = kind === RedirectKind.Broadcast ? "redirect-broadcast.pcap" : `redirect-${prefix}${target}.pcap`;
    const e = this.extraFile(name, 1);
    this.redirectByTarget.set(key, e);
    return e;
  }

  /** skipped-linktype-<N>.pcap keeps packets of link types that are not run, unchanged. */
  linkTypeFile(linkType: number): { writer: PcapWriter; count: SinkCount } {
    return this.extraFile(`skipped-linktype-${linkType}.pcap`, linkType);
  }

  private extraFile(name: string, linkType: number): { writer: PcapWriter; count: SinkCount } {
    let e = this.extra.get(name);
    if (!e) {
      e = { writer: new PcapWriter(join(this.dir, name), { linkType, nanosecond: this.nanosecond }), count: { packets: 0, bytes: 0 } };
      this.extra.set(name, e);
    }
    return e;
  }

  private all(): PcapWriter[] {
    return [...this.verdict, this.skipped, ...[...this.extra.values()].map((e) => e.writer)];
  }

  async commit(): Promise<void> {
    for (const w of this.all()) await w.close();
  }

  /**
   * The run's bookkeeping checked against what the writers actually wrote (always on, O(files)):
   * every input packet in exactly one of the verdict / skipped / skipped-linktype files (the
   * per-target redirect-*.pcap files copy redirect.pcap's packets and stay out of the sum), and each
   * file's record count equal to the count stats.json reports. Returns the problems found.
   */
  checkCounts(inputPackets: number): string[] {
    const problems: string[] = [];
    let sum = 0;
    const check = (name: string, w: PcapWriter, c: SinkCount): void => {
      if (w.packets !== c.packets || w.bytes !== c.bytes) {
        problems.push(`${name}: ${w.packets} records / ${w.bytes} bytes written, ${c.packets} / ${c.bytes} counted`);
      }
    };
    VERDICT_FILES.forEach((f, i) => { check(`${f}.pcap`, this.verdict[i], this.counts[i]); sum += this.verdict[i].packets; });
    check("skipped.pcap", this.skipped, this.skippedCount);
    sum += this.skipped.packets;
    for (const [name, e] of this.extra) {
      check(name, e.writer, e.count);
      if (name.startsWith("skipped-linktype-")) sum += e.writer.packets;
    }
    if (sum !== inputPackets) problems.push(`${inputPackets} input packets but ${sum} in the output files`);
    return problems;
  }

  async abort(): Promise<void> {
    for (const w of this.all()) await w.abort();
  }
}
