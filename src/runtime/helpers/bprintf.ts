// The kernel's BPF printf engine shared by bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf:
// bpf_bprintf_prepare's format checks and 512-byte argument buffer, then bstr_printf's rendering.
// Kernel reference: kernel/bpf/helpers.c (bpf_bprintf_prepare), lib/vsprintf.c (bstr_printf, number).

import { RegionKind } from "../memory.js";
import type { Runtime } from "../runtime.js";
import { EINVAL, ENOSPC } from "../maps/bpf-map.js";

export const MAX_BPRINTF_BUF = 1024;
export const MAX_BPRINTF_BIN_ARGS = 512;
export const MAX_BPRINTF_VARARGS = 12;
export const MAX_TRACE_PRINTK_VARARGS = 3;

const LEFT = 1, PLUS = 2, SPACE = 4, ZEROPAD = 8, SIGN = 16, SMALL = 32;
const FIELD_WIDTH_MAX = (1 << 23) - 1;

/** One converted argument, as prepare left it in the binary argument buffer. */
type Arg =
  | { kind: "num"; value: bigint; signed: boolean; base: 10 | 16; upper: boolean }
  | { kind: "ptr"; value: bigint; sym: boolean }
  | { kind: "char"; value: number }
  | { kind: "str"; bytes: Uint8Array }
  | { kind: "pre"; bytes: Uint8Array };

/** Output of a successful format: `len` is bstr_printf's return (the untruncated length). */
export interface BprintfOutput {
  /** The first min(len, cap) rendered bytes. */
  bytes: Uint8Array;
  len: number;
}

const isPrint = (c: number) => c >= 0x20 && c <= 0x7e;
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
const isPunct = (c: number) => isPrint(c) && c !== 0x20 && !isAlnum(c);

/**
 * Format `fmt` (fmtLen bytes, the NUL excluded) with up to `numArgs` u64 arguments read by `arg`.
 * Returns -errno (-EINVAL for a format the kernel refuses, -ENOSPC when the 512-byte argument buffer
 * overflows) or the rendered bytes, truncated to `cap` bytes, with the full length.
 * Deviation: %p and %pK print the raw value like %px (the kernel prints a per-boot hash); %ps, %pS
 * and %pB print `0x<hex>` (what the kernel prints for an address without a symbol).
 */
export function bprintf(rt: Runtime, fmt: Uint8Array, fmtStart: number, fmtLen: number,
  arg: (i: number) => bigint, numArgs: number, cap: number): BprintfOutput | number {
  const ch = (j: number) => (j < fmtLen ? fmt[fmtStart + j] : 0);
  const args: Arg[] = [];
  let bin = 0; // bytes used in the binary argument buffer (tmp_buf - bin_args)
  for (let i = 0; i < fmtLen; i++) {
    const c = ch(i);
    if ((!isPrint(c) && !isSpace(c)) || c > 0x7f) return -EINVAL;
    if (c !== 0x25) continue;
    if (ch(i + 1) === 0x25) {
      i++;
      continue;
    }
    if (args.length >= numArgs) return -EINVAL;
    i++;
    while (ch(i) === 0x30 || ch(i) === 0x2b || ch(i) === 0x2d || ch(i) === 0x20) i++;
    if (ch(i) >= 0x31 && ch(i) <= 0x39) {
      i++;
      while (isDigit(ch(i))) i++;
    }
    const raw = arg(args.length);
    const t = ch(i);
    if (t === 0x70 /* p */) {
      const n1 = ch(i + 1);
      if (n1 === 0 || isSpace(n1) || isPunct(n1)) {
        if ((bin = scalarSlot(bin, 8)) < 0) return bin;
        args.push({ kind: "ptr", value: raw, sym: false });
        continue;
      }
      if ((n1 === 0x6b || n1 === 0x75) && ch(i + 2) === 0x73) { // %pks %pus
        i += 2;
        const err = checkStrEnd(ch(i + 1));
        if (err) return err;
        const s = copyString(rt, raw, n1 === 0x75, bin);
        if (typeof s === "number") return s;
        bin += s.used;
        args.push({ kind: "pre", bytes: s.bytes });
        continue;
      }
      if (n1 === 0x4b || n1 === 0x78 || n1 === 0x73 || n1 === 0x53) { // %pK %px %ps %pS
        if ((bin = scalarSlot(bin, 8)) < 0) return bin;
        args.push({ kind: "ptr", value: raw, sym: n1 === 0x73 || n1 === 0x53 });
        i++;
        continue;
      }
      if (n1 === 0x42) { // %pB: preformatted symbol
        const text = ascii(`0x${raw.toString(16)}`);
        bin = Math.min(bin + text.length + 1, MAX_BPRINTF_BIN_ARGS + 1);
        args.push({ kind: "pre", bytes: text });
        i++;
        continue;
      }
      const n2 = ch(i + 2);
      if ((n1 !== 0x69 && n1 !== 0x49) || (n2 !== 0x34 && n2 !== 0x36)) return -EINVAL;
      i += 2;
      const size = n2 === 0x34 ? 4 : 16;
      if (MAX_BPRINTF_BIN_ARGS - bin < size) return -ENOSPC;
      const text = formatIp(readKernel(rt, raw, size), n1 === 0x49);
      const room = MAX_BPRINTF_BIN_ARGS - bin;
      bin = Math.min(bin + text.length + 1, MAX_BPRINTF_BIN_ARGS + 1);
      args.push({ kind: "pre", bytes: text.length < room ? text : text.subarray(0, room - 1) });
      continue;
    }
    if (t === 0x73 /* s */) {
      const err = checkStrEnd(ch(i + 1));
      if (err) return err;
      const s = copyString(rt, raw, false, bin);
      if (typeof s === "number") return s;
      bin += s.used;
      args.push({ kind: "str", bytes: s.bytes });
      continue;
    }
    if (t === 0x63 /* c */) {
      if (bin >= MAX_BPRINTF_BIN_ARGS) return -ENOSPC;
      bin++;
      args.push({ kind: "char", value: Number(raw & 0xffn) });
      continue;
    }
    let size = 4;
    if (ch(i) === 0x6c) {
      size = 8;
      i++;
    }
    if (ch(i) === 0x6c) i++;
    const conv = ch(i);
    if (conv !== 0x69 && conv !== 0x64 && conv !== 0x75 && conv !== 0x78 && conv !== 0x58) return -EINVAL;
    if ((bin = scalarSlot(bin, size)) < 0) return bin;
    const signed = conv === 0x69 || conv === 0x64;
    const v = size === 4 ? (signed ? BigInt.asIntN(32, raw) : BigInt.asUintN(32, raw)) : signed ? BigInt.asIntN(64, raw) : raw;
    args.push({ kind: "num", value: v, signed, base: conv === 0x78 || conv === 0x58 ? 16 : 10, upper: conv === 0x58 });
  }
  return render(fmt, fmtStart, fmtLen, args, cap);
}

