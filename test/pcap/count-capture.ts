// Child process for the stdin tests: reads a capture ("-" = stdin) with openCapture and prints one
// JSON line: packet count, captured bytes, a digest of every packet, or the CaptureError. Spec: none.

import { createHash } from "node:crypto";
import { XdpsimError } from "../../src/errors.js";
import { openCapture } from "../../src/pcap/open-capture.js";

const path = process.argv[2] ?? "-";
const reader = (process.argv[3] ?? "chunked") as "chunked" | "pcap-parser";
const hash = createHash("sha256");
let packets = 0;
let bytes = 0;
try {
  const cap = await openCapture(path, { reader, chunkSize: 4096 });
  const head = new Uint8Array(16);
  const hv = new DataView(head.buffer);
  for await (const b of cap.batches()) {
    for (let i = 0; i < b.count; i++) {
      hv.setFloat64(0, b.tsSec[i]!);
      hv.setInt32(8, b.tsNsec[i]!);
      hv.setInt32(12, b.origLens[i]!);
      hash.update(head);
      hash.update(b.buf.subarray(b.offs[i]!, b.offs[i]! + b.lens[i]!));
      packets++;
      bytes += b.lens[i]!;
    }
  }
  console.log(JSON.stringify({ packets, bytes, digest: hash.digest("hex"), nanosecond: cap.nanosecond }));
} catch (e) {
  if (!(e instanceof XdpsimError)) throw e;
  console.log(JSON.stringify({ packets, bytes, error: e.format() }));
  process.exitCode = 2;
}
