// Messages between the main thread and the queue workers (structured clone; typed arrays are
// transferred, not copied). A job is a packed run of packets; a result the packed outcomes.

import type { ParallelProgram } from "./parallel-setup.js";

export interface WorkerInit {
  prog: ParallelProgram;
  queue: number;
  /** Map storage created by the main thread, in allocation order (map-storage.ts). */
  buffers: SharedArrayBuffer[];
  /** --map-init entries of maps each worker keeps privately (parallel-setup.ts), or undefined. */
  mapInit?: unknown;
}

export interface JobMessage {
  kind: "job";
  id: number;
  count: number;
  data: Uint8Array;
  offs: Int32Array;
  lens: Int32Array;
  tsSec: Float64Array;
  tsNsec: Int32Array;
}

export interface ResultMessage {
  kind: "result";
  id: number;
  count: number;
  action: Uint32Array;
  verdict: Uint8Array;
  rkind: Uint8Array;
  rtarget: Uint32Array;
  /** Metadata bytes (data - data_meta) at the start of each output. */
  metaLen: Uint16Array;
  outOff: Int32Array;
  outLen: Int32Array;
  /** Output frames from data_meta to the end of the frame, concatenated. */
  out: Uint8Array;
  faults: [number, string][];
  traces: [number, unknown[]][];
}
