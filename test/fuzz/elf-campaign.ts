// ELF campaign: mutations of the example objects (xdp/*.o) — bit flips, byte smashes, truncation,
// section-header / ELF-header / symbol / relocation corruption, hostile names, BTF damage — must
// either load and run (both backends agreeing) or fail with an XdpsimError; never anything else.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadObject } from "../../src/loader/load-object.js";
import { Simulation } from "../../src/pipeline/create-simulation.js";
import { getJitSource } from "../../src/exec/jit/create-jit.js";
import type { ObjectSpec } from "../../src/loader/types.js";
import { REL_SIZE, SHDR_SIZE, SYM_SIZE, sections } from "./elf-edit.js";
import { caseSeed, describeError, INTERESTING_U32, isCleanError, Rng, Tally, type CampaignOptions, type CampaignResult } from "./fuzz-support.js";

export const REPO = new URL("../../../", import.meta.url).pathname;

/** The committed example objects, by file name. */
export function exampleObjects(): { name: string; bytes: Uint8Array }[] {
  const dir = join(REPO, "xdp");
  return readdirSync(dir).filter((f) => f.endsWith(".o")).sort().map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
}

/** The first `n` frames of pcaps/sample.pcap (classic pcap, little-endian µs). */
export function sampleFrames(n = 6): Uint8Array[] {
  const b = readFileSync(join(REPO, "pcaps", "sample.pcap"));
  const out: Uint8Array[] = [];
  let p = 24;
  while (out.length < n && p + 16 <= b.length) {
    const incl = b.readUInt32LE(p + 8);
    out.push(new Uint8Array(b.subarray(p + 16, p + 16 + incl)));
    p += 16 + incl;
  }
  return out;
}

const HOSTILE = ['"', "'", "\n", "\r", "`", "${", "}", "*/", "/*", "\\", "\u2028", "});globalThis.pwned=1;//", "\0"];

const dvOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function setU(v: DataView, at: number, width: 2 | 4 | 8, val: number): void {
  if (at < 0 || at + width > v.byteLength) return;
  if (width === 2) v.setUint16(at, val & 0xffff, true);
  else if (width === 4) v.setUint32(at, val >>> 0, true);
  else v.setBigUint64(at, BigInt.asUintN(64, BigInt(val)), true);
}

function interesting(r: Rng, fileLen: number): number {
  return r.pick([...INTERESTING_U32, fileLen, fileLen - 1, fileLen + 1, r.int(fileLen), r.u32(), -1]);
}

