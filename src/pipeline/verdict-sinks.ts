// Output files of a replay (CONTRACT.md): one pcap per verdict (+ per redirect target and per
// unsupported link type), results.jsonl and trace.log — all written to temp names, renamed on commit.

import { createWriteStream, type WriteStream } from "node:fs";
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

/** A line-oriented text output written through a temp file. */
export class TextSink {
  private readonly stream: WriteStream;
  private readonly tmp: string;
  private pending: string[] = [];
  private pendingLen = 0;
  constructor(readonly path: string) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.stream = createWriteStream(this.tmp);
  }
  line(s: string): void {
    this.pending.push(s);
    this.pendingLen += s.length;
    if (this.pendingLen > 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.pending.length) this.stream.write(this.pending.join("\n") + "\n");
    this.pending = [];
    this.pendingLen = 0;
  }
  /** Wait until buffered lines are handed to the OS (back-pressure for long runs). */
  async drain(): Promise<void> {
    this.flush();
    if (this.stream.writableNeedDrain) await new Promise<void>((res) => this.stream.once("drain", () => res()));
  }
  async commit(): Promise<void> {
    this.flush();
    await new Promise<void>((res, rej) => this.stream.end((err?: Error | null) => (err ? rej(err) : res())));
    await rename(this.tmp, this.path);
  }
  async abort(): Promise<void> {
    await new Promise<void>((res) => this.stream.end(() => res()));
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

  /** The per-target redirect file's writer for a redirect outcome. */
  redirectTarget(kind: RedirectKind, target: number): { writer: PcapWriter; count: SinkCount } | null {
    const prefix = REDIRECT_PREFIX[kind];
    if (!prefix) return null;
    const name = kind === RedirectKind.Broadcast ? "redirect-broadcast.pcap" : `redirect-${prefix}${target}.pcap`;
    return this.extraFile(name, 1);
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

  async abort(): Promise<void> {
    for (const w of this.all()) await w.abort();
  }
}
