// The per-packet XDP buffer laid out exactly as the kernel's BPF_PROG_TEST_RUN lays it out
// (net/bpf/test_run.c bpf_prog_test_run_xdp): 256 B headroom, ≤ 3520 B linear data, 320 B tailroom
// in a 4096 B frame; the rest of a larger frame in 4096 B fragments (multi-buffer XDP, ≤ 17 frags).

import { Region } from "./memory.js";
import { EFAULT, EINVAL } from "./maps/bpf-map.js";
import { EACCES } from "./helpers/helper-abi.js";

export const XDP_PACKET_HEADROOM = 256;
/** sizeof(struct xdp_frame): adjust_head may not eat into it. */
export const XDP_FRAME_SIZE = 40;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64. */
export const XDP_TAILROOM = 320;
export const XDP_FRAME_SZ = 4096;
/** Largest linear area test_run gives a program: 4096 - 256 - 320. */
export const XDP_LINEAR_MAX = XDP_FRAME_SZ - XDP_PACKET_HEADROOM - XDP_TAILROOM;
export const XDP_FRAG_SIZE = 4096;
export const MAX_SKB_FRAGS = 17;
/** Frames shorter than an Ethernet header are refused by test_run (EINVAL). */
export const ETH_HLEN = 14;
/** Largest frame the kernel accepts (linear + 17 full frags). */
export const XDP_MAX_FRAME = XDP_LINEAR_MAX + MAX_SKB_FRAGS * XDP_FRAG_SIZE;
/** Largest data_meta area: type_max(skb_shared_info.meta_len), include/net/xdp.h xdp_metalen_invalid. */
export const XDP_META_MAX = 255;
/** bpf_xdp_load_bytes / store_bytes refuse offsets and lengths above this (-EFAULT). */
export const XDP_BYTES_OFF_MAX = 0xffff;

/** Staging buffer for store_bytes when source and destination are both packet memory. */
let stage = new Uint8Array(256);

/**
 * Mutable state of one packet: offsets are absolute positions in `region.bytes`
 * (so `data` starts at 256). Fragments hold the bytes past the linear area.
 */
export class XdpBuff {
  readonly region: Region;
  /** data_meta, data, data_end as offsets into region.bytes (meta == data when no metadata). */
  meta = XDP_PACKET_HEADROOM;
  data = XDP_PACKET_HEADROOM;
  dataEnd = XDP_PACKET_HEADROOM;
  /** Fragment buffers (each XDP_FRAG_SIZE bytes, reused) and their used lengths. */
  readonly frags: Uint8Array[] = [];
  readonly fragLens: number[] = [];
  nrFrags = 0;
  ingressIfindex = 1;
  rxQueueIndex = 0;
  egressIfindex = 0;

  /** The frame's own bytes and view (the region points elsewhere while a frame runs in place). */
  private readonly own: Uint8Array;
  private readonly ownDv: DataView;
  /** Source array of the last in-place frame and a view over it. */
  private placeArr: Uint8Array | null = null;
  private placeDv: DataView | null = null;

  /** `region` must be the packet region, XDP_FRAME_SZ bytes. */
  constructor(region: Region) {
    this.region = region;
    this.own = region.bytes;
    this.ownDv = region.dv;
  }

  /** Whether the current frame runs in place on the caller's bytes (see loadInPlace). */
  get inPlace(): boolean {
    return this.region.bytes !== this.own;
  }

  /**
   * Run the next frame directly on `frame[off, off+len)` instead of copying it: only for programs
   * that provably never write packet memory nor move data/data_end (pipeline/find-packet-writes.ts),
   * and linear frames (len ≤ XDP_LINEAR_MAX). The region is read-only meanwhile, so a write the
   * analysis missed would fault instead of changing the caller's bytes. Offsets stay below 2^31.
   */
  loadInPlace(frame: Uint8Array, off: number, len: number): void {
    const r = this.region;
    if (frame !== this.placeArr) {
      this.placeArr = frame;
      this.placeDv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    }
    r.bytes = frame;
    r.dv = this.placeDv!;
    r.writable = false;
    this.meta = this.data = off;
    this.dataEnd = off + len;
    this.nrFrags = 0;
    r.start = off;
    r.end = off + len;
  }

