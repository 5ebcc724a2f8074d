// Walks a capture's packets as Ethernet frames the way `xdpsim run` sees them (synthetic Ethernet
// header for cooked/raw/loopback link types; runts, too-big frames and other link types flagged). CONTRACT.md.

import { openCapture } from "../pcap/open-capture.js";
import { createEthernetScratch, toEthernet } from "../pcap/add-ethernet-header.js";
import { ETH_HLEN, XDP_MAX_FRAME } from "../runtime/xdp-buff.js";

export interface CapturePacket {
  index: number;
  /** The frame (a copy). */
  frame: Uint8Array;
  timestampNs: bigint;
  /** runt, too-big or link-type: the kernel would not run it. */
  skipped?: string;
}

/** Call `fn` for every packet in order; return false from `fn` to stop early. */
export async function forEachCapturePacket(path: string, fn: (p: CapturePacket) => boolean | void): Promise<void> {
  const src = await openCapture(path);
  const scratch = createEthernetScratch();
  for await (const b of src.batches()) {
    for (let i = 0; i < b.count; i++) {
      let buf = b.buf, off = b.offs[i], len = b.lens[i];
      let skipped: string | undefined;
      if (b.linkTypes[i] !== 1) {
        const conv = toEthernet(b.linkTypes[i], buf, off, len, scratch);
        if (conv === null) skipped = "link-type";
        else ({ buf, off, len } = conv);
      }
      if (!skipped && len < ETH_HLEN) skipped = "runt";
      if (!skipped && len > XDP_MAX_FRAME) skipped = "too-big";
      const p: CapturePacket = { index: b.firstIndex + i, frame: buf.slice(off, off + len), timestampNs: BigInt(b.tsSec[i]) * 1_000_000_000n + BigInt(b.tsNsec[i]) };
      if (skipped) p.skipped = skipped;
      if (fn(p) === false) return;
    }
  }
}
