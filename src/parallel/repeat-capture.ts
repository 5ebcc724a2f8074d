// Builds large synthetic captures for the --queues equivalence tests and the scaling benchmark:
// a capture's packets repeated `times` times, each copy shifted in time and with its IPv4 source
// addresses' last byte rotated, so copies form new flows that RSS spreads over queues.

import { openCapture } from "../pcap/open-capture.js";
import { PcapWriter } from "../pcap/write-pcap.js";

/** Write `times` copies of the Ethernet packets of `input` to `output` (classic pcap, µs). Returns the packet count. */
export async function repeatCapture(input: string, output: string, times: number): Promise<number> {
  const packets: { bytes: Uint8Array; orig: number; sec: number; nsec: number }[] = [];
  const src = await openCapture(input);
  for await (const b of src.batches()) {
    for (let i = 0; i < b.count; i++) {
      if (b.linkTypes[i] !== 1) continue;
      packets.push({ bytes: b.buf.slice(b.offs[i], b.offs[i] + b.lens[i]), orig: b.origLens[i], sec: b.tsSec[i], nsec: b.tsNsec[i] });
    }
  }
  const w = new PcapWriter(output, { linkType: 1, nanosecond: false });
  const span = packets.length ? packets[packets.length - 1].sec - packets[0].sec + 1 : 1;
  let n = 0;
  for (let r = 0; r < times; r++) {
    for (const p of packets) {
      const f = p.bytes;
      if (r > 0 && f.length >= 34 && f[12] === 0x08 && f[13] === 0x00) {
        const g = f.slice();
        g[29] = (g[29] + r) & 0xff; // IPv4 source, last byte (checksums are not re-done: programs here do not check them)
        w.write(g, 0, g.length, p.orig, p.sec + r * span, Math.floor(p.nsec / 1000) * 1000);
      } else {
        w.write(f, 0, f.length, p.orig, p.sec + r * span, Math.floor(p.nsec / 1000) * 1000);
      }
      n++;
    }
  }
  await w.close();
  return n;
}
