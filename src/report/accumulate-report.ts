// What the HTML report shows, gathered packet by packet in bounded memory so `xdpsim run --report`
// works on captures of any size: verdict counts, capture times of a uniform sample of packets (the pps
// chart), and dropped/aborted flows (at most MAX_FLOWS distinct flows tracked; later new flows are
// counted as "other flows").

import { formatSummary, summarizePacket } from "../testing/summarize-packet.js";

/** Verdict columns of the histogram, in stacking order. */
export const REPORT_VERDICTS = ["XDP_PASS", "XDP_DROP", "XDP_TX", "XDP_REDIRECT", "XDP_ABORTED", "skipped"] as const;
const COLUMN: Record<string, number> = Object.fromEntries(REPORT_VERDICTS.map((v, i) => [v, i]));
/** Packets whose times are kept for the pps chart (beyond: a uniform sample of this size). */
const SAMPLE = 100_000;
const MAX_FLOWS = 100_000;

export interface DroppedFlow {
  flow: string;
  packets: number;
  verdict: string;
}

export class ReportAccumulator {
  packets = 0;
  readonly verdicts = new Map<string, number>();
  /**
   * Capture times (relative to the first packet) and verdict columns of a uniform sample of the
   * packets (all of them up to SAMPLE; then reservoir sampling, Algorithm R with a fixed-seed
   * xorshift, so reports are reproducible): the pps chart is drawn from it, scaled to the total.
   */
  private readonly times = new Float64Array(SAMPLE);
  private readonly cols = new Uint8Array(SAMPLE);
  private tBase = NaN;
  private rng = 0x9e3779b9;
  private readonly flows = new Map<string, DroppedFlow>();
  /** Dropped/aborted packets of flows beyond MAX_FLOWS. */
  otherFlowPackets = 0;

  /**
   * One packet: its verdict name (XDP_* or "skipped"), capture time, and — for drops and aborts —
   * the input frame, summarised into a flow.
   */
  add(verdict: string, tsSec: number, tsNsec: number, input?: Uint8Array): void {
    this.packets++;
    this.verdicts.set(verdict, (this.verdicts.get(verdict) ?? 0) + 1);
    if (Number.isNaN(this.tBase)) this.tBase = tsSec;
    const t = tsSec - this.tBase + tsNsec / 1e9;
    const col = COLUMN[verdict] ?? COLUMN.XDP_ABORTED;
    let slot = this.packets - 1;
    if (slot >= SAMPLE) {
      // xorshift32, then a uniform index in [0, packets): keep this packet with probability SAMPLE / packets.
      let x = this.rng;
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      this.rng = x >>> 0;
      slot = Math.floor((this.rng / 0x1_0000_0000) * this.packets);
    }
    if (slot < SAMPLE) {
      this.times[slot] = t;
      this.cols[slot] = col;
    }
    if ((verdict === "XDP_DROP" || verdict === "XDP_ABORTED") && input !== undefined) {
      const flow = formatSummary(summarizePacket(input));
      const key = `${verdict} ${flow}`;
      const e = this.flows.get(key);
      if (e !== undefined) e.packets++;
      else if (this.flows.size < MAX_FLOWS) this.flows.set(key, { flow, packets: 1, verdict });
      else this.otherFlowPackets++;
    }
  }

  /**
   * Up to `n` equal time buckets (span and width in seconds, counts per verdict column scaled to all
   * packets) over the central 99 % of capture times; packets before/after that range (e.g. a few
   * stray timestamps years away) are counted in `outside` instead of flattening the chart.
   */
  histogram(n = 60): { spanS: number; bucketS: number; counts: number[][]; outside: number } {
    const m = Math.min(this.packets, SAMPLE);
    if (m === 0) return { spanS: 0, bucketS: 0, counts: [], outside: 0 };
    const sorted = this.times.slice(0, m).sort();
    const lo = sorted[Math.floor(0.005 * (m - 1))];
    const hi = sorted[Math.ceil(0.995 * (m - 1))];
    const spanS = Math.max(hi - lo, 1e-6);
    const nb = Math.max(1, Math.min(n, m));
    const bucketS = spanS / nb;
    const scale = this.packets / m;
    const counts = Array.from({ length: nb }, () => new Array<number>(REPORT_VERDICTS.length).fill(0));
    let outside = 0;
    for (let i = 0; i < m; i++) {
      const t = this.times[i];
      if (t < lo || t > hi) { outside += scale; continue; }
      counts[Math.min(nb - 1, Math.floor((t - lo) / bucketS))][this.cols[i]] += scale;
    }
    return { spanS, bucketS, counts, outside: Math.round(outside) };
  }

  /** Flows of dropped and aborted packets, most packets first. */
  topDroppedFlows(n = 10): DroppedFlow[] {
    return [...this.flows.values()].sort((a, b) => b.packets - a.packets || a.flow.localeCompare(b.flow)).slice(0, n);
  }
}