/** Apply one mutation; returns its name. */
export function mutateElf(r: Rng, b: Uint8Array): { bytes: Uint8Array; kind: string } {
  const kind = r.pick(["bitflip", "bitflip", "byte", "truncate", "shdr", "shdr", "ehdr", "symbol", "reloc", "reloc", "names", "btf", "insn"]);
  let secs: ReturnType<typeof sections> | null = null;
  try {
    secs = sections(b);
  } catch {
    secs = null;
  }
  const v = dvOf(b);
  const pickSec = (pred: (s: ReturnType<typeof sections>[number]) => boolean) => {
    const c = secs?.filter((s) => pred(s) && s.offset + s.size <= b.length && s.size > 0) ?? [];
    return c.length ? r.pick(c) : null;
  };
  switch (kind) {
    case "bitflip": {
      const n = r.range(1, 8);
      for (let k = 0; k < n; k++) {
        const at = r.int(b.length);
        b[at] ^= 1 << r.int(8);
      }
      return { bytes: b, kind };
    }
    case "byte": {
      const at = r.int(b.length);
      const n = r.range(1, 8);
      for (let k = 0; k < n && at + k < b.length; k++) b[at + k] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]);
      return { bytes: b, kind };
    }
    case "truncate":
      return { bytes: b.slice(0, r.int(b.length)), kind };
    case "ehdr": {
      const field = r.pick<[number, 2 | 4 | 8]>([[0x28, 8], [0x3a, 2], [0x3c, 2], [0x3e, 2], [0x34, 2], [0x12, 2], [0x10, 2], [0x04, 2], [0x05, 2]]);
      setU(v, field[0], field[1], interesting(r, b.length));
      return { bytes: b, kind };
    }
    case "shdr": {
      if (!secs || secs.length === 0) return mutateElf(r, b);
      const s = r.pick(secs);
      const field = r.pick<[number, 2 | 4 | 8]>([[0, 4], [4, 4], [8, 8], [24, 8], [32, 8], [40, 4], [44, 4], [48, 8], [56, 8]]);
      setU(v, s.hdr + field[0], field[1], r.chance(0.3) ? secs.length + r.range(-2, 2) : interesting(r, b.length));
      return { bytes: b, kind: `shdr:${s.name}+${field[0]}` };
    }
    case "symbol": {
      const st = pickSec((s) => s.type === 2);
      if (!st) return mutateElf(r, b);
      const at = st.offset + r.int(Math.floor(st.size / SYM_SIZE)) * SYM_SIZE;
      const field = r.pick<[number, 2 | 4 | 8]>([[0, 4], [4, 2], [6, 2], [8, 8], [16, 8]]);
      const val = field[0] === 6 ? r.pick([0, 0xfff1, 0xfff2, 0xff00, 0xffff, secs!.length, secs!.length + 1, r.int(secs!.length)]) : interesting(r, b.length);
      if (field[0] === 4) b[at + 4] = r.int(256);
      else setU(v, at + field[0], field[1], val);
      return { bytes: b, kind: `symbol+${field[0]}` };
    }
    case "reloc": {
      const rs = pickSec((s) => s.type === 9);
      if (!rs) return mutateElf(r, b);
      const at = rs.offset + r.int(Math.floor(rs.size / REL_SIZE)) * REL_SIZE;
      const what = r.int(4);
      if (what === 0) setU(v, at, 8, r.chance(0.5) ? interesting(r, b.length) : (v.getUint32(at, true) + r.pick([-8, -1, 1, 4, 8, 16])) >>> 0);
      else if (what === 1) setU(v, at + 8, 4, r.pick([0, 1, 2, 3, 4, 10, 11, 255, r.u32()])); // type
      else if (what === 2) setU(v, at + 12, 4, r.chance(0.5) ? r.int(64) : interesting(r, b.length)); // symbol index
      else setU(v, at + 8, 8, interesting(r, b.length));
      return { bytes: b, kind: `reloc:${rs.name}#${what}` };
    }
    case "names": {
      // Overwrite part of a string table in place with hostile characters (NULs kept where they were or added).
      const st = pickSec((s) => s.type === 3 || s.name === ".BTF");
      if (!st) return mutateElf(r, b);
      const h = Buffer.from(r.pick(HOSTILE), "latin1");
      const at = st.offset + r.int(st.size);
      for (let k = 0; k < h.length && at + k < st.offset + st.size; k++) b[at + k] = h[k];
      return { bytes: b, kind: `names:${st.name}` };
    }
    case "btf": {
      const bs = pickSec((s) => s.name === ".BTF" || s.name === ".BTF.ext");
      if (!bs) return mutateElf(r, b);
      const at = bs.offset + (r.chance(0.5) ? r.int(Math.min(32, bs.size)) & ~3 : r.int(bs.size) & ~3);
      setU(v, at, 4, r.chance(0.5) ? interesting(r, bs.size) : v.getUint32(Math.min(at, b.length - 4), true) ^ (1 << r.int(32)));
      return { bytes: b, kind: `btf:${bs.name}` };
    }
    default: {
      // An instruction of an executable section: opcode / regs / offset / imm.
      const xs = pickSec((s) => s.type === 1 && (s.name.startsWith("xdp") || s.name === ".text"));
      if (!xs) return mutateElf(r, b);
      const at = xs.offset + r.int(Math.floor(xs.size / 8)) * 8;
      const f = r.int(4);
      if (f === 0) b[at] = r.int(256);
      else if (f === 1) b[at + 1] = r.int(256);
      else if (f === 2) setU(v, at + 2, 2, r.pick([0, 1, -1, 0x7fff, 0x8000, r.int(65536)]));
      else setU(v, at + 4, 4, interesting(r, 1 << 16));
      return { bytes: b, kind: `insn:${xs.name}` };
    }
  }
}

