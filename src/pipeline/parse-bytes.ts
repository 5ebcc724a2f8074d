// Byte-string conventions of CONTRACT.md's JSON files: a list of bytes (ints 0..255 or bpftool's
// "0x0a" strings) or one hex string ("0a000001"); and the reverse, bpftool's `-j` raw byte lists.

import { UsageError } from "../errors.js";

/** Parse BYTES (CONTRACT.md --map-init) or throw UsageError naming `what`. */
export function parseBytes(v: unknown, what: string): Uint8Array {
  if (typeof v === "string") {
    let s = v.replace(/[\s:]/g, "");
    if (/^0x/i.test(s)) s = s.slice(2);
    if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
      throw new UsageError(`${what}: "${truncate(v)}" is not a hex byte string`);
    }
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  if (Array.isArray(v)) {
    if (v.length > 1 << 24) throw new UsageError(`${what}: byte list of ${v.length} entries is too large`);
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const b = v[i];
      let n: number;
      if (typeof b === "number") n = b;
      else if (typeof b === "string" && /^(0x)?[0-9a-fA-F]{1,2}$/i.test(b.trim())) n = parseInt(b.trim().replace(/^0x/i, ""), 16);
      else throw new UsageError(`${what}: byte ${i} (${truncate(JSON.stringify(b) ?? String(b))}) is not a byte`);
      if (!Number.isInteger(n) || n < 0 || n > 255) throw new UsageError(`${what}: byte ${i} (${n}) is not in 0..255`);
      out[i] = n;
    }
    return out;
  }
  throw new UsageError(`${what}: expected a list of bytes or a hex string`);
}

/** bpftool's raw byte list: ["0x0a", "0x00", …]. */
export function hexList(bytes: Uint8Array): string[] {
  const out: string[] = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = "0x" + HEX2[bytes[i]];
  return out;
}

/** Lowercase hex string of bytes [off, off+len). */
export function toHex(bytes: Uint8Array, off = 0, len = bytes.length - off): string {
  let s = "";
  for (let i = off; i < off + len; i++) s += HEX2[bytes[i]];
  return s;
}

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function truncate(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + "..." : s;
}
