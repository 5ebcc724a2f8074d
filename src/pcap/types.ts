// Shapes shared by capture readers and writers: packets arrive in batches laid out as parallel
// typed arrays (struct of arrays) over one large chunk, so no per-packet object or view is made.

/**
 * A batch of consecutive packets. Packet i of the batch has bytes buf[offs[i] .. offs[i]+lens[i]],
 * valid until the next batch is requested.
 */
export interface PacketBatch {
  /** Capture-wide index of packet 0 of this batch. */
  firstIndex: number;
  count: number;
  buf: Uint8Array;
  offs: Int32Array;
  /** Captured length (caplen). */
  lens: Int32Array;
  /** Original length on the wire. */
  origLens: Int32Array;
  /** Timestamp: seconds (uint32) and nanoseconds (0..999_999_999). */
  tsSec: Float64Array;
  tsNsec: Int32Array;
  /** LINKTYPE_* of each packet (pcapng interfaces may differ), FCS bits masked off. */
  linkTypes: Int32Array;
}

export interface CaptureSource {
  /** Path as given (or "-" for stdin), for messages. */
  readonly path: string;
  /** True when timestamps have sub-microsecond precision (ns pcap, or pcapng if_tsresol finer than µs). */
  readonly nanosecond: boolean;
  /**
   * Batches in capture order. After the last good packet of a damaged capture it throws
   * CaptureError naming the file, byte offset and packet index.
   */
  batches(): AsyncIterable<PacketBatch>;
}
