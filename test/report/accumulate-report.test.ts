// The report's bounded-memory accumulator: exact below the sample size, a reproducible uniform sample
// above it, stray timestamps kept out of the pps chart, and capped flow tracking.

import { expect } from "chai";
import { ReportAccumulator } from "../../src/report/accumulate-report.js";
import { buildPacket } from "../../src/testing/build-packet.js";

describe("ReportAccumulator", () => {
  it("counts verdicts and draws 1,000 pps as 1,000 pps, keeping a stray timestamp out of the range", () => {
    const a = new ReportAccumulator();
    // 10 s at 1,000 packets/s: 70 % pass, 30 % drop; then one packet 30 years later.
    for (let i = 0; i < 10_000; i++) a.add(i % 10 < 7 ? "XDP_PASS" : "XDP_DROP", 1_700_000_000 + Math.floor(i / 1000), (i % 1000) * 1_000_000);
    a.add("XDP_PASS", 2_700_000_000, 0);
    expect(a.packets).to.equal(10_001);
    expect(Object.fromEntries(a.verdicts)).to.deep.equal({ XDP_PASS: 7001, XDP_DROP: 3000 });
    const h = a.histogram(10);
    expect(h.outside).to.be.within(1, 110); // the stray packet and the 0.5 % tails
    expect(h.spanS).to.be.within(9.8, 10);
    for (const c of h.counts) {
      const pps = c.reduce((x, n) => x + n, 0) / h.bucketS;
      expect(pps).to.be.within(900, 1100);
    }
  });

  it("samples big runs reproducibly and scales the chart to all packets", () => {
    const run = (): ReturnType<ReportAccumulator["histogram"]> => {
      const a = new ReportAccumulator();
      for (let i = 0; i < 300_000; i++) a.add("XDP_PASS", 100 + Math.floor(i / 100_000), (i % 100_000) * 10_000);
      return a.histogram(3);
    };
    const h1 = run();
    expect(h1).to.deep.equal(run());
    const total = h1.counts.flat().reduce((x, n) => x + n, 0) + h1.outside;
    expect(total).to.be.within(299_000, 301_000);
    for (const c of h1.counts) expect(c[0] / h1.bucketS).to.be.within(90_000, 110_000);
  });

  it("summarises dropped flows from the input bytes, most packets first", () => {
    const a = new ReportAccumulator();
    const p1 = buildPacket({ ipv4: { src: "192.0.2.1", dst: "10.0.0.5" }, tcp: { sport: 1234, dport: 23 } });
    const p2 = buildPacket({ ipv4: { src: "192.0.2.2", dst: "10.0.0.5" }, udp: { sport: 53, dport: 53 } });
    for (let i = 0; i < 3; i++) a.add("XDP_DROP", 1, 0, p1);
    a.add("XDP_ABORTED", 1, 0, p2);
    a.add("XDP_PASS", 1, 0, p2);
    expect(a.topDroppedFlows()).to.deep.equal([
      { flow: "tcp 192.0.2.1:1234 > 10.0.0.5:23", packets: 3, verdict: "XDP_DROP" },
      { flow: "udp 192.0.2.2:53 > 10.0.0.5:53", packets: 1, verdict: "XDP_ABORTED" },
    ]);
  });
});
