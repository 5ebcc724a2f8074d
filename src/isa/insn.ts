// Decoded eBPF instruction slots (RFC 9669 §3: 8-byte little-endian slots; lddw uses two).
// Decoding is total: any 8 bytes decode; validity is the loader's and verifier's business.

/** One 8-byte instruction slot. `off` and `imm` are signed. */
export interface Insn {
  /** Opcode byte. */
  op: number;
  dst: number;
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
}

export const INSN_SIZE = 8;

/** Decode `count` slots from `bytes` starting at `offset` (must be in range). */
export function decodeInsns(bytes: Uint8Array, offset = 0, count = Math.floor((bytes.length - offset) / INSN_SIZE)): Insn[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const p = offset + i * INSN_SIZE;
    const regs = bytes[p + 1];
    out[i] = { op: bytes[p], dst: regs & 0x0f, src: regs >> 4, off: dv.getInt16(p + 2, true), imm: dv.getInt32(p + 4, true) };
  }
  return out;
}

/** Encode slots back to bytes (used by the tag computation, assembler and tests). */
export function encodeInsns(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  const dv = new DataView(out.buffer);
  insns.forEach((x, i) => {
    const p = i * INSN_SIZE;
    out[p] = x.op;
    out[p + 1] = (x.dst & 0x0f) | ((x.src & 0x0f) << 4);
    dv.setInt16(p + 2, x.off, true);
    dv.setInt32(p + 4, x.imm, true);
  });
  return out;
}
