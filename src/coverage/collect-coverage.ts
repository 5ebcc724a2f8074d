// Coverage of XDP programs run on the interpreter: per-instruction and per-source-line execution counts
// and branch outcomes, written as an lcov tracefile (genhtml renders it). Spec: geninfo(1) "TRACEFILE FORMAT".

import { mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { setInstructionHook } from "../exec/interpreter/create-interpreter.js";
import { UsageError } from "../errors.js";
import type { Simulation } from "../pipeline/create-simulation.js";

/** Anything holding a simulation: an XdpProgram (library, xdpsim test) or a run's own holder. */
export interface HasSimulation {
  readonly sim: Simulation;
}
import { isConditionalJump, lineTable } from "../explain/explain-packet.js";

interface Attached {
  prog: HasSimulation;
  /** Per program index of the object: executions of each instruction, and outcomes of each branch. */
  counts: Uint32Array[];
  taken: Uint32Array[];
  notTaken: Uint32Array[];
}

export interface CoverageSummary {
  lines: { found: number; hit: number };
  branches: { found: number; hit: number };
  functions: { found: number; hit: number };
  instructions: { found: number; hit: number };
}

interface FileCov {
  lines: Map<number, number>;
  /** "block,branch" → count (-1: the branch's line never ran). */
  branches: Map<string, { line: number; count: number }>;
  functions: Map<string, { line: number; count: number }>;
}

/**
 * The source file a BTF line record names, as a path that exists here: the recorded (compile-time)
 * path, or else the file of that name next to the object (a checkout moved elsewhere, a CI clone).
 */
export function resolveSource(file: string, objectFile: string): string {
  if (existsSync(file)) return file;
  const alt = join(dirname(objectFile), basename(file));
  return existsSync(alt) ? alt : file;
}

/** Collects execution counts from any number of interpreter-backed programs (one lcov for all). */
export class CoverageCollector {
  private readonly attached: Attached[] = [];

  /** Start counting a program's instructions (it must use the interpreter backend). */
  attach(prog: HasSimulation): void {
    const progs = prog.sim.obj.programs;
    const a: Attached = {
      prog,
      counts: progs.map((p) => new Uint32Array(p.insns.length)),
      taken: progs.map((p) => new Uint32Array(p.insns.length)),
      notTaken: progs.map((p) => new Uint32Array(p.insns.length)),
    };
    const isJump = progs.map((p) => Uint8Array.from(p.insns, (i) => (isConditionalJump(i.op) ? 1 : 0)));
    let lastProg = -1, lastPc = -1;
    const ok = setInstructionHook(prog.sim.exec, (pi, pc) => {
      a.counts[pi][pc]++;
      if (lastProg >= 0 && isJump[lastProg][lastPc]) {
        if (pi === lastProg && pc === lastPc + 1) a.notTaken[lastProg][lastPc]++;
        else a.taken[lastProg][lastPc]++;
      }
      lastProg = pi;
      lastPc = pc;
    });
    if (!ok) throw new UsageError("coverage needs the interpreter backend (results are identical to the JIT's)");
    this.attached.push(a);
  }

  /** Take over another collector's programs and counts (one lcov over several runs). */
  absorb(other: CoverageCollector): void {
    this.attached.push(...other.attached);
  }

  /** Per-instruction counts, by object and program (coverage.json). */
  instructionCounts(): { object: string; program: string; counts: number[] }[] {
    return this.attached.flatMap((a) => a.prog.sim.obj.programs.map((p, i) => ({ object: a.prog.sim.obj.file, program: p.name, counts: [...a.counts[i]] })));
  }

  /** Per source file: line → execution count (a line counts as its most executed instruction). */
  lineCounts(): Map<string, Map<number, number>> {
    return new Map([...this.files()].map(([f, c]) => [f, c.lines]));
  }

  private files(): Map<string, FileCov> {
    const files = new Map<string, FileCov>();
    const file = (f0: string): FileCov => {
      const f = resolveSource(f0, objectFile);
      let c = files.get(f);
      if (!c) { c = { lines: new Map(), branches: new Map(), functions: new Map() }; files.set(f, c); }
      return c;
    };
    let block = 0;
    let objectFile = "";
    for (const a of this.attached) {
      objectFile = a.prog.sim.obj.file;
      a.prog.sim.obj.programs.forEach((spec, pi) => {
        const table = lineTable(spec);
        // A line ran as often as its most executed instruction (in this program); programs add up.
        const perLine = new Map<string, { file: string; line: number; count: number }>();
        spec.insns.forEach((insn, pc) => {
          const li = table[pc];
          if (!li) return;
          const key = `${li.file}:${li.line}`;
          const e = perLine.get(key) ?? { file: li.file, line: li.line, count: 0 };
          e.count = Math.max(e.count, a.counts[pi][pc]);
          perLine.set(key, e);
          if (isConditionalJump(insn.op)) {
            const fc = file(li.file);
            const ran = a.counts[pi][pc] > 0;
            fc.branches.set(`${block},0`, { line: li.line, count: ran ? a.taken[pi][pc] : -1 });
            fc.branches.set(`${block},1`, { line: li.line, count: ran ? a.notTaken[pi][pc] : -1 });
            block++;
          }
        });
        for (const e of perLine.values()) {
          const fc = file(e.file);
          fc.lines.set(e.line, (fc.lines.get(e.line) ?? 0) + e.count);
        }
        for (const fi of spec.funcInfo) {
          const li = table[fi.insn];
          if (!li) continue;
          const fc = file(li.file);
          const f = fc.functions.get(fi.name) ?? { line: li.line, count: 0 };
          f.count += a.counts[pi][fi.insn];
          fc.functions.set(fi.name, f);
        }
      });
    }
    return files;
  }

  /** lcov tracefile text (TN/SF/FN/FNDA/DA/BRDA/LF/LH/BRF/BRH records). */
  toLcov(testName = "xdpsim"): string {
    const out: string[] = [];
    for (const [f, c] of [...this.files()].sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`TN:${testName.replace(/[^A-Za-z0-9_]/g, "_")}`, `SF:${f}`);
      const fns = [...c.functions].sort((x, y) => x[1].line - y[1].line);
      for (const [name, fn] of fns) out.push(`FN:${fn.line},${name}`);
      for (const [name, fn] of fns) out.push(`FNDA:${fn.count},${name}`);
      out.push(`FNF:${fns.length}`, `FNH:${fns.filter(([, x]) => x.count > 0).length}`);
      const brs = [...c.branches].sort((x, y) => x[1].line - y[1].line);
      for (const [k, b] of brs) out.push(`BRDA:${b.line},${k},${b.count < 0 ? "-" : b.count}`);
      out.push(`BRF:${brs.length}`, `BRH:${brs.filter(([, b]) => b.count > 0).length}`);
      const lines = [...c.lines].sort((x, y) => x[0] - y[0]);
      for (const [l, n] of lines) out.push(`DA:${l},${n}`);
      out.push(`LF:${lines.length}`, `LH:${lines.filter(([, n]) => n > 0).length}`, "end_of_record");
    }
    return out.join("\n") + "\n";
  }

  summary(): CoverageSummary {
    const s: CoverageSummary = { lines: { found: 0, hit: 0 }, branches: { found: 0, hit: 0 }, functions: { found: 0, hit: 0 }, instructions: { found: 0, hit: 0 } };
    for (const c of this.files().values()) {
      s.lines.found += c.lines.size;
      s.lines.hit += [...c.lines.values()].filter((n) => n > 0).length;
      s.branches.found += c.branches.size;
      s.branches.hit += [...c.branches.values()].filter((b) => b.count > 0).length;
      s.functions.found += c.functions.size;
      s.functions.hit += [...c.functions.values()].filter((f) => f.count > 0).length;
    }
    for (const a of this.attached) for (const c of a.counts) { s.instructions.found += c.length; s.instructions.hit += c.filter((n) => n > 0).length; }
    return s;
  }

  /** Write DIR/lcov.info and DIR/coverage.json; returns the terminal summary line. */
  async write(dir: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "lcov.info"), this.toLcov());
    const s = this.summary();
    await writeFile(join(dir, "coverage.json"), JSON.stringify({ summary: s, programs: this.instructionCounts() }) + "\n");
    return formatCoverageSummary(s, dir);
  }

  /** Stop counting (remove the hooks). */
  detach(): void {
    for (const a of this.attached) setInstructionHook(a.prog.sim.exec, null);
  }
}

/** `coverage: lines 120/150 (80.0%), branches 40/80 (50.0%), functions 3/3, instructions 900/1402 -> DIR/lcov.info` */
export function formatCoverageSummary(s: CoverageSummary, dir: string): string {
  const pct = (x: { found: number; hit: number }): string => `${x.hit}/${x.found} (${x.found ? ((100 * x.hit) / x.found).toFixed(1) : "100.0"}%)`;
  return `coverage: lines ${pct(s.lines)}, branches ${pct(s.branches)}, functions ${s.functions.hit}/${s.functions.found}, instructions ${pct(s.instructions)} -> ${join(dir, "lcov.info")}`;
}