  /**
   * Lowest region offset data_meta has reached since the headroom was last cleared: only
   * adjust_head / adjust_meta expose headroom, so load() zeroes [low, 256) instead of all 256 bytes.
   */
  private low = XDP_PACKET_HEADROOM;

  /** Load a frame (caller ensures ETH_HLEN ≤ len ≤ XDP_MAX_FRAME). Resets meta/data/end and frags. */
  load(frame: Uint8Array, off: number, len: number): void {
    if (this.region.bytes !== this.own) {
      this.region.bytes = this.own;
      this.region.dv = this.ownDv;
      this.region.writable = true;
    }
    const bytes = this.own;
    if (this.low < XDP_PACKET_HEADROOM) {
      // Exposed headroom reads zeros on the next packet, as in a fresh test_run buffer.
      bytes.fill(0, this.low, XDP_PACKET_HEADROOM);
      this.low = XDP_PACKET_HEADROOM;
    }
    this.meta = this.data = XDP_PACKET_HEADROOM;
    if (len <= XDP_LINEAR_MAX) {
      // Common case: the whole frame is linear.
      copyIn(frame, off, bytes, XDP_PACKET_HEADROOM, len);
      this.dataEnd = XDP_PACKET_HEADROOM + len;
      this.nrFrags = 0;
      this.region.start = XDP_PACKET_HEADROOM;
      this.region.end = XDP_PACKET_HEADROOM + len;
      return;
    }
    const linear = XDP_LINEAR_MAX;
    copyIn(frame, off, bytes, XDP_PACKET_HEADROOM, linear);
    this.dataEnd = XDP_PACKET_HEADROOM + linear;
    let rest = len - linear;
    let p = off + linear;
    this.nrFrags = 0;
    while (rest > 0) {
      const n = rest < XDP_FRAG_SIZE ? rest : XDP_FRAG_SIZE;
      if (this.frags.length <= this.nrFrags) {
        this.frags.push(new Uint8Array(XDP_FRAG_SIZE));
        this.fragLens.push(0);
      }
      copyIn(frame, p, this.frags[this.nrFrags], 0, n);
      this.fragLens[this.nrFrags] = n;
      this.nrFrags++;
      p += n;
      rest -= n;
    }
    this.syncWindow();
  }

  /** Keep the packet region's accessible window equal to [data_meta, data_end). */
  syncWindow(): void {
    this.region.start = this.meta;
    this.region.end = this.dataEnd;
  }

  /** Length of the fragments. */
  fragsLen(): number {
    let n = 0;
    for (let i = 0; i < this.nrFrags; i++) n += this.fragLens[i];
    return n;
  }

  /** bpf_xdp_get_buff_len: linear + fragments. */
  buffLen(): number {
    return this.dataEnd - this.data + this.fragsLen();
  }

  /**
   * bpf_xdp_adjust_head (net/core/filter.c): move data by `delta`; metadata moves with it.
   * data stays within [hard_start + sizeof(xdp_frame) + metalen, data_end - ETH_HLEN].
   * Exposed headroom is not cleared (it reads whatever is there: zeros after load()).
   */
  adjustHead(delta: number): number {
    const metalen = this.data - this.meta;
    const data = this.data + delta;
    if (data < XDP_FRAME_SIZE + metalen || data > this.dataEnd - ETH_HLEN) return -EINVAL;
    if (metalen !== 0) this.region.bytes.copyWithin(this.meta + delta, this.meta, this.data);
    this.meta += delta;
    this.data = data;
    if (this.meta < this.low) this.low = this.meta;
    this.syncWindow();
    return 0;
  }

  /**
   * bpf_xdp_adjust_tail: grow (zero-filled) or shrink the end of the frame. Linear frames end at
   * most at hard_start + frame_sz - tailroom and keep ETH_HLEN bytes; multi-buffer frames grow only
   * inside the last fragment and shrink by releasing fragments from the end first.
   */
  adjustTail(delta: number): number {
    if (this.nrFrags > 0) return delta < 0 ? this.shrinkFrags(-delta) : this.growLastFrag(delta);
    const end = this.dataEnd + delta;
    if (end > XDP_FRAME_SZ - XDP_TAILROOM) return -EINVAL;
    if (end < this.data + ETH_HLEN) return -EINVAL;
    if (delta > 0) this.region.bytes.fill(0, this.dataEnd, end);
    this.dataEnd = end;
    this.syncWindow();
    return 0;
  }

