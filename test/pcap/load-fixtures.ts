// Test helpers for the capture tests: fixture paths, the tshark records of each fixture, and a
// reader that drains a CaptureSource into plain per-packet rows. Spec: test/fixtures/captures/README.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CaptureError } from "../../src/errors.js";
import { openCapture, type OpenCaptureOptions } from "../../src/pcap/open-capture.js";

/** Repository root (tests run from dist/test/pcap). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const CAPTURES = join(ROOT, "test", "fixtures", "captures");
export const PCAPS = join(ROOT, "pcaps");

export function capture(name: string): string {
  return join(CAPTURES, name);
}

export interface ManifestRow {
  file: string;
  format: string;
  linktype: string;
  packets: number;
  exercises: string;
}

/** MANIFEST.tsv rows (packets column parsed as its leading integer). */
export function loadManifest(): ManifestRow[] {
  const lines = readFileSync(join(CAPTURES, "MANIFEST.tsv"), "utf8").trim().split("\n");
  const head = lines[0]!.split("\t");
  return lines.slice(1).map((l) => {
    const c = l.split("\t");
    const get = (k: string): string => c[head.indexOf(k)]!;
    return {
      file: get("file"),
      format: get("format"),
      linktype: get("linktype"),
      packets: parseInt(get("packets"), 10),
      exercises: get("exercises"),
    };
  });
}

/** One packet as tshark shows it: epoch time ("" for SPBs), frame.len, frame.cap_len, MD5 of bytes. */
export interface TsharkRow {
  time: string;
  len: number;
  capLen: number;
  md5: string;
}

export function loadTshark(name: string): TsharkRow[] {
  const text = readFileSync(join(CAPTURES, "tshark", `${name}.tsv`), "utf8");
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [time, len, capLen, md5] = l.split("\t");
      return { time: time!, len: Number(len), capLen: Number(capLen), md5: md5! };
    });
}

export interface Row {
  index: number;
  sec: number;
  nsec: number;
  len: number;
  origLen: number;
  linkType: number;
  bytes: Uint8Array;
}

export interface Drained {
  rows: Row[];
  nanosecond: boolean;
  error: CaptureError | null;
  /** Largest chunk buffer a batch pointed into. */
  maxBuffer: number;
}

/** Read a whole capture, copying each packet (tests only), and catch the final CaptureError. */
export async function drain(path: string, opts: OpenCaptureOptions = {}): Promise<Drained> {
  const cap = await openCapture(path, opts);
  const rows: Row[] = [];
  let error: CaptureError | null = null;
  let maxBuffer = 0;
  try {
    for await (const b of cap.batches()) {
      maxBuffer = Math.max(maxBuffer, b.buf.length);
      for (let i = 0; i < b.count; i++) {
        rows.push({
          index: b.firstIndex + i,
          sec: b.tsSec[i]!,
          nsec: b.tsNsec[i]!,
          len: b.lens[i]!,
          origLen: b.origLens[i]!,
          linkType: b.linkTypes[i]!,
          bytes: b.buf.slice(b.offs[i]!, b.offs[i]! + b.lens[i]!),
        });
      }
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    error = e;
  }
  return { rows, nanosecond: cap.nanosecond, error, maxBuffer };
}

export function md5(b: Uint8Array): string {
  return createHash("md5").update(b).digest("hex");
}

/** tshark's frame.time_epoch text for (sec, nsec). */
export function epoch(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, "0")}`;
}

/** The same lines record-tshark.sh writes, from our reader's rows. */
export function tsharkLines(rows: Row[]): string {
  return rows.map((r) => `${epoch(r.sec, r.nsec)}\t${r.origLen}\t${r.len}\t${md5(r.bytes)}\n`).join("");
}
