// The per-packet XDP buffer laid out exactly as the kernel's BPF_PROG_TEST_RUN lays it out
// (net/bpf/test_run.c bpf_prog_test_run_xdp): 256 B headroom, ≤ 3520 B linear data, 320 B tailroom
// in a 4096 B frame; the rest of a larger frame in 4096 B fragments (multi-buffer XDP, ≤ 17 frags).

import { Region } from "./memory.js";

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

  /** `region` must be the packet region, XDP_FRAME_SZ bytes. */
  constructor(region: Region) {
    this.region = region;
  }

  /** Load a frame (caller ensures ETH_HLEN ≤ len ≤ XDP_MAX_FRAME). Resets meta/data/end and frags. */
  load(frame: Uint8Array, off: number, len: number): void {
    const bytes = this.region.bytes;
    const linear = len < XDP_LINEAR_MAX ? len : XDP_LINEAR_MAX;
    bytes.fill(0, 0, XDP_PACKET_HEADROOM);
    bytes.set(frame.subarray(off, off + linear), XDP_PACKET_HEADROOM);
    this.meta = this.data = XDP_PACKET_HEADROOM;
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
      this.frags[this.nrFrags].set(frame.subarray(p, p + n));
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
