// End-to-end differential: every program of the committed example objects (xdp/*.o) replays the sample
// captures under the interpreter and the JIT; per packet r0 / fault / output bytes / redirect and the maps
// afterwards must be identical (tail calls, map helpers, global data, adjust_head/tail, bpf_loop…).

import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { BpfFault } from "../../../src/errors.js";
import type { BackendFactory } from "../../../src/exec/backend.js";
import { createInterpreter } from "../../../src/exec/interpreter/create-interpreter.js";
import { adaptVerifierFacts } from "../../../src/exec/jit/adapt-verifier-facts.js";
import { createJit } from "../../../src/exec/jit/create-jit.js";
import { verifyProgram } from "../../../src/verifier/verify-program.js";
import { loadObject } from "../../../src/loader/load-object.js";
import type { ObjectSpec } from "../../../src/loader/types.js";
import type { ProgArrayMap } from "../../../src/runtime/maps/bpf-map.js";
import { REGION_CTX } from "../../../src/runtime/memory.js";
import { Runtime } from "../../../src/runtime/runtime.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Frames of a classic little-endian pcap (the committed samples), skipping what the kernel refuses. */
function readFrames(file: string): Uint8Array[] {
  const b = new Uint8Array(readFileSync(file));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Uint8Array[] = [];
  for (let p = 24; p + 16 <= b.length;) {
    const caplen = dv.getUint32(p + 8, true);
    p += 16;
    if (caplen >= 14 && caplen <= 3520 + 17 * 4096) out.push(b.subarray(p, p + caplen));
    p += caplen;
  }
  return out;
}

/**
 * Replay `frames` through program `progIndex`; one line per packet plus the final maps. With `budgets`,
 * packet k runs with an instruction budget of budgets(k) (faults land anywhere: callees, callbacks, tail calls).
 */
function replay(obj: ObjectSpec, progIndex: number, frames: Uint8Array[], factory: BackendFactory,
  budgets?: (k: number) => number): string[] {
  const rt = new Runtime(obj, { ncpus: 2 });
  for (const spec of obj.maps) {
    for (const init of spec.progArrayInit ?? []) {
      (rt.maps[spec.index] as ProgArrayMap).setProgram(init.slot, obj.programs.findIndex((p) => p.name === init.program));
    }
  }
  const exec = factory(rt);
  const args = new Uint32Array(12);
  const lines: string[] = [];
  frames.forEach((f, k) => {
    rt.beginPacket();
    if (budgets) rt.setBudget(budgets(k));
    rt.xdp.load(f, 0, f.length);
    rt.timeHi = 0;
    rt.timeLo = k * 1000;
    args.fill(0);
    args[3] = REGION_CTX;
    let res: string;
    try {
      exec.run(progIndex, args);
      res = `r0=${args[1]}:${args[0]}`;
    } catch (e) {
      if (!(e instanceof BpfFault)) throw e;
      res = `fault=${e.describe()}`;
    }
    lines.push(`${k} ${res} redirect=${rt.redirectKind}:${rt.redirectTarget} out=${Buffer.from(rt.xdp.output(true)).toString("hex")}`);
  });
  for (const m of rt.maps) {
    if (m.dumpable) lines.push(`${m.spec.name} ${JSON.stringify(m.dump().map((e) => [e.key, e.value ?? e.values].map(String)))}`);
  }
  return lines;
}

const objects = [
  ...readdirSync(path.join(ROOT, "xdp")).filter((f) => f.endsWith(".o")).map((f) => path.join("xdp", f)),
  "test/exec/jit/fixtures/small-fw.o",
];
const frames = [...readFrames(path.join(ROOT, "pcaps/mixed.pcap")), ...readFrames(path.join(ROOT, "pcaps/sample.pcap"))];

describe("jit: example objects replay identically under both backends", function () {
  this.timeout(300000);
  for (const rel of objects) {
    const obj = loadObject(new Uint8Array(readFileSync(path.join(ROOT, rel))), rel);
    obj.programs.forEach((p, i) => {
      const k0 = i;
      it(`${rel} ${p.name} (${p.insns.length} insns)`, () => {
        const want = replay(obj, i, frames, createInterpreter);
        const got = replay(obj, i, frames, (rt) => createJit(rt));
        for (let k = 0; k < want.length; k++) {
          if (got[k] !== want[k]) expect(got[k], `line ${k}`).to.equal(want[k]);
        }
        expect(got.length).to.equal(want.length);
      });
      it(`${rel} ${p.name}: the same with every big subtree outlined into separate functions`, () => {
        const want = replay(obj, i, frames.slice(0, 600), createInterpreter);
        const got = replay(obj, i, frames.slice(0, 600), (rt) => createJit(rt, { outlineAbove: 300 }));
        for (let k = 0; k < want.length; k++) {
          if (got[k] !== want[k]) expect(got[k], `line ${k}`).to.equal(want[k]);
        }
      });
      it(`${rel} ${p.name}: the same compiled with the verifier's facts only`, function () {
        const v = verifyProgram(obj, i, { logLevel: 0 });
        if (!v.ok) this.skip();
        const facts = adaptVerifierFacts(v.facts);
        const want = replay(obj, i, frames, createInterpreter);
        const jits: string[] = [];
        const got = replay(obj, i, frames, (rt) => {
          const jit = createJit(rt, { facts: (k) => (k === i ? facts : undefined), noOwnFacts: true });
          jits.push(jit.source(i));
          return jit;
        });
        for (let k = 0; k < want.length; k++) {
          if (got[k] !== want[k]) expect(got[k], `line ${k}`).to.equal(want[k]);
        }
        // The facts were used: some access went direct.
        if (/ld[bhwd]\(|st[bhwd]\(/.test(jits[0])) expect(jits[0]).to.match(/(PB|SB)\[|(PV|SV)\.|RG\[/);
      });
      it(`${rel} ${p.name}: small budgets run out at the same instruction with the same state`, () => {
        const budgets = (k: number): number => (k * 37) % (p.insns.length + 40);
        const want = replay(obj, i, frames.slice(0, 800), createInterpreter, budgets);
        const got = replay(obj, i, frames.slice(0, 800), (rt) => createJit(rt, { outlineAbove: k0 % 2 === 0 ? 300 : undefined }), budgets);
        expect(want.some((l) => l.includes("instruction budget"))).to.equal(true);
        for (let k = 0; k < want.length; k++) {
          if (got[k] !== want[k]) expect(got[k], `line ${k}`).to.equal(want[k]);
        }
      });
    });
  }
});
