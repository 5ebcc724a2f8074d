// pcapng reader: sections in either byte order (each with its own interfaces), IDB link type,
// if_tsresol (powers of 10 and 2) and if_tsoffset, EPB/SPB/OPB packets; other blocks are skipped.
// Spec: draft-ietf-opsawg-pcapng §4 (blocks), §4.2 (IDB options); libpcap sf-pcapng.c for limits.

import { CaptureError } from "../errors.js";
import { createPacketBatch, DEFAULT_BATCH_SIZE, MAX_CAPLEN, MAX_PCAPNG_BLOCK } from "./create-packet-batch.js";
import type { ChunkReader } from "./read-chunks.js";
import { sourceFailure, type RecordLoopOptions } from "./read-pcap.js";
import type { PacketBatch } from "./types.js";

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_OPB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_NRB = 0x00000004;
export const BLOCK_ISB = 0x00000005;
export const BLOCK_EPB = 0x00000006;
export const BLOCK_DSB = 0x0000000a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** One Interface Description Block of the current section. */
export interface PcapngInterface {
  linkType: number;
  /** 0 = no limit. */
  snaplen: number;
  /** Timestamp units per second (10^n or 2^n from if_tsresol; 10^6 by default). */
  units: number;
  unitsBig: bigint;
  /** 1e9 / units when that is an integer (units a power of 10 up to 10^9), else 0. */
  nsPerUnit: number;
  /** if_tsoffset: seconds added to every timestamp. */
  offsetSec: number;
}

/** Largest timestamp unit count per second handled with exact double arithmetic (else BigInt). */
const MAX_DOUBLE_UNITS = 2 ** 37;

/** Convert a 64-bit timestamp (hi, lo) in `ifc` units into seconds and nanoseconds (truncating). */
export function convertTimestamp(ifc: PcapngInterface, hi: number, lo: number, out: { sec: number; nsec: number }): void {
  const U = ifc.units;
  let sec: number;
  let rem: number;
  if (U === 1e6) {
    // 2^32 = 4294 * 10^6 + 967296, so hi*2^32 + lo = hi*4294*10^6 + (hi*967296 + lo); the sum < 2^53.
    const x = hi * 967296 + lo;
    const q = Math.floor(x / 1e6);
    sec = hi * 4294 + q;
    rem = x - q * 1e6;
  } else if (U <= MAX_DOUBLE_UNITS) {
    // Long division by 16-bit digits: every partial dividend is < U * 2^16 <= 2^53, so exact.
    let cur = hi >>> 16;
    let q3 = Math.floor(cur / U);
    let r = cur - q3 * U;
    if (r < 0) (q3--, (r += U));
    cur = r * 65536 + (hi & 0xffff);
    let q2 = Math.floor(cur / U);
    r = cur - q2 * U;
    if (r < 0) (q2--, (r += U));
    cur = r * 65536 + (lo >>> 16);
    let q1 = Math.floor(cur / U);
    r = cur - q1 * U;
    if (r < 0) (q1--, (r += U));
    cur = r * 65536 + (lo & 0xffff);
    let q0 = Math.floor(cur / U);
    r = cur - q0 * U;
    if (r < 0) (q0--, (r += U));
    sec = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0;
    rem = r;
  } else {
    const t = (BigInt(hi) << 32n) | BigInt(lo);
    out.sec = Number(t / ifc.unitsBig) + ifc.offsetSec;
    out.nsec = Number(((t % ifc.unitsBig) * 1_000_000_000n) / ifc.unitsBig);
    return;
  }
  let nsec: number;
  if (ifc.nsPerUnit !== 0) nsec = rem * ifc.nsPerUnit;
  else if (U <= 2 ** 21) {
    const a = rem * 1e9; // < 2^21 * 10^9 < 2^53
    nsec = Math.floor(a / U);
    if (nsec * U > a) nsec--;
  } else nsec = Number((BigInt(rem) * 1_000_000_000n) / ifc.unitsBig);
  out.sec = sec + ifc.offsetSec;
  out.nsec = nsec;
}