/** Room for a 4- or 8-byte value at the next 4-byte boundary; new fill level or -ENOSPC. */
function scalarSlot(bin: number, size: number): number {
  const at = (bin + 3) & ~3;
  return MAX_BPRINTF_BIN_ARGS - at < size ? -ENOSPC : at + size;
}

/** %s and %p[ku]s must be followed by the end, a space or punctuation. */
function checkStrEnd(next: number): number {
  return next !== 0 && !isSpace(next) && !isPunct(next) ? -EINVAL : 0;
}

/**
 * bpf_trace_copy_string into the rest of the argument buffer: kernel strings are read from simulated
 * memory (a fault gives ""), user strings do not exist in XDP context (always ""). `used` counts the
 * NUL, as strncpy_from_kernel_nofault's return does.
 */
function copyString(rt: Runtime, ptr: bigint, user: boolean, bin: number): { bytes: Uint8Array; used: number } | number {
  if (bin >= MAX_BPRINTF_BIN_ARGS) return -ENOSPC;
  const room = MAX_BPRINTF_BIN_ARGS - bin;
  const s = user ? null : readCString(rt, ptr, room);
  return s === null ? { bytes: new Uint8Array(0), used: 1 } : { bytes: s, used: s.length + 1 };
}

/**
 * strncpy_from_kernel_nofault over simulated memory: the string's bytes (at most count - 1) or null
 * when the region ends (or the address is unmapped) before a NUL or count bytes are read.
 */
export function readCString(rt: Runtime, ptr: bigint, count: number): Uint8Array | null {
  if (count <= 0) return new Uint8Array(0);
  const reg = rt.mem.regions[Number((ptr >> 32n) & 0xffffffffn)];
  const lo = Number(ptr & 0xffffffffn);
  if (reg === undefined || reg.kind === RegionKind.Invalid || lo < reg.start) return null;
  for (let k = 0; k < count; k++) {
    if (lo + k >= reg.end) return null;
    if (reg.bytes[lo + k] === 0) return reg.bytes.slice(lo, lo + k);
  }
  return reg.bytes.slice(lo, lo + count - 1);
}

/** copy_from_kernel_nofault of `size` bytes; zeros when any byte is not mapped. */
export function readKernel(rt: Runtime, ptr: bigint, size: number): Uint8Array {
  const reg = rt.mem.regions[Number((ptr >> 32n) & 0xffffffffn)];
  const lo = Number(ptr & 0xffffffffn);
  if (reg === undefined || reg.kind === RegionKind.Invalid || lo < reg.start || lo + size > reg.end) {
    return new Uint8Array(size);
  }
  return reg.bytes.slice(lo, lo + size);
}

