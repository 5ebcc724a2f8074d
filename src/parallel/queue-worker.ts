// Worker-thread entry of one receive queue (--queues N): rebuilds the program with the maps attached
// to the main thread's SharedArrayBuffers, runs on CPU q with rx_queue_index q, and answers jobs
// (packed packets) with packed outcomes: action, verdict, redirect, fault, trace and output bytes.
// Model: the kernel runs one NAPI poll per rx queue on its IRQ's CPU (net/core/dev.c, XDP in the driver).

import { parentPort, workerData } from "node:worker_threads";
import { loadObjectFromFile, Simulation } from "../pipeline/create-simulation.js";
import { AttachedMapStorage, withMapStorage } from "../runtime/maps/map-storage.js";
import { setSharedAtomics } from "../exec/shared-atomics.js";
import { benchProgram, type PacketSet } from "../pipeline/bench-program.js";
import type { JobMessage, ResultMessage, WorkerInit } from "./worker-messages.js";

const init = workerData as WorkerInit;
const port = parentPort!;

async function start(): Promise<Simulation> {
  setSharedAtomics(true);
  const obj = await loadObjectFromFile(init.prog.object, init.prog.consts.size ? init.prog.consts : undefined);
  const storage = new AttachedMapStorage(init.buffers);
  const opts = { ...init.prog.sim, cpu: init.queue, rxQueue: init.queue };
  if (init.mapInit !== undefined) opts.mapInit = { doc: init.mapInit, source: init.prog.sim.mapInit!.source };
  else delete opts.mapInit;
  const sim = withMapStorage(storage, () => new Simulation(obj, opts));
  if (!storage.complete) throw new Error("worker created fewer shared map buffers than the main thread");
  return sim;
}

/** Run one job: every packet through the program, outcomes packed for transfer. */
function runJob(sim: Simulation, job: JobMessage): ResultMessage {
  const n = job.count;
  const action = new Uint32Array(n);
  const verdict = new Uint8Array(n);
  const rkind = new Uint8Array(n);
  const rtarget = new Uint32Array(n);
  const metaLen = new Uint16Array(n);
  const outOff = new Int32Array(n);
  const outLen = new Int32Array(n);
  let out = new Uint8Array(Math.max(1024, job.data.length + n * 64));
  let pos = 0;
  const faults: [number, string][] = [];
  const traces: [number, unknown[]][] = [];
  const x = sim.rt.xdp;
  for (let i = 0; i < n; i++) {
    const o = sim.runPacket(job.data, job.offs[i], job.lens[i], job.tsSec[i], job.tsNsec[i]);
    action[i] = o.action;
    verdict[i] = o.verdictIndex;
    rkind[i] = o.redirectKind;
    rtarget[i] = o.redirectTarget;
    if (o.fault !== null) faults.push([i, o.fault]);
    if (sim.rt.trace.length) traces.push([i, sim.rt.trace.slice()]);
    metaLen[i] = x.data - x.meta;
    let bytes: Uint8Array;
    let from: number;
    let len: number;
    if (x.nrFrags === 0) {
      bytes = x.region.bytes;
      from = x.meta;
      len = x.dataEnd - x.meta;
    } else {
      bytes = x.output(true);
      from = 0;
      len = bytes.length;
    }
    if (pos + len > out.length) {
      const bigger = new Uint8Array(Math.max(out.length * 2, pos + len));
      bigger.set(out.subarray(0, pos));
      out = bigger;
    }
    out.set(bytes.subarray(from, from + len), pos);
    outOff[i] = pos;
    outLen[i] = len;
    pos += len;
  }
  return { kind: "result", id: job.id, count: n, action, verdict, rkind, rtarget, metaLen, outOff, outLen, out, faults, traces };
}

start().then((sim) => {
  port.postMessage({ kind: "ready" });
  port.on("message", (m: JobMessage | { kind: "bench"; set: PacketSet; repeat?: number; gate: Int32Array; queues: number } | { kind: "stop" }) => {
    try {
      if (m.kind === "job") {
        const r = runJob(sim, m);
        port.postMessage(r, [r.action.buffer, r.verdict.buffer, r.rkind.buffer, r.rtarget.buffer, r.metaLen.buffer,
          r.outOff.buffer, r.outLen.buffer, r.out.buffer] as ArrayBuffer[]);
      } else if (m.kind === "bench") {
        // Warm up (JIT tier-up), then wait for every queue so the timed loops overlap.
        benchProgram(sim, m.set, 1, 0, 0.2);
        Atomics.add(m.gate, 0, 1);
        Atomics.notify(m.gate, 0);
        for (let v = Atomics.load(m.gate, 0); v < m.queues; v = Atomics.load(m.gate, 0)) Atomics.wait(m.gate, 0, v, 100);
        port.postMessage({ kind: "bench", result: benchProgram(sim, m.set, m.repeat) });
      } else {
        port.close();
      }
    } catch (e) {
      port.postMessage({ kind: "error", message: e instanceof Error ? e.message : String(e) });
    }
  });
}, (e: unknown) => {
  const err = e as { stage?: string; message?: string };
  port.postMessage({ kind: "error", message: err?.message ?? String(e), stage: err?.stage });
});
