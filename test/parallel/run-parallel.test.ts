// `--queues N` equals a single-queue run (src/parallel/run-parallel.ts): same verdict pcaps byte for
// byte, same results.jsonl, same maps (per-CPU maps compared as sums over CPUs), for the example
// programs whose logic does not depend on the CPU or on packet order, over pcaps/ and /work/shared/pcaps.

import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCapture } from "../../src/pcap/open-capture.js";
import { loadObjectFromFile, Simulation } from "../../src/pipeline/create-simulation.js";
import { replayCapture } from "../../src/pipeline/replay-capture.js";
import { replayParallel, startParallel } from "../../src/parallel/run-parallel.js";
import { REPO } from "../pipeline/kernel-fixtures.js";

const SHARED = "/work/shared/pcaps";

type Entry = { key: string[]; value?: string[]; values?: { cpu: number; value: string[] }[] };
const bytes = (l: string[]): Buffer => Buffer.from(l.map((h) => parseInt(h, 16)));

/** maps.json with per-CPU values summed per 64-bit word (the value of a counter summed over CPUs). */
function normalisedMaps(dir: string, ignore: string[] = []): Record<string, Record<string, string>> {
  const doc = JSON.parse(readFileSync(join(dir, "maps.json"), "utf8")) as Record<string, Entry[] | string[]>;
  const out: Record<string, Record<string, string>> = {};
  for (const [name, entries] of Object.entries(doc)) {
    if (name === "_skipped" || ignore.includes(name)) continue;
    out[name] = {};
    for (const e of entries as Entry[]) {
      const k = bytes(e.key).toString("hex");
      if (e.values) {
        const vs = e.values.map((v) => bytes(v.value));
        const sum = Buffer.alloc(vs[0].length);
        for (let w = 0; w + 8 <= sum.length; w += 8) sum.writeBigUInt64LE(vs.reduce((a, v) => (a + v.readBigUInt64LE(w)) & 0xffffffffffffffffn, 0n), w);
        out[name][k] = `sum:${sum.toString("hex")}`;
      } else {
        out[name][k] = bytes(e.value!).toString("hex");
      }
    }
  }
  return out;
}

/**
 * Maps a program fills with lookup-miss-then-insert (BPF_NOEXIST): when two CPUs see a new key at the
 * same time, one insert wins and the other packet goes uncounted — the kernel has the same race. The
 * keys must be the same as a single-queue run's; a counter may be lower, never higher (firewall's
 * src_stats: packets, bytes, dropped as u64 at 0, 8, 16).
 */
function expectSameKeysCountersAtMost(dirQueued: string, dirSingle: string, map: string): void {
  const q = normalisedMaps(dirQueued)[map], s = normalisedMaps(dirSingle)[map];
  expect(Object.keys(q).sort(), `${map} keys`).to.deep.equal(Object.keys(s).sort());
  for (const [k, v] of Object.entries(q)) {
    const a = Buffer.from(v, "hex"), b = Buffer.from(s[k], "hex");
    for (let w = 0; w + 8 <= a.length; w += 8) expect(a.readBigUInt64LE(w) <= b.readBigUInt64LE(w), `${map} ${k} u64 at ${w}`).to.equal(true);
  }
}

async function single(object: string, capture: string, out: string): Promise<void> {
  const sim = new Simulation(await loadObjectFromFile(object), { ncpus: 2 });
  await replayCapture(sim, await openCapture(capture), { out, results: true, dumpMaps: true });
}

async function queued(object: string, capture: string, out: string, queues: number, unordered = false): Promise<number[]> {
  const ps = await startParallel({ object, consts: new Map(), sim: { ncpus: Math.max(2, queues) } }, queues);
  try {
    const s = await replayParallel(ps, await openCapture(capture), { out, results: true, dumpMaps: true, unordered });
    return s.queue_packets;
  } finally {
    await ps.pool.close();
  }
}