  /** bpf_xdp_frags_increase_tail: the last fragment may fill its 4096-byte page. */
  private growLastFrag(delta: number): number {
    const last = this.nrFrags - 1;
    const len = this.fragLens[last];
    if (delta > XDP_FRAG_SIZE - len) return -EINVAL;
    this.frags[last].fill(0, len, len + delta);
    this.fragLens[last] = len + delta;
    return 0;
  }

  /** bpf_xdp_frags_shrink_tail: free whole fragments from the end, then shrink linear data. */
  private shrinkFrags(n: number): number {
    if (n > this.buffLen() - ETH_HLEN) return -EINVAL;
    let freed = 0;
    for (let i = this.nrFrags - 1; i >= 0 && n > 0; i--) {
      const size = this.fragLens[i];
      const shrink = n < size ? n : size;
      n -= shrink;
      if (shrink === size) {
        freed++;
      } else {
        this.fragLens[i] = size - shrink;
        break;
      }
    }
    this.nrFrags -= freed;
    if (this.nrFrags === 0 && n > 0) {
      this.dataEnd -= n;
      this.syncWindow();
    }
    return 0;
  }

  /**
   * bpf_xdp_adjust_meta: data_meta += delta, staying in [hard_start + sizeof(xdp_frame), data];
   * the metadata length must be a multiple of 4 and at most XDP_META_MAX (-EACCES otherwise).
   */
  adjustMeta(delta: number): number {
    const meta = this.meta + delta;
    if (meta < XDP_FRAME_SIZE || meta > this.data) return -EINVAL;
    const metalen = this.data - meta;
    if ((metalen & 3) !== 0 || metalen > XDP_META_MAX) return -EACCES;
    this.meta = meta;
    if (meta < this.low) this.low = meta;
    this.syncWindow();
    return 0;
  }

  /** bpf_xdp_pointer's checks: 0 when [off, off+len) can be copied, else -EFAULT / -EINVAL. */
  checkRange(off: number, len: number): number {
    if (off > XDP_BYTES_OFF_MAX || len > XDP_BYTES_OFF_MAX) return -EFAULT;
    if (off + len > this.buffLen()) return -EINVAL;
    return 0;
  }

  /**
   * bpf_xdp_load_bytes: copy `len` frame bytes at frame offset `off` (from data, across fragments)
   * into dst[dstOff..]. On error dst is untouched. `off` and `len` are u32 values.
   */
  loadBytes(off: number, dst: Uint8Array, dstOff: number, len: number): number {
    const err = this.checkRange(off, len);
    if (err !== 0) return err;
    if (this.isFrameMemory(dst)) {
      if (stage.length < len) stage = new Uint8Array(Math.max(len, stage.length * 2));
      this.copy(off, stage, 0, len, false);
      copyBytes(stage, 0, dst, dstOff, len);
    } else {
      this.copy(off, dst, dstOff, len, false);
    }
    return 0;
  }

  /** bpf_xdp_store_bytes: copy src[srcOff..srcOff+len) into the frame at offset `off`. */
  storeBytes(off: number, src: Uint8Array, srcOff: number, len: number): number {
    const err = this.checkRange(off, len);
    if (err !== 0) return err;
    if (this.isFrameMemory(src)) {
      // memcpy from packet memory to packet memory: stage it so overlap cannot corrupt the copy
      if (stage.length < len) stage = new Uint8Array(Math.max(len, stage.length * 2));
      copyBytes(src, srcOff, stage, 0, len);
      src = stage;
      srcOff = 0;
    }
    this.copy(off, src, srcOff, len, true);
    return 0;
  }

  /** Whether `buf` is packet memory (callers pass regions' own byte arrays, so identity suffices). */
  private isFrameMemory(buf: Uint8Array): boolean {
    if (buf === this.region.bytes) return true;
    for (let i = 0; i < this.nrFrags; i++) if (buf === this.frags[i]) return true;
    return false;
  }

