// Test-only pcapng builder: SHB (either byte order, any version), IDB with if_tsresol/if_tsoffset,
// EPB, SPB, OPB and arbitrary blocks, returning the bytes and each block's offset.
// Spec: draft-ietf-opsawg-pcapng §4 (general block structure), §4.1–4.4, Appendix A (OPB).

/** A block whose body is made once the section's byte order is known. */
export interface BlockSpec {
  type: number;
  body: (le: boolean) => Uint8Array;
  /** SHBs set the byte order of the blocks after them. */
  sectionLe?: boolean;
}

function pad4(b: Uint8Array): Uint8Array {
  if (b.length % 4 === 0) return b;
  const out = new Uint8Array(b.length + 4 - (b.length % 4));
  out.set(b);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function option(le: boolean, code: number, value: Uint8Array): Uint8Array {
  const h = new Uint8Array(4);
  const v = new DataView(h.buffer);
  v.setUint16(0, code, le);
  v.setUint16(2, value.length, le);
  return concat([h, pad4(value)]);
}

export function shb(o: { le?: boolean; major?: number; minor?: number } = {}): BlockSpec {
  const le = o.le ?? true;
  return {
    type: 0x0a0d0d0a,
    sectionLe: le,
    body: () => {
      const b = new Uint8Array(16);
      const v = new DataView(b.buffer);
      v.setUint32(0, 0x1a2b3c4d, le);
      v.setUint16(4, o.major ?? 1, le);
      v.setUint16(6, o.minor ?? 0, le);
      v.setBigInt64(8, -1n, le);
      return b;
    },
  };
}

export function idb(
  linkType: number,
  o: { snaplen?: number; tsresol?: number; tsoffset?: bigint; rawOptions?: Uint8Array } = {},
): BlockSpec {
  return {
    type: 1,
    body: (le) => {
      const f = new Uint8Array(8);
      const v = new DataView(f.buffer);
      v.setUint16(0, linkType, le);
      v.setUint32(4, o.snaplen ?? 0, le);
      const opts: Uint8Array[] = [];
      if (o.rawOptions) opts.push(o.rawOptions);
      if (o.tsresol !== undefined) opts.push(option(le, 9, Uint8Array.of(o.tsresol)));
      if (o.tsoffset !== undefined) {
        const x = new Uint8Array(8);
        new DataView(x.buffer).setBigInt64(0, o.tsoffset, le);
        opts.push(option(le, 14, x));
      }
      if (opts.length > 0 && !o.rawOptions) opts.push(new Uint8Array(4));
      return concat([f, ...opts]);
    },
  };
}

export function epb(ifId: number, data: Uint8Array, o: { ts?: bigint; origLen?: number; comment?: string } = {}): BlockSpec {
  return {
    type: 6,
    body: (le) => {
      const f = new Uint8Array(20);
      const v = new DataView(f.buffer);
      const ts = o.ts ?? 0n;
      v.setUint32(0, ifId, le);
      v.setUint32(4, Number(ts >> 32n), le);
      v.setUint32(8, Number(ts & 0xffffffffn), le);
      v.setUint32(12, data.length, le);
      v.setUint32(16, o.origLen ?? data.length, le);
      const parts = [f, pad4(data)];
      if (o.comment !== undefined) parts.push(option(le, 1, new TextEncoder().encode(o.comment)), new Uint8Array(4));
      return concat(parts);
    },
  };
}

/** Obsolete Packet Block (type 2): 16-bit interface id, 16-bit drops count. */
export function opb(ifId: number, data: Uint8Array, o: { ts?: bigint; origLen?: number } = {}): BlockSpec {
  return {
    type: 2,
    body: (le) => {
      const f = new Uint8Array(20);
      const v = new DataView(f.buffer);
      const ts = o.ts ?? 0n;
      v.setUint16(0, ifId, le);
      v.setUint16(2, 7, le);
      v.setUint32(4, Number(ts >> 32n), le);
      v.setUint32(8, Number(ts & 0xffffffffn), le);
      v.setUint32(12, data.length, le);
      v.setUint32(16, o.origLen ?? data.length, le);
      return concat([f, pad4(data)]);
    },
  };
}

/** Simple Packet Block: original length + the bytes (as many as the writer kept). */
export function spb(data: Uint8Array, origLen = data.length): BlockSpec {
  return {
    type: 3,
    body: (le) => {
      const f = new Uint8Array(4);
      new DataView(f.buffer).setUint32(0, origLen, le);
      return concat([f, pad4(data)]);
    },
  };
}

export function block(type: number, body: Uint8Array): BlockSpec {
  return { type, body: () => body };
}

/** Serialise blocks; offsets[i] is where block i starts. */
export function buildPcapng(blocks: BlockSpec[]): { bytes: Uint8Array; offsets: number[] } {
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let le = true;
  let at = 0;
  for (const b of blocks) {
    if (b.sectionLe !== undefined) le = b.sectionLe;
    const body = b.body(le);
    const len = 12 + body.length;
    const h = new Uint8Array(8);
    const hv = new DataView(h.buffer);
    hv.setUint32(0, b.type, le);
    hv.setUint32(4, len, le);
    const t = new Uint8Array(4);
    new DataView(t.buffer).setUint32(0, len, le);
    offsets.push(at);
    parts.push(h, body, t);
    at += len;
  }
  return { bytes: concat(parts), offsets };
}