describe("parallel: --queues N equals a single-queue run", function () {
  this.timeout(300_000);
  let dir = "";
  before(() => { dir = mkdtempSync(join(tmpdir(), "xdpsim-queues-")); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // [program, capture, maps whose content depends on the CPU or on packet order, racy insert maps]
  const CASES: [string, string, string[], string[]?][] = [
    ["firewall", "pcaps/mixed.pcap", [], ["src_stats"]],
    ["firewall", "pcaps/mixed.pcapng", [], ["src_stats"]],
    ["firewall", `${SHARED}/vxlan.pcap`, [], ["src_stats"]],
    ["firewall", `${SHARED}/ipv6-fragmented-dns.pcap`, [], ["src_stats"]],
    ["lb", "pcaps/mixed.pcap", []],
    ["lb", `${SHARED}/http.pcap`, []],
    ["adjust", "pcaps/mixed.pcap", []],
    // .bss holds last_* values of the last packet run: which one that is depends on thread timing.
    ["frags", "pcaps/mixed.pcap", [".bss"]],
    ["v4", "pcaps/mixed.pcap", []],
    // pkt_state is per-CPU scratch holding the last packet's parse state: which packet was last differs per CPU.
    ["tailcall", "pcaps/mixed.pcap", ["pkt_state"]],
  ];
  for (const [prog, capture, ignore, racy = []] of CASES) {
    const cap = capture.startsWith("/") ? capture : join(REPO, capture);
    (existsSync(cap) ? it : it.skip)(`${prog} over ${capture}: 2 queues, same outputs and maps`, async () => {
      const object = join(REPO, "xdp", `${prog}.o`);
      const a = join(dir, `${prog}-1`), b = join(dir, `${prog}-2`);
      await single(object, cap, a);
      const perQueue = await queued(object, cap, b, 2);
      const files = readdirSync(a).filter((f) => f !== "stats.json" && f !== "maps.json");
      expect(readdirSync(b).filter((f) => f !== "stats.json" && f !== "maps.json").sort()).to.deep.equal([...files].sort());
      for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).to.equal(true);
      expect(normalisedMaps(b, [...ignore, ...racy])).to.deep.equal(normalisedMaps(a, [...ignore, ...racy]));
      for (const m of racy) expectSameKeysCountersAtMost(b, a, m);
      const sa = JSON.parse(readFileSync(join(a, "stats.json"), "utf8"));
      const sb = JSON.parse(readFileSync(join(b, "stats.json"), "utf8"));
      for (const k of ["packets", "bytes", "verdicts", "skipped", "skipped_reasons", "faults", "outputs"]) expect(sb[k], k).to.deep.equal(sa[k]);
      expect(perQueue.reduce((x, y) => x + y, 0)).to.equal(sa.packets - sa.skipped);
      rmSync(a, { recursive: true });
      rmSync(b, { recursive: true });
    });
  }

  it("spreads firewall's packets over both CPUs: per-CPU verdict_stats has counts on CPU 0 and CPU 1", async () => {
    const out = join(dir, "pcpu");
    const perQueue = await queued(join(REPO, "xdp/firewall.o"), join(REPO, "pcaps/mixed.pcap"), out, 2);
    expect(perQueue[0]).to.be.greaterThan(100);
    expect(perQueue[1]).to.be.greaterThan(100);
    const doc = JSON.parse(readFileSync(join(out, "maps.json"), "utf8")) as Record<string, Entry[]>;
    const packetsOn = (cpu: number): bigint => doc.verdict_stats.reduce((a, e) => a + bytes(e.values![cpu].value).readBigUInt64LE(0), 0n);
    expect(Number(packetsOn(0))).to.equal(perQueue[0]);
    expect(Number(packetsOn(1))).to.equal(perQueue[1]);
  });

  it("--unordered writes the same records (results.jsonl sorted by index equals the ordered run)", async () => {
    const object = join(REPO, "xdp/firewall.o");
    const cap = join(REPO, "pcaps/mixed.pcap");
    const a = join(dir, "ord"), b = join(dir, "unord");
    await queued(object, cap, a, 2);
    await queued(object, cap, b, 2, true);
    const lines = (d: string): string[] => readFileSync(join(d, "results.jsonl"), "utf8").trim().split("\n");
    const idx = (l: string): number => JSON.parse(l).index as number;
    const ua = lines(a), ub = lines(b);
    expect([...ub].sort((x, y) => idx(x) - idx(y))).to.deep.equal(ua);
    for (const f of ["pass.pcap", "drop.pcap", "tx.pcap", "aborted.pcap", "redirect.pcap", "skipped.pcap"]) {
      expect(readFileSync(join(b, f)).length, f).to.equal(readFileSync(join(a, f)).length);
    }
    expect(normalisedMaps(b, ["src_stats"])).to.deep.equal(normalisedMaps(a, ["src_stats"]));
    // Both runs race on src_stats inserts (see expectSameKeysCountersAtMost): compare the keys only.
    expect(Object.keys(normalisedMaps(b).src_stats).sort()).to.deep.equal(Object.keys(normalisedMaps(a).src_stats).sort());
  });

  it("three queues on three possible CPUs give the same verdicts as one", async () => {
    const object = join(REPO, "xdp/lb.o");
    const cap = join(REPO, "pcaps/mixed.pcap");
    const a = join(dir, "q1"), b = join(dir, "q3");
    await queued(object, cap, a, 1);
    const per = await queued(object, cap, b, 3);
    expect(per.filter((n) => n > 0).length).to.equal(3);
    expect(readFileSync(join(b, "results.jsonl")).equals(readFileSync(join(a, "results.jsonl")))).to.equal(true);
    expect(normalisedMaps(b)).to.deep.equal(normalisedMaps(a));
  });
});
