// The always-on output invariant (VerdictSinks.checkCounts, replayCapture): every input packet in
// exactly one output file, each file's record count equal to its reported count — and a run whose
// bookkeeping does not add up fails loudly (exit 70 class error) instead of passing silently.

import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCapture } from "../../src/pcap/open-capture.js";
import { PcapWriter } from "../../src/pcap/write-pcap.js";
import { loadObjectFromFile, Simulation } from "../../src/pipeline/create-simulation.js";
import { InvariantError, replayCapture } from "../../src/pipeline/replay-capture.js";
import { VerdictSinks } from "../../src/pipeline/verdict-sinks.js";
import { REPO } from "./kernel-fixtures.js";

describe("output count invariant", function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), "xdpsim-sinks-"));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("holds when every packet went to one file and was counted", async () => {
    const s = new VerdictSinks(tmp(), false);
    const frame = new Uint8Array(60);
    s.verdict[2].write(frame, 0, 60, 60, 0, 0); s.counts[2].packets++; s.counts[2].bytes += 60;
    s.skipped.write(frame, 0, 10, 10, 0, 0); s.skippedCount.packets++; s.skippedCount.bytes += 10;
    const lt = s.linkTypeFile(147);
    lt.writer.write(frame, 0, 20, 20, 0, 0); lt.count.packets++; lt.count.bytes += 20;
    // A per-target redirect copy does not count twice.
    s.verdict[4].write(frame, 0, 60, 60, 0, 0); s.counts[4].packets++; s.counts[4].bytes += 60;
    const rd = s.redirectTarget(1, 3)!;
    rd.writer.write(frame, 0, 60, 60, 0, 0); rd.count.packets++; rd.count.bytes += 60;
    expect(s.checkCounts(4)).to.deep.equal([]);
    expect(s.checkCounts(5)).to.deep.equal(["5 input packets but 4 in the output files"]);
    s.counts[2].packets++;
    expect(s.checkCounts(4)[0]).to.match(/^pass\.pcap: 1 records \/ 60 bytes written, 2 \/ 60 counted$/);
    await s.abort();
  });

  it("a replay whose writer loses a record fails with InvariantError, keeps the outputs and says so in stats.json", async () => {
    const out = tmp();
    const sim = new Simulation(await loadObjectFromFile(join(REPO, "xdp/firewall.o")), { ncpus: 2 });
    const orig = PcapWriter.prototype.write;
    let n = 0;
    // Sabotage: drop the 5th record any writer is asked to write.
    PcapWriter.prototype.write = function (this: PcapWriter, ...args: Parameters<PcapWriter["write"]>) {
      if (++n === 5) return;
      return orig.apply(this, args);
    };
    try {
      let err: unknown;
      await replayCapture(sim, await openCapture(join(REPO, "pcaps/sample.pcap")), { out, results: true }).catch((e) => { err = e; });
      expect(err).to.be.instanceOf(InvariantError);
      expect((err as Error).message).to.match(/output counts do not add up/);
    } finally {
      PcapWriter.prototype.write = orig;
    }
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    expect(stats.error).to.match(/^internal: output counts do not add up: .*records .* written/);
    expect(stats.packets).to.equal(217);
  });

  it("an honest replay passes the check (and results.jsonl has one line per packet)", async () => {
    const out = tmp();
    const sim = new Simulation(await loadObjectFromFile(join(REPO, "xdp/firewall.o")), { ncpus: 2 });
    const stats = await replayCapture(sim, await openCapture(join(REPO, "pcaps/mixed.pcap")), { out, results: true });
    expect(stats.error).to.equal(undefined);
    expect(readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").length).to.equal(stats.packets);
  });
});