/** %pI4 / %pi4 / %pI6 / %pi6 as lib/vsprintf.c prints them (IPv6 not compressed). */
function formatIp(b: Uint8Array, upper: boolean): Uint8Array {
  let s: string;
  if (b.length === 4) {
    s = Array.from(b, (x) => (upper ? String(x) : String(x).padStart(3, "0"))).join(".");
  } else {
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    s = upper ? hex.match(/..../g)!.join(":") : hex;
  }
  return ascii(s);
}

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Scratch the renderer writes into (reused: one printk per packet must not allocate and zero 1 KiB). */
let scratch = new Uint8Array(MAX_BPRINTF_BUF);

/** Output sink that counts every byte but keeps only the first `cap` (in the shared scratch). */
class Out {
  readonly bytes: Uint8Array;
  len = 0;
  constructor(readonly cap: number) {
    if (scratch.length < cap) scratch = new Uint8Array(cap);
    this.bytes = scratch;
  }
  byte(b: number): void {
    if (this.len < this.cap) this.bytes[this.len] = b;
    this.len++;
  }
  pad(b: number, n: number): void {
    if (n <= 0) return;
    const end = Math.min(this.len + n, this.cap);
    if (this.len < end) this.bytes.fill(b, this.len, end);
    this.len += n;
  }
  put(s: Uint8Array): void {
    for (let i = 0; i < s.length; i++) this.byte(s[i]);
  }
}

/** bstr_printf: walk the (validated) format again, consuming the prepared arguments in order. */
function render(fmt: Uint8Array, start: number, fmtLen: number, args: Arg[], cap: number): BprintfOutput {
  const ch = (j: number) => (j < fmtLen ? fmt[start + j] : 0);
  const out = new Out(cap);
  let a = 0;
  for (let i = 0; i < fmtLen; i++) {
    const c = ch(i);
    if (c !== 0x25) {
      out.byte(c);
      continue;
    }
    if (ch(i + 1) === 0x25) {
      out.byte(0x25);
      i++;
      continue;
    }
    i++;
    let flags = 0;
    for (;;) {
      const f = ch(i);
      if (f === 0x2d) flags |= LEFT;
      else if (f === 0x2b) flags |= PLUS;
      else if (f === 0x20) flags |= SPACE;
      else if (f === 0x30) flags |= ZEROPAD;
      else break;
      i++;
    }
    let width = -1;
    if (isDigit(ch(i))) {
      width = 0;
      while (isDigit(ch(i))) width = Math.min(width * 10 + ch(i++) - 0x30, FIELD_WIDTH_MAX);
    }
    while (ch(i) === 0x6c) i++;
    const x = args[a++];
    switch (x.kind) {
      case "num":
        number(out, x.value, x.base, (x.signed ? SIGN : 0) | (x.upper || x.base === 10 ? 0 : SMALL) | flags, width);
        break;
      case "char":
        if (!(flags & LEFT)) out.pad(0x20, width - 1);
        out.byte(x.value);
        if (flags & LEFT) out.pad(0x20, width - 1);
        break;
      case "str":
        widen(out, x.bytes, flags, width);
        break;
      case "ptr":
        if (x.sym) {
          widen(out, ascii(`0x${x.value.toString(16)}`), flags, width);
        } else if (width === -1) {
          number(out, x.value, 16, SMALL | ZEROPAD | flags, 16);
        } else {
          number(out, x.value, 16, SMALL | flags, width);
        }
        break;
      case "pre":
        out.put(x.bytes);
        break;
    }
    if (ch(i) === 0x70) while (isAlnum(ch(i + 1))) i++; // %p<alnum...>: bstr_printf skips the suffix
  }
  // A copy of exactly the kept bytes: the scratch is reused by the next call.
  return { bytes: out.bytes.slice(0, Math.min(out.len, cap)), len: out.len };
}

/** lib/vsprintf.c string()/widen_string(): spaces before (or after, with '-') up to the width. */
function widen(out: Out, s: Uint8Array, flags: number, width: number): void {
  if (!(flags & LEFT)) out.pad(0x20, width - s.length);
  out.put(s);
  if (flags & LEFT) out.pad(0x20, width - s.length);
}

/** lib/vsprintf.c number() without precision or '#' (bpf_bprintf_prepare allows neither). */
function number(out: Out, value: bigint, base: 10 | 16, flags: number, width: number): void {
  if (flags & LEFT) flags &= ~ZEROPAD;
  let sign = 0;
  let num = value;
  if (flags & SIGN) {
    if (num < 0n) {
      sign = 0x2d;
      num = -num;
      width--;
    } else if (flags & PLUS) {
      sign = 0x2b;
      width--;
    } else if (flags & SPACE) {
      sign = 0x20;
      width--;
    }
  }
  let digits = BigInt.asUintN(64, num).toString(base);
  if (base === 16 && !(flags & SMALL)) digits = digits.toUpperCase();
  width -= digits.length;
  if (!(flags & (ZEROPAD | LEFT))) {
    out.pad(0x20, width);
    width = 0;
  }
  if (sign) out.byte(sign);
  if (!(flags & LEFT)) {
    out.pad(flags & ZEROPAD ? 0x30 : 0x20, width);
    width = 0;
  }
  out.put(ascii(digits));
  out.pad(0x20, width);
}
