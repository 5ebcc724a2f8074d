// End to end: the kernel oracle objects of kernel/ (the very .o files recorded with
// BPF_PROG_TEST_RUN) loaded, verified and run by xdpsim under both backends; every packet's verdict
// and output frame must equal the kernel's. Helper-level tests of the same fixtures live beside.

import { expect } from "chai";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BackendName } from "../../../src/exec/backend.js";
import { parseFibRoutes } from "../../../src/runtime/helpers/fib-lookup.js";
import type { Device } from "../../../src/runtime/runtime.js";
import { expectOut, kernelFixture, packetBytes } from "./call-helper.js";

const OBJECTS = [
  "xdp-adjust", "xdp-bytes", "xdp-csum-diff", "xdp-check-mtu", "xdp-redirect", "xdp-loop", "xdp-queue-stack",
  "xdp-printk", "xdp-tail-call", "xdp-misc-helpers", "xdp-fib-lookup",
];

/** Cases the simulator does not run like the kernel, on purpose. */
const DEVIATIONS: Record<string, string> = {
  "xdp-loop/nr 2^23": "8M callback runs exceed xdpsim's per-packet instruction budget (the kernel has none)",
};

const dir = fileURLToPath(new URL("../../../../test/runtime/helpers/kernel/", import.meta.url));

type SimulationModule = typeof import("../../../src/pipeline/create-simulation.js");
let sims: SimulationModule | null = null;

before(async function () {
  try {
    sims = await import("../../../src/pipeline/create-simulation.js");
  } catch (e) {
    sims = null;
    console.warn(`kernel-objects: pipeline not loadable, end-to-end helper tests skipped (${(e as Error).message})`);
  }
});

for (const backend of ["interp", "jit"] as BackendName[]) {
  for (const name of OBJECTS) {
    describe(`kernel object ${name}.o under ${backend}`, function () {
      const fx = kernelFixture(name) as ReturnType<typeof kernelFixture> & { sim?: { devices: Device[]; routes: unknown } };
      let sim: InstanceType<SimulationModule["Simulation"]> | null = null;

      before(async function () {
        if (sims === null || !existsSync(dir + name + ".o")) this.skip();
        const obj = await sims!.loadObjectFromFile(dir + name + ".o");
        sim = new sims!.Simulation(obj, {
          backend,
          prog: name === "xdp-tail-call" ? "entry" : undefined,
          mapInit: fx.map_init ? { doc: fx.map_init, source: `${name} fixture` } : undefined,
          devices: fx.sim?.devices,
          fib: fx.sim ? parseFibRoutes(fx.sim.routes) : undefined,
        });
      });

      for (const c of fx.cases) {
        const deviation = DEVIATIONS[`${name}/${c.name}`];
        (deviation ? it.skip : it)(deviation ? `${c.name} (deviation: ${deviation})` : c.name, () => {
          const p = packetBytes(c.packet);
          const o = sim!.runPacket(p, 0, p.length, 1_700_000_000, 0);
          expect(o.fault, "fault").to.equal(null);
          expect(o.action, "action").to.equal(c.action);
          expectOut(sim!.rt.xdp.output(true), c);
        });
      }
    });
  }
}
