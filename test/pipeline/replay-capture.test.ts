// The replay loop's promises (CONTRACT.md `xdpsim run`): every packet in exactly one output, counts
// that match the files, deterministic bytes, damaged captures, link types, runts, interruption.

import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CaptureError } from "../../src/errors.js";
import { openCapture } from "../../src/pcap/open-capture.js";
import { loadObjectFromFile, Simulation, type SimulationOptions } from "../../src/pipeline/create-simulation.js";
import { replayCapture, type ReplayStats } from "../../src/pipeline/replay-capture.js";
import { REPO, readJsonl } from "./kernel-fixtures.js";

async function countPackets(path: string): Promise<number> {
  let n = 0;
  for await (const b of (await openCapture(path)).batches()) n += b.count;
  return n;
}

async function replay(object: string, capture: string, opts: Partial<SimulationOptions> & { signal?: AbortSignal } = {}): Promise<{ out: string; stats: ReplayStats }> {
  const out = mkdtempSync(join(tmpdir(), "xdpsim-replay-"));
  const sim = new Simulation(await loadObjectFromFile(join(REPO, object)), { ncpus: 2, ...opts });
  const stats = await replayCapture(sim, await openCapture(join(REPO, capture)), {
    out, results: true, dumpMaps: true, ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { out, stats };
}

const PCAP_OUTPUTS = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith(".pcap"));

describe("replayCapture", function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const backend of ["interp", "jit"] as const) {
    it(`${backend}: puts every packet of mixed.pcap in exactly one output and stats.json matches the files`, async () => {
      const { out, stats } = await replay("xdp/firewall.o", "pcaps/mixed.pcap", { backend });
      dirs.push(out);
      const input = await countPackets(join(REPO, "pcaps/mixed.pcap"));
      expect(stats.packets).to.equal(input);
      let total = 0;
      for (const f of PCAP_OUTPUTS(out)) {
        const n = await countPackets(join(out, f));
        if (!f.startsWith("redirect-")) total += n; // per-target files repeat redirect.pcap's packets
        expect(n, f).to.equal(stats.outputs[f].packets);
      }
      expect(total).to.equal(input);
      const written = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
      expect(written.packets).to.equal(input);
      expect(written.pass.packets + written.drop.packets + written.tx.packets + written.aborted.packets + written.redirect.packets + written.skipped).to.equal(input);
      expect(readJsonl(join(out, "results.jsonl")).map((r) => r.index)).to.deep.equal([...Array(input).keys()]);
      expect(readdirSync(out).filter((f) => f.includes(".tmp"))).to.deep.equal([]);
    });
  }

  it("is deterministic: the same inputs and seed give byte-identical outputs", async () => {
    const a = await replay("xdp/flowmon.o", "pcaps/mixed.pcap", { seed: 7 });
    const b = await replay("xdp/flowmon.o", "pcaps/mixed.pcap", { seed: 7 });
    dirs.push(a.out, b.out);
    const hash = (p: string): string => createHash("sha256").update(readFileSync(p)).digest("hex");
    const files = readdirSync(a.out).filter((f) => f !== "stats.json").sort();
    expect(readdirSync(b.out).filter((f) => f !== "stats.json").sort()).to.deep.equal(files);
    for (const f of files) expect(hash(join(b.out, f)), f).to.equal(hash(join(a.out, f)));
  });

  it("skips runts and too-big frames into skipped.pcap with their reason", async () => {
    const { out, stats } = await replay("xdp/firewall.o", "pcaps/mixed.pcap");
    dirs.push(out);
    const results = readJsonl(join(out, "results.jsonl"));
    const runts = results.filter((r) => r.error === "runt");
    expect(runts.length).to.be.greaterThan(0);
    expect(stats.skipped_reasons.runt).to.equal(runts.length);
    expect(await countPackets(join(out, "skipped.pcap"))).to.equal(stats.skipped - (stats.skipped_reasons["link-type"] ?? 0));
  });

  it("writes unsupported link types unchanged to skipped-linktype-N.pcap", async () => {
    const { out, stats } = await replay("xdp/firewall.o", "test/kernel/captures/linktypes.pcapng");
    dirs.push(out);
    const files = readdirSync(out).filter((f) => f.startsWith("skipped-linktype-"));
    expect(files.length).to.be.greaterThan(0);
    let n = 0;
    for (const f of files) n += await countPackets(join(out, f));
    expect(n).to.equal(stats.skipped_reasons["link-type"]);
    expect(readJsonl(join(out, "results.jsonl")).filter((r) => r.error === "link-type").length).to.equal(n);
  });

  it("processes and writes every packet before damage, then throws CaptureError with offset and index", async () => {
    const out = mkdtempSync(join(tmpdir(), "xdpsim-replay-"));
    dirs.push(out);
    const sim = new Simulation(await loadObjectFromFile(join(REPO, "xdp/firewall.o")), { ncpus: 2 });
    const src = await openCapture(join(REPO, "test/fixtures/captures/malformed/trunc-mid-packet.pcap"));
    let err: unknown = null;
    try {
      await replayCapture(sim, src, { out, results: true });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(CaptureError);
    expect((err as CaptureError).packetIndex).to.equal(5);
    expect((err as CaptureError).message).to.match(/byte offset \d+, packet 5/);
    expect(readJsonl(join(out, "results.jsonl")).length).to.equal(5);
    let total = 0;
    for (const f of PCAP_OUTPUTS(out)) if (!f.startsWith("redirect-")) total += await countPackets(join(out, f));
    expect(total).to.equal(5);
    expect(JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).error).to.match(/packet 5/);
  });

  it("stops when aborted, commits valid outputs and marks stats interrupted", async () => {
    const ctl = new AbortController();
    ctl.abort();
    const { out, stats } = await replay("xdp/firewall.o", "pcaps/sample.pcap", { signal: ctl.signal });
    dirs.push(out);
    expect(stats.interrupted).to.equal(true);
    expect(JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).interrupted).to.equal(true);
    for (const f of PCAP_OUTPUTS(out)) expect(await countPackets(join(out, f))).to.equal(0);
  });

  it("records a program fault as XDP_ABORTED with (insn #N) and goes on", async () => {
    const { out, stats } = await replay("xdp/firewall.o", "pcaps/sample.pcap", { insnBudget: 20 });
    dirs.push(out);
    const results = readJsonl(join(out, "results.jsonl"));
    const faults = results.filter((r) => r.fault !== undefined);
    expect(faults.length).to.equal(stats.faults).and.to.be.greaterThan(0);
    for (const r of faults) {
      expect(r.verdict).to.equal("XDP_ABORTED");
      expect(r.fault).to.match(/\(insn #\d+\)$/);
    }
    expect(results.length).to.equal(stats.packets);
  });
});
