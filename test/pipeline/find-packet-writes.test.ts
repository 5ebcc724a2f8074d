// Read-only programs run in place on the captured bytes (pipeline/find-packet-writes.ts): the
// analysis must flag every program that can write packet memory, and running in place must give
// exactly what copying gives, without touching the caller's bytes.

import { expect } from "chai";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { openCapture } from "../../src/pcap/open-capture.js";
import { loadObjectFromFile, Simulation } from "../../src/pipeline/create-simulation.js";
import { loadPacketSet } from "../../src/pipeline/bench-program.js";
import { assemble } from "../../src/isa/assemble.js";
import { findPacketWrite } from "../../src/pipeline/find-packet-writes.js";
import type { ObjectSpec } from "../../src/loader/types.js";
import { REPO } from "./kernel-fixtures.js";

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** A one-program object around assembled instructions (no maps). */
function objectOf(src: string): ObjectSpec {
  const insns = assemble(src);
  return { file: "test.o", programs: [{ name: "p", section: "xdp", insns }], maps: [] } as unknown as ObjectSpec;
}

describe("findPacketWrite", function () {
  this.timeout(120_000);

  it("flags the example programs that write packets, with the reason", async () => {
    const reasons: Record<string, string | null> = {};
    for (const f of ["firewall", "adjust", "lb", "tailcall", "v4", "globals"]) {
      const sim = new Simulation(await loadObjectFromFile(join(REPO, `xdp/${f}.o`)), { ncpus: 2 });
      reasons[f] = sim.packetWrite;
      expect(sim.inPlace).to.equal(sim.packetWrite === null);
    }
    // firewall swaps MACs before XDP_TX; adjust moves data; lb rewrites headers.
    expect(reasons.firewall).to.match(/store at insn #\d+ may write packet memory/);
    expect(reasons.adjust).to.match(/helper #44 /);
    expect(reasons.lb).to.be.a("string");
    expect(reasons.tailcall).to.match(/tail-call target/);
    // v4 and globals only read the packet.
    expect(reasons.v4).to.equal(null);
    expect(reasons.globals).to.equal(null);
  });

  it("treats stores through packet pointers, kfuncs and callx as writes, r10 stores as safe", () => {
    const none = (): undefined => undefined;
    expect(findPacketWrite(objectOf("mov r0, 2\nstxw [r10-4], r0\nexit"), 0, none)).to.equal(null);
    expect(findPacketWrite(objectOf("ldxw r2, [r1]\nstb [r2], 1\nmov r0, 2\nexit"), 0, none)).to.match(/insn #1/);
    expect(findPacketWrite(objectOf("call 44\nexit"), 0, none)).to.match(/helper #44/);
    expect(findPacketWrite(objectOf("call 5\nexit"), 0, none)).to.equal(null);
  });

  for (const prog of ["v4", "globals"]) {
    for (const backend of ["interp", "jit"] as const) {
      it(`${prog} (${backend}): in place and copied frames give identical outcomes and leave the input untouched`, async () => {
        const obj = join(REPO, `xdp/${prog}.o`);
        const set = await loadPacketSet(await openCapture(join(REPO, "pcaps/mixed.pcap")));
        const before = sha(set.buf);
        const a = new Simulation(await loadObjectFromFile(obj), { ncpus: 2, backend });
        const b = new Simulation(await loadObjectFromFile(obj), { ncpus: 2, backend, copyFrames: true });
        expect(a.inPlace).to.equal(true);
        expect(b.inPlace).to.equal(false);
        let inPlaceRuns = 0;
        for (let i = 0; i < set.count; i++) {
          const oa = { ...a.runPacket(set.buf, set.offs[i], set.lens[i], set.tsSec[i], set.tsNsec[i]) };
          if (a.rt.xdp.inPlace) inPlaceRuns++;
          const xa = a.rt.xdp;
          const outA = xa.output(true);
          const ob = { ...b.runPacket(set.buf, set.offs[i], set.lens[i], set.tsSec[i], set.tsNsec[i]) };
          expect(b.rt.xdp.inPlace).to.equal(false);
          const outB = b.rt.xdp.output(true);
          expect(oa, `packet ${i}`).to.deep.equal(ob);
          expect(Buffer.from(outA).equals(Buffer.from(outB)), `packet ${i} bytes`).to.equal(true);
        }
        expect(inPlaceRuns).to.be.greaterThan(0);
        expect(sha(set.buf)).to.equal(before);
        const maps = (s: Simulation): string[] => s.rt.maps.map((m) => JSON.stringify(m.dumpable ? m.dump() : null, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));
        expect(maps(a)).to.deep.equal(maps(b));
      });
    }
  }
});