/** Interface from an IDB's link type, snaplen and if_tsresol / if_tsoffset option values. */
export function makeInterface(linkType: number, snaplen: number, tsresol = 6, offsetSec = 0): PcapngInterface {
  const exp = tsresol & 0x7f;
  const unitsBig = tsresol & 0x80 ? 1n << BigInt(exp) : 10n ** BigInt(exp);
  const units = Number(unitsBig);
  const nsPerUnit = tsresol & 0x80 ? (exp === 0 ? 1e9 : 0) : exp <= 9 ? 10 ** (9 - exp) : 0;
  return { linkType, snaplen, units, unitsBig, nsPerUnit, offsetSec };
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Streaming pcapng parser over a ChunkReader (one instance per capture). */
export class PcapngReader {
  /** Byte order of the current section. */
  private le = true;
  /** Interfaces of the current section. */
  private ifaces: PcapngInterface[] = [];
  private sections = 0;
  /** Packets yielded so far (index of the next packet). */
  private index = 0;
  /** Some interface has timestamps finer than a microsecond. */
  nanosecond = false;
  /** Link type / snaplen of the first interface of the file (-1 / 0 before one is seen). */
  firstLinkType = -1;
  firstSnaplen = 0;
  /** Byte order of the first section. */
  firstLittleEndian = true;
  /** Link types of every interface seen so far. */
  readonly linkTypes = new Set<number>();
  private readonly capacity: number;
  private readonly maxCaplen: number;
  /** Set by parse(): bytes needed at pos to continue, or the corruption found at badAt. */
  private need = 0;
  /** Type of the block that `need` is the length of, or -1 (block header itself incomplete). */
  private needType = -1;
  private bad: string | null = null;
  private badAt = 0;
  private deferred: CaptureError | null = null;
  private readonly ts = { sec: 0, nsec: 0 };

  constructor(
    private readonly file: string,
    private readonly input: ChunkReader,
    opts: RecordLoopOptions = {},
  ) {
    this.capacity = opts.batchSize ?? DEFAULT_BATCH_SIZE;
    this.maxCaplen = opts.maxCaplen ?? MAX_CAPLEN;
  }

  /**
   * Consume the blocks before the first packet (SHB, IDBs …), reading more input as needed, so
   * `nanosecond` and the first interface are known before iterating. A damaged or truncated first
   * section header throws here; later damage is reported by batches() after the packets before it.
   */
  async prime(): Promise<void> {
    for (;;) {
      this.parse(null, 0);
      if (this.bad !== null) {
        const at = this.input.offsetOf(this.badAt);
        const err = new CaptureError(this.file, this.bad, at, this.index);
        if (this.sections === 0) throw err;
        this.deferred = err;
        return;
      }
      if (this.need === 0) return; // at the first packet block
      if (!(await this.input.fill(this.need))) {
        if (this.sections > 0) return; // batches() reports the truncation
        const at = this.input.offsetOf(this.input.pos);
        if (this.input.failure !== null) throw sourceFailure(this.file, this.input.failure, at, 0);
        throw new CaptureError(
          this.file,
          `truncated section header block: ${this.input.available} bytes before the end of the file`,
          at,
          0,
        );
      }
    }
  }

  async *batches(): AsyncGenerator<PacketBatch, void, undefined> {
    if (this.deferred !== null) throw this.deferred;
    const batch = createPacketBatch(this.capacity);
    const input = this.input;
    for (;;) {
      const n = this.parse(batch, this.capacity);
      if (n > 0) {
        batch.firstIndex = this.index;
        batch.count = n;
        batch.buf = input.buf;
        this.index += n;
        if (n < this.capacity && this.bad === null) input.prefetch(this.need);
        yield batch;
      }
      if (this.bad !== null) throw new CaptureError(this.file, this.bad, input.offsetOf(this.badAt), this.index);
      if (n === this.capacity) continue;
      const need = this.need;
      if (!(await input.fill(need))) {
        const at = input.offsetOf(input.pos);
        if (input.failure !== null) throw sourceFailure(this.file, input.failure, at, this.index);
        const left = input.available;
        if (left === 0) return;
        throw new CaptureError(
          this.file,
          this.needType < 0
            ? `truncated block header: ${left} bytes before the end of the file`
            : `truncated block (type 0x${this.needType.toString(16)}): block total length ${need}, only ${left} bytes before the end of the file`,
          at,
          this.index,
        );
      }
    }
  }

  /**
   * Parse whole blocks from input.pos, filling `batch` with up to `capacity` packets (with a null
   * batch: stop before the first packet block). Leaves need/bad set; returns the packet count.
   */
  private parse(batch: PacketBatch | null, capacity: number): number {
    const input = this.input;
    const b = input.buf;
    const dv = input.view;
    const end = input.end;
    let p = input.pos;
    let n = 0;
    let le = this.le;
    this.need = 0;
    this.bad = null;
    const fail = (msg: string): void => {
      this.bad = msg;
      this.badAt = p;
    };
    for (;;) {
      if (end - p < 12) {
        this.need = 12;
        this.needType = -1;
        break;
      }
      const type = dv.getUint32(p, le);
      let blockLe = le;
      if (type === BLOCK_SHB) {
        const bom = dv.getUint32(p + 8, true);
        if (bom === BYTE_ORDER_MAGIC) blockLe = true;
        else if (bom === 0x4d3c2b1a) blockLe = false;
        else {
          fail(`section header block: unknown byte-order magic 0x${bom.toString(16).padStart(8, "0")}`);
          break;
        }
      }
      const len = dv.getUint32(p + 4, blockLe);
      if (len < 12 || len % 4 !== 0) {
        fail(`invalid block total length ${len} (block type 0x${type.toString(16)})`);
        break;
      }
      if (len > MAX_PCAPNG_BLOCK) {
        fail(`block total length ${len} exceeds the maximum of ${MAX_PCAPNG_BLOCK} (block type 0x${type.toString(16)})`);
        break;
      }
      if (end - p < len) {
        this.need = len;
        this.needType = type;
        break;
      }
      const trailer = dv.getUint32(p + len - 4, blockLe);
      if (trailer !== len) {
        fail(`block total length in header (${len}) and trailer (${trailer}) don't match (block type 0x${type.toString(16)})`);
        break;
      }
      const isPacket = type === BLOCK_EPB || type === BLOCK_SPB || type === BLOCK_OPB;
      if (isPacket && (batch === null || n === capacity)) break;
      if (type === BLOCK_SHB) {
        if (len < 28) {
          fail(`section header block too short (${len} bytes)`);
          break;
        }
        const major = dv.getUint16(p + 12, blockLe);
        const minor = dv.getUint16(p + 14, blockLe);
        if (major !== 1) {
          fail(`unsupported pcapng version ${major}.${minor}`);
          break;
        }
        le = blockLe;
        this.le = le;
        this.ifaces = [];
        if (this.sections === 0) this.firstLittleEndian = le;
        this.sections++;
      } else if (type === BLOCK_IDB) {
        if (len < 20) {
          fail(`interface description block too short (${len} bytes)`);
          break;
        }
        const linkType = dv.getUint16(p + 8, le);
        const snaplen = dv.getUint32(p + 12, le);
        let tsresol = 6;
        let offsetSec = 0;
        let q = p + 16;
        const stop = p + len - 4;
        let optErr: string | null = null;
        while (q + 4 <= stop) {
          const code = dv.getUint16(q, le);
          const olen = dv.getUint16(q + 2, le);
          if (code === OPT_ENDOFOPT) break;
          if (q + 4 + olen > stop) {
            optErr = `interface description block: option ${code} of length ${olen} overruns the block`;
            break;
          }
          if (code === OPT_IF_TSRESOL && olen >= 1) tsresol = b[q + 4]!;
          else if (code === OPT_IF_TSOFFSET && olen >= 8) offsetSec = Number(dv.getBigInt64(q + 4, le));
          q += 4 + pad4(olen);
        }
        if (optErr !== null) {
          fail(optErr);
          break;
        }
        const ifc = makeInterface(linkType, snaplen, tsresol, offsetSec);
        this.ifaces.push(ifc);
        this.linkTypes.add(linkType);
        if (this.firstLinkType < 0) {
          this.firstLinkType = linkType;
          this.firstSnaplen = snaplen;
        }
        if (ifc.units > 1e6) this.nanosecond = true;
      } else if (isPacket && batch !== null) {
        let ifId: number;
        let caplen: number;
        let origLen: number;
        let data: number;
        let hi = 0;
        let lo = 0;
        if (type === BLOCK_SPB) {
          if (len < 16) {
            fail(`simple packet block too short (${len} bytes)`);
            break;
          }
          ifId = 0;
          origLen = dv.getUint32(p + 8, le);
          data = p + 12;
          // SPB: captured length = min(original length, block room, interface 0's snaplen).
          caplen = Math.min(origLen, len - 16);
          const if0 = this.ifaces[0];
          if (if0 !== undefined && if0.snaplen !== 0 && if0.snaplen < caplen) caplen = if0.snaplen;
        } else {
          if (len < 32) {
            fail(`${type === BLOCK_EPB ? "enhanced" : "obsolete"} packet block too short (${len} bytes)`);
            break;
          }
          if (type === BLOCK_EPB) {
            ifId = dv.getUint32(p + 8, le);
            hi = dv.getUint32(p + 12, le);
            lo = dv.getUint32(p + 16, le);
          } else {
            ifId = dv.getUint16(p + 8, le);
            hi = dv.getUint32(p + 12, le);
            lo = dv.getUint32(p + 16, le);
          }
          caplen = dv.getUint32(p + 20, le);
          origLen = dv.getUint32(p + 24, le);
          data = p + 28;
          if (caplen > this.maxCaplen) {
            fail(`invalid packet capture length ${caplen}, bigger than the maximum of ${this.maxCaplen}`);
            break;
          }
          if (28 + pad4(caplen) + 4 > len) {
            fail(`packet data (caplen ${caplen}) overruns the block (block total length ${len})`);
            break;
          }
        }
        const ifc = this.ifaces[ifId];
        if (ifc === undefined) {
          fail(`interface id ${ifId} out of range (section has ${this.ifaces.length} interface${this.ifaces.length === 1 ? "" : "s"})`);
          break;
        }
        if (caplen > this.maxCaplen) {
          fail(`invalid packet capture length ${caplen}, bigger than the maximum of ${this.maxCaplen}`);
          break;
        }
        if (type === BLOCK_SPB) {
          batch.tsSec[n] = 0;
          batch.tsNsec[n] = 0;
        } else {
          convertTimestamp(ifc, hi, lo, this.ts);
          batch.tsSec[n] = this.ts.sec;
          batch.tsNsec[n] = this.ts.nsec;
        }
        batch.offs[n] = data;
        batch.lens[n] = caplen;
        batch.origLens[n] = origLen > 0x7fffffff ? 0x7fffffff : origLen;
        batch.linkTypes[n] = ifc.linkType;
        n++;
      }
      // ISB, NRB, DSB, custom and unknown blocks: skipped.
      p += len;
    }
    input.pos = p;
    return n;
  }
}