/** Load, then run every runnable program over a few frames on both backends (which must agree). */
function exercise(obj: ObjectSpec, frames: Uint8Array[], budget: number, noVerify: (prog: string) => boolean): string {
  let ran = 0;
  for (const p of obj.programs) {
    if (p.section.endsWith("/devmap") || p.section.endsWith("/cpumap")) continue;
    let jit: Simulation;
    let interp: Simulation;
    try {
      const nv = noVerify(p.name);
      jit = new Simulation(obj, { prog: p.name, backend: "jit", insnBudget: nv ? 20000 : budget, ncpus: 2, noVerify: nv });
      interp = new Simulation(obj, { prog: p.name, backend: "interp", insnBudget: nv ? 20000 : budget, ncpus: 2, noVerify: nv });
    } catch (e) {
      if (isCleanError(e)) continue;
      throw e;
    }
    // The JIT's generated source must compile and never contain raw names.
    getJitSource(jit.rt, jit.progIndex);
    for (const [k, f] of frames.entries()) {
      const a = { ...jit.runPacket(f, 0, f.length, 1000 + k, 0) };
      const aOut = Buffer.from(jit.rt.xdp.output(true)).toString("hex");
      const b = { ...interp.runPacket(f, 0, f.length, 1000 + k, 0) };
      const bOut = Buffer.from(interp.rt.xdp.output(true)).toString("hex");
      if (a.action !== b.action || a.fault !== b.fault || aOut !== bOut) {
        throw new Error(`backends disagree on program ${p.name} frame ${k}: jit ${a.action}/${a.fault} vs interp ${b.action}/${b.fault}`);
      }
    }
    ran++;
  }
  return ran > 0 ? "loaded-ran" : "loaded-rejected";
}

export function runElfCampaign(opts: CampaignOptions): CampaignResult {
  const t = new Tally("elf", opts);
  const objs = exampleObjects();
  const frames = sampleFrames(4);
  // The verifier is the slow part (an abstract walk over every path, ~0.1-1 s for a changed program),
  // so every 16th case verifies whatever loaded, odd cases skip it, and even cases verify only programs
  // whose code is unchanged (mostly a cache hit). Unverified programs run on both backends with a small
  // budget: faults must stay clean BpfFaults and the backends must agree.
  const pristine = new Map<string, Map<string, string>>();
  for (const o of objs) {
    const obj = loadObject(o.bytes.slice(), o.name);
    pristine.set(o.name, new Map(obj.programs.map((p) => [p.name, JSON.stringify(p.insns)])));
  }
  for (const i of t.cases()) {
    const r = new Rng(caseSeed(opts.seed, i));
    const base = r.pick(objs);
    let bytes: Uint8Array = base.bytes.slice();
    const kinds: string[] = [];
    const n = r.range(1, 3);
    for (let k = 0; k < n; k++) {
      const m = mutateElf(r, bytes);
      bytes = m.bytes;
      kinds.push(m.kind);
    }
    const t0 = performance.now();
    try {
      const obj = loadObject(bytes, base.name); // same name as the pristine object: unchanged programs hit the verifier cache
      const orig = pristine.get(base.name)!;
      const changed = (name: string): boolean => {
        const p = obj.programs.find((x) => x.name === name)!;
        return orig.get(name) !== JSON.stringify(p.insns);
      };
      t.outcome(exercise(obj, frames, 200000, (name) => i % 16 !== 0 && (changed(name) || i % 2 === 1)));
    } catch (e) {
      if (isCleanError(e)) t.outcome(`error:${e.stage}`);
      else t.fail(i, `uncaught on ${base.name} [${kinds.join(", ")}]`, describeError(e));
    }
    t.timed(i, performance.now() - t0);
    if (opts.log && t.res.count % 5000 === 0) opts.log(`elf: ${t.res.count} cases, ${t.res.failures.length} failures`);
  }
  void SHDR_SIZE;
  return t.finish();
}
