// Always-true properties of a run, checked on real inputs: same inputs + seed give byte-identical
// outputs (and the two backends give identical files); output counts add up and match the files;
// a runaway program ends as XDP_ABORTED through the instruction budget.

import { expect } from "chai";
import { createInterpreter } from "../../src/exec/interpreter/create-interpreter.js";
import { createJit } from "../../src/exec/jit/create-jit.js";
import { BpfFault } from "../../src/errors.js";
import { REGION_CTX } from "../../src/runtime/memory.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { objectOf } from "../exec/jit/run-backends.js";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadObject } from "../../src/loader/load-object.js";
import { openCapture } from "../../src/pcap/open-capture.js";
import { Simulation } from "../../src/pipeline/create-simulation.js";
import { replayCapture } from "../../src/pipeline/replay-capture.js";
import { runBoth } from "../exec/jit/run-backends.js";
import { checkOutputs } from "./capture-campaign.js";
import { REPO } from "./elf-campaign.js";

async function replay(obj: string, cap: string, backend: "jit" | "interp", out: string): Promise<void> {
  const o = loadObject(new Uint8Array(readFileSync(join(REPO, "xdp", obj))), obj);
  const sim = new Simulation(o, { backend, seed: 42, ncpus: 2 });
  await replayCapture(sim, await openCapture(join(REPO, "pcaps", cap)), { out, results: true, dumpMaps: true });
}

function files(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of readdirSync(dir).sort()) {
    let text = readFileSync(join(dir, f)).toString("hex");
    if (f === "stats.json") {
      const s = JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, unknown>;
      delete s.wall_seconds;
      delete s.pps;
      delete s.backend;
      text = JSON.stringify(s);
    }
    m.set(f, text);
  }
  return m;
}

describe("fuzz: run invariants", function () {
  this.timeout(60000);
  const work = mkdtempSync(join(tmpdir(), "xdpsim-invariants-"));
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const [obj, cap] of [["firewall.o", "sample.pcap"], ["lb.o", "sample.pcap"], ["globals.o", "sample.pcap"]] as const) {
    it(`${obj} on ${cap}: identical outputs twice and on both backends; counts match the files`, async () => {
      const a = join(work, `${obj}-a`);
      const b = join(work, `${obj}-b`);
      const c = join(work, `${obj}-c`);
      await replay(obj, cap, "jit", a);
      await replay(obj, cap, "jit", b);
      await replay(obj, cap, "interp", c);
      expect(files(b)).to.deep.equal(files(a));
      expect(files(c)).to.deep.equal(files(a));
      const stats = JSON.parse(readFileSync(join(a, "stats.json"), "utf8")) as { packets: number };
      expect(stats.packets).to.equal(217);
      expect(checkOutputs(a, 217)).to.deep.equal([]);
    });
  }

  it("a runaway program (infinite loop) ends through the instruction budget on both backends, identically", () => {
    const loop = [{ op: 0xb7, dst: 0, src: 0, off: 0, imm: 2 }, { op: 0x07, dst: 1, src: 0, off: 0, imm: 1 }, { op: 0x05, dst: 0, src: 0, off: -2, imm: 0 }, { op: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
    const r = runBoth({ insns: loop, packet: new Uint8Array(64), budget: 100000 });
    expect(r.jit).to.deep.equal(r.interp);
    expect(r.interp.fault).to.match(/insn #\d+/);
    expect(r.interp.r0).to.equal(null);
  });

  for (const [name, factory] of [["interp", createInterpreter], ["jit", createJit]] as const) {
    it(`${name}: the wall-clock watchdog ends a packet whose budget would last for hours, and the next packet runs`, () => {
      const loop = [{ op: 0xb7, dst: 0, src: 0, off: 0, imm: 2 }, { op: 0x07, dst: 1, src: 0, off: 0, imm: 1 }, { op: 0x05, dst: 0, src: 0, off: -2, imm: 0 }, { op: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
      const quick = [{ op: 0xb7, dst: 0, src: 0, off: 0, imm: 2 }, { op: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
      const rt = new Runtime(objectOf({ programs: [loop, quick] }), { insnBudget: 2 ** 45, watchdogMs: 300 });
      const exec = factory(rt);
      const args = new Uint32Array(12);
      const frame = new Uint8Array(64);
      const run = (prog: number): string => {
        rt.beginPacket();
        rt.xdp.load(frame, 0, frame.length);
        args.fill(0);
        args[3] = REGION_CTX;
        try {
          exec.run(prog, args);
          return `r0=${args[0]}`;
        } catch (e) {
          if (!(e instanceof BpfFault)) throw e;
          return e.describe();
        }
      };
      const t0 = performance.now();
      expect(run(0)).to.match(/^watchdog: the packet ran longer than 300 ms \(insn #[0-2]\)$/);
      const ms = performance.now() - t0;
      expect(ms).to.be.at.least(300);
      expect(ms).to.be.below(20_000);
      expect(run(1)).to.equal("r0=2");
      // A budget within the limit still ends by the budget (the watchdog does not change counting).
      const rt2 = new Runtime(objectOf({ programs: [loop] }), { insnBudget: 200_001, watchdogMs: 60_000 });
      const e2 = factory(rt2);
      rt2.beginPacket();
      rt2.xdp.load(frame, 0, frame.length);
      args.fill(0);
      args[3] = REGION_CTX;
      expect(() => e2.run(0, args)).to.throw(BpfFault, /instruction budget of 200001 exceeded/);
    });
  }
});