  /** bpf_xdp_copy_buf: walk linear data then fragments; `toFrame` picks the direction. */
  private copy(off: number, buf: Uint8Array, bufOff: number, len: number, toFrame: boolean): void {
    const linear = this.dataEnd - this.data;
    if (off < linear) {
      const n = len < linear - off ? len : linear - off;
      if (toFrame) copyBytes(buf, bufOff, this.region.bytes, this.data + off, n);
      else copyBytes(this.region.bytes, this.data + off, buf, bufOff, n);
      bufOff += n;
      len -= n;
      off = 0;
    } else {
      off -= linear;
    }
    for (let i = 0; i < this.nrFrags && len > 0; i++) {
      const size = this.fragLens[i];
      if (off >= size) {
        off -= size;
        continue;
      }
      const n = len < size - off ? len : size - off;
      if (toFrame) copyBytes(buf, bufOff, this.frags[i], off, n);
      else copyBytes(this.frags[i], off, buf, bufOff, n);
      bufOff += n;
      len -= n;
      off = 0;
    }
  }

  /** Copy of the frame as the program left it: from `from` (data or data_meta) to the end of the last fragment. */
  output(fromMeta: boolean): Uint8Array {
    const start = fromMeta ? this.meta : this.data;
    const linear = this.dataEnd - start;
    const out = new Uint8Array(linear + this.fragsLen());
    out.set(this.region.bytes.subarray(start, this.dataEnd), 0);
    let p = linear;
    for (let i = 0; i < this.nrFrags; i++) {
      out.set(this.frags[i].subarray(0, this.fragLens[i]), p);
      p += this.fragLens[i];
    }
    return out;
  }
}

/** memcpy between two distinct byte arrays: a plain loop for short copies (no view objects). */
function copyBytes(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  if (n > 64) {
    dst.set(src.subarray(srcOff, srcOff + n), dstOff);
    return;
  }
  for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i];
}

/** Source array of the last copyIn and a DataView over it (captures hand out views of large chunks). */
let inArr: Uint8Array | null = null;
let inView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
/** Int32 view over the whole ArrayBuffer of inArr (word copies when the source is 4-byte aligned). */
let inWords: Int32Array<ArrayBufferLike> = new Int32Array(0);
let outArr: Uint8Array | null = null;
let outView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
let outWords: Int32Array<ArrayBufferLike> = new Int32Array(0);

/**
 * Copy captured bytes into packet memory without allocating: int32 words when source and
 * destination are 4-byte aligned (typed-array element copies), else 4 bytes at a time through
 * DataViews cached per source chunk; one subarray + memcpy for long frames.
 */
function copyIn(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  if (n > COPY_WORDS_MAX) {
    dst.set(src.subarray(srcOff, srcOff + n), dstOff);
    return;
  }
  if (src !== inArr) {
    inArr = src;
    inView = new DataView(src.buffer, src.byteOffset, src.byteLength);
    inWords = new Int32Array(src.buffer, 0, src.buffer.byteLength >> 2);
  }
  if (dst !== outArr) {
    outArr = dst;
    outView = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    outWords = new Int32Array(dst.buffer, 0, dst.buffer.byteLength >> 2);
  }
  const sa = src.byteOffset + srcOff;
  const da = dst.byteOffset + dstOff;
  let i = 0;
  if (((sa | da) & 3) === 0) {
    // Aligned: whole words as int32 elements (the byte order is irrelevant for a copy).
    const sw = inWords;
    const dw = outWords;
    const s0 = sa >> 2;
    const d0 = da >> 2;
    const words = n >> 2;
    for (let w = 0; w < words; w++) dw[d0 + w] = sw[s0 + w];
    i = words << 2;
  } else {
    const sv = inView;
    const dv = outView;
    for (; i + 4 <= n; i += 4) dv.setUint32(dstOff + i, sv.getUint32(srcOff + i, true), true);
  }
  for (; i < n; i++) dst[dstOff + i] = src[srcOff + i];
}
/** Above this one subarray view + memcpy is cheaper than the word loop. */
const COPY_WORDS_MAX = 256;
