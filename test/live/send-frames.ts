// Test sender for live-command.test.ts: sends every Ethernet frame of a capture on an interface with
// libpcap's pcap_sendpacket (cap's Cap#send); run under `ip netns exec` so traffic stays in the
// test's namespace. Usage: node send-frames.js IFACE CAPTURE

import { openCapture } from "../../src/pcap/open-capture.js";
import { loadCap } from "../../src/live/open-live-capture.js";

const [iface, capture] = process.argv.slice(2);
const { Cap } = loadCap();
const c = new Cap();
c.open(iface, "", 1 << 20, Buffer.alloc(65536));
let sent = 0;
const src = await openCapture(capture);
for await (const b of src.batches()) {
  for (let i = 0; i < b.count; i++) {
    const frame = Buffer.from(b.buf.subarray(b.offs[i], b.offs[i] + b.lens[i]));
    c.send(frame, frame.length);
    if (++sent % 32 === 0) await new Promise((r) => setTimeout(r, 2)); // let the capturing side keep up
  }
}
c.close();
process.stdout.write(`sent ${sent}\n`);
