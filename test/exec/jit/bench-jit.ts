// JIT benchmark (not part of npm test): ns/packet of jit vs interp over a capture, and load + JIT time.
// Run: npx tsc -p . && node dist/test/exec/jit/bench-jit.js [object.o] [capture.pcap] [seconds]

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { createInterpreter } from "../../../src/exec/interpreter/create-interpreter.js";
import { createJit } from "../../../src/exec/jit/create-jit.js";
import type { Executor } from "../../../src/exec/backend.js";
import { loadObject } from "../../../src/loader/load-object.js";
import { REGION_CTX } from "../../../src/runtime/memory.js";
import { Runtime } from "../../../src/runtime/runtime.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Frames of a classic little-endian pcap file (enough for the committed samples). */
function readFrames(file: string): Uint8Array[] {
  const b = new Uint8Array(readFileSync(file));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== 0xa1b2c3d4 && dv.getUint32(0, true) !== 0xa1b23c4d) throw new Error(`${file}: not a little-endian pcap`);
  const out: Uint8Array[] = [];
  for (let p = 24; p + 16 <= b.length;) {
    const caplen = dv.getUint32(p + 8, true);
    p += 16;
    if (caplen >= 14 && caplen <= 3520) out.push(b.subarray(p, p + caplen));
    p += caplen;
  }
  return out;
}

interface Measured {
  /** Wall-clock and process-CPU nanoseconds per packet (the machine may be shared: CPU time is steadier). */
  wall: number;
  cpu: number;
  /** Verdict (or "fault") of each packet of one pass. */
  verdicts: string[];
}

function measure(rt: Runtime, exec: Executor, frames: Uint8Array[], seconds: number, withLoad: boolean): Measured {
  const args = new Uint32Array(12);
  const verdicts: string[] = [];
  const once = (record: boolean): void => {
    for (const f of frames) {
      rt.beginPacket();
      if (withLoad || record) rt.xdp.load(f, 0, f.length);
      args.fill(0);
      args[3] = REGION_CTX;
      try {
        exec.run(0, args);
        if (record) verdicts.push(String(args[0]));
      } catch (e) {
        if (record) verdicts.push(`fault ${(e as Error).message}`);
      }
    }
  };
  once(true);
  const t0 = performance.now();
  while (performance.now() - t0 < 300) once(false); // warm-up
  let runs = 0;
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  while (performance.now() - t1 < seconds * 1000) {
    once(false);
    runs++;
  }
  const ms = performance.now() - t1;
  const c = process.cpuUsage(c1);
  const n = runs * frames.length;
  return { wall: (ms * 1e6) / n, cpu: ((c.user + c.system) * 1e3) / n, verdicts };
}

const objFile = process.argv[2] ?? path.join(ROOT, "test/exec/jit/fixtures/small-fw.o");
const capFile = process.argv[3] ?? path.join(ROOT, "pcaps/mixed.pcap");
const seconds = Number(process.argv[4] ?? 2);
const frames = readFrames(capFile);
const bytes = new Uint8Array(readFileSync(objFile));

const t0 = performance.now();
const obj = loadObject(bytes, objFile);
const rtJ = new Runtime(obj);
const jit = createJit(rtJ);
const mod = jit.module(0);
const loadMs = performance.now() - t0;
const ninsn = obj.programs[0].insns.length;
// With packet set-up (xdp.load per packet, as xdpsim bench) and without (the last packet stays loaded:
// what the program itself costs).
const a = measure(rtJ, jit, frames, seconds, true);
const a0 = measure(rtJ, jit, frames, seconds, false);
const rtI = new Runtime(loadObject(bytes, objFile));
const interp = createInterpreter(rtI);
const b = measure(rtI, interp, frames, seconds, true);
const b0 = measure(rtI, interp, frames, seconds, false);
const r = (x: number): number => +x.toFixed(1);
console.log(JSON.stringify({
  object: path.relative(ROOT, objFile), program: obj.programs[0].name, insns: ninsn, packets: frames.length,
  load_and_jit_ms: r(loadMs), jit_compile_ms: r(mod.compileMs),
  jit_ns_per_packet: { wall: r(a.wall), cpu: r(a.cpu), without_setup_cpu: r(a0.cpu) },
  interp_ns_per_packet: { wall: r(b.wall), cpu: r(b.cpu), without_setup_cpu: r(b0.cpu) },
  verdicts_agree: JSON.stringify(a.verdicts) === JSON.stringify(b.verdicts),
}));
