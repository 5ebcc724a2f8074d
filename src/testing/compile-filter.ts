// Packet filters of spec expectations: tcpdump expressions compiled to classic BPF by `tcpdump -ddd`
// (libpcap's own compiler, so the syntax is exactly tcpdump's) and run here. Spec: pcap-filter(7), bpf(4).

import { execFileSync } from "node:child_process";

/** One classic BPF instruction (struct sock_filter). */
export interface CbpfInsn { code: number; jt: number; jf: number; k: number }

/** A filter that cannot be compiled: bad expression, or tcpdump is not installed. */
export class FilterError extends Error {}

const cache = new Map<string, CbpfInsn[]>();

/** Compile a tcpdump expression for Ethernet (LINKTYPE_ETHERNET) with `tcpdump -y EN10MB -ddd`. */
export function compileFilter(expr: string): CbpfInsn[] {
  const hit = cache.get(expr);
  if (hit) return hit;
  let out: string;
  try {
    out = execFileSync("tcpdump", ["-y", "EN10MB", "-ddd", "--", expr], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") throw new FilterError(`filter ${JSON.stringify(expr)}: tcpdump is not installed (it compiles filters; or use "match:" fields)`);
    const msg = String(err.stderr ?? err.message).split("\n").filter((l) => l && !l.startsWith("Warning")).join(" ").replace(/^tcpdump: /, "");
    throw new FilterError(`filter ${JSON.stringify(expr)}: ${msg}`);
  }
  const lines = out.trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
  const n = lines[0][0];
  const prog = lines.slice(1, n + 1).map(([code, jt, jf, k]) => ({ code, jt, jf, k: k >>> 0 }));
  cache.set(expr, prog);
  return prog;
}

/** Run a classic BPF filter over a frame (wire length = captured length); true when it accepts. */
export function runFilter(prog: CbpfInsn[], p: Uint8Array): boolean {
  let A = 0, X = 0;
  const M = new Uint32Array(16);
  const len = p.length;
  const ld = (off: number, size: number): number | null => {
    if (off < 0 || off + size > len) return null;
    if (size === 4) return ((p[off] << 24) | (p[off + 1] << 16) | (p[off + 2] << 8) | p[off + 3]) >>> 0;
    if (size === 2) return (p[off] << 8) | p[off + 1];
    return p[off];
  };
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc];
    const cls = code & 7;
    switch (cls) {
      case 0: case 1: { // LD, LDX
        const size = [4, 2, 1, 0][(code >> 3) & 3];
        const mode = code & 0xe0;
        let v: number | null;
        if (mode === 0x00) v = k; // IMM
        else if (mode === 0x20) v = ld(k, size); // ABS
        else if (mode === 0x40) v = ld(X + k, size); // IND
        else if (mode === 0x60) v = M[k & 15]; // MEM
        else if (mode === 0x80) v = len; // LEN
        else if (mode === 0xa0) { const b = ld(k, 1); v = b === null ? null : (b & 0xf) << 2; } // MSH
        else return false;
        if (v === null) return false;
        if (cls === 0) A = v >>> 0; else X = v >>> 0;
        break;
      }
      case 2: M[k & 15] = A; break; // ST
      case 3: M[k & 15] = X; break; // STX
      case 4: { // ALU
        const s = code & 0x08 ? X : k;
        switch (code & 0xf0) {
          case 0x00: A = (A + s) >>> 0; break;
          case 0x10: A = (A - s) >>> 0; break;
          case 0x20: A = Math.imul(A, s) >>> 0; break;
          case 0x30: if (s === 0) return false; A = Math.floor(A / s) >>> 0; break;
          case 0x40: A = (A | s) >>> 0; break;
          case 0x50: A = (A & s) >>> 0; break;
          case 0x60: A = s >= 32 ? 0 : (A << s) >>> 0; break;
          case 0x70: A = s >= 32 ? 0 : A >>> s; break;
          case 0x80: A = (-A) >>> 0; break;
          case 0x90: if (s === 0) return false; A = (A % s) >>> 0; break;
          case 0xa0: A = (A ^ s) >>> 0; break;
          default: return false;
        }
        break;
      }
      case 5: { // JMP
        const s = code & 0x08 ? X : k;
        const op = code & 0xf0;
        if (op === 0x00) { pc += k; break; }
        const c = op === 0x10 ? A === s : op === 0x20 ? A > s : op === 0x30 ? A >= s : op === 0x40 ? (A & s) !== 0 : false;
        pc += c ? jt : jf;
        break;
      }
      case 6: return (code & 0x18) === 0x10 ? A !== 0 : k !== 0; // RET A / RET K
      case 7: if (code & 0x80) A = X; else X = A; break; // MISC: TXA / TAX
    }
  }
  return false;
}
