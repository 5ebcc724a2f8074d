// `npm run bench` (xdpsim bench-report): every example program side by side on the same packets —
// interpreter, JIT and the kernel's BPF_PROG_TEST_RUN — plus load/verify/JIT time and end-to-end runs.

import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, type as osType } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openCapture } from "../pcap/open-capture.js";
import { generateBenchCapture } from "../pcap/bench-capture-io.js";
import { countPossibleCpus } from "../runtime/count-possible-cpus.js";
import { verifyProgram } from "../verifier/verify-program.js";
import { loadPacketSet, type PacketSet } from "./bench-program.js";
import { loadObjectFromFile, selectProgram, Simulation } from "./create-simulation.js";

export interface BenchReportOptions {
  /** Repository root (holds xdp/, pcaps/, test/kernel/). Default: derived from this file. */
  root?: string;
  /** Where benchmarks.md and benchmarks.json go (default <root>/reports); null: write nothing. */
  outDir?: string | null;
  /** Short runs (seconds instead of minutes); numbers are rougher. */
  quick?: boolean;
  /** Example program names (basename of xdp/NAME.o); default every xdp/*.o. */
  programs?: string[];
  /** Captures relative to root (default pcaps/sample.pcap and pcaps/mixed.pcap). */
  captures?: string[];
  /** Run the kernel's BPF_PROG_TEST_RUN where possible (default true). */
  kernel?: boolean;
  /** Packets of the generated end-to-end capture (default 1,000,000; quick 100,000); 0 skips it. */
  e2ePackets?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface CaptureFigures {
  capture: string;
  packets: number;
  skipped: number;
  interp_ns_per_packet: number;
  interp_cpu_ns_per_packet: number;
  jit_ns_per_packet: number;
  jit_cpu_ns_per_packet: number;
  kernel_ns_per_packet: number | null;
  /** JIT CPU ns / kernel ns (≤ 1: the JIT is as fast as the kernel or faster); CPU time, because the kernel's own clock also leaves out time the CPU was taken away. */
  jit_vs_kernel: number | null;
  kernel_error?: string;
  commands: { interp: string; jit: string; kernel: string };
}

export interface ProgramFigures {
  name: string;
  object: string;
  program: string;
  tag: string;
  insns: number;
  /** Read + parse + relocate the ELF object. */
  load_ms: number;
  /** One uncached verifier run, as `xdpsim run` does it (log level 1). */
  verify_ms: number;
  verifier_processed_insns: number;
  /** Load + verify + runtime + JIT compile + first packet (the JS engine compiling the generated code), fresh. */
  load_verify_jit_ms: number;
  /** The same, in process CPU time (user + system): steadier on a busy host. */
  load_verify_jit_cpu_ms: number;
  captures: CaptureFigures[];
}

export interface EndToEnd {
  packets: number;
  capture_bytes: number;
  /** `xdpsim run --results --dump-maps`: stats.json pps (the run loop) and whole-process wall time. */
  run_all_outputs: { loop_mpps: number; process_seconds: number; process_mpps: number };
  /** `xdpsim run` with the pcaps and stats.json only. */
  run_pcaps_only: { loop_mpps: number; process_seconds: number; process_mpps: number };
  /** `tcpdump -r in -w out` on the same file (null when tcpdump is missing). */
  tcpdump: { seconds: number; mpps: number } | null;
  commands: { generate: string; run_all_outputs: string; run_pcaps_only: string; tcpdump: string };
}

export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
  detail: string;
}

export interface BenchReport {
  date: string;
  quick: boolean;
  command: string;
  machine: { cpu: string; cores: number; node: string; kernel: string; os: string; load_average: number[] };
  kernel_bench: { available: boolean; reason?: string; script: string };
  programs: ProgramFigures[];
  interpreter_firewall_mpps: number | null;
  end_to_end: EndToEnd | null;
  /** Why the end-to-end runs are missing, when they failed. */
  end_to_end_error?: string;
  targets: Target[];
}

const DEFAULT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));

/** Run every measurement and (unless outDir is null) write benchmarks.md and benchmarks.json. */
export async function runBenchReport(opts: BenchReportOptions = {}): Promise<BenchReport> {
  const root = opts.root ?? DEFAULT_ROOT;
  const quick = opts.quick ?? false;
  const log = opts.log ?? (() => undefined);
  const names = opts.programs ?? readdirSync(join(root, "xdp")).filter((f) => f.endsWith(".o")).map((f) => f.slice(0, -2)).sort();
  const captures = opts.captures ?? ["pcaps/sample.pcap", "pcaps/mixed.pcap"];
  const ncpus = countPossibleCpus();
  const kernel = opts.kernel === false ? { available: false, reason: "disabled (--no-kernel)" } : kernelAvailable(root);
  const script = "test/kernel/bench-kernel.py";
  const repeatK = quick ? 20 : 100;
  const q = quick ? " --quick" : "";

  const sets = new Map<string, PacketSet>();
  for (const c of captures) sets.set(c, await loadPacketSet(await openCapture(join(root, c))));

  const programs: ProgramFigures[] = [];
  for (const name of names) {
    const objPath = join(root, "xdp", `${name}.o`);
    const rel = `xdp/${name}.o`;
    log(`${name}: load + verify + JIT`);
    // Fresh (uncached) load → verify → JIT → first packet, before anything else touches this object.
    const firstSet = sets.get(captures[0])!;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const obj0 = await loadObjectFromFile(objPath);
    const tLoad = performance.now();
    const sim0 = new Simulation(obj0, { backend: "jit", ncpus });
    if (firstSet.count > 0) sim0.runPacket(firstSet.buf, firstSet.offs[0], firstSet.lens[0], firstSet.tsSec[0], firstSet.tsNsec[0]);
    const tAll = performance.now();
    const cAll = process.cpuUsage(c0);
    // Verification alone, uncached, best of a few runs.
    let verifyMs = Infinity;
    let processed = 0;
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      const a = performance.now();
      const res = verifyProgram(obj0, selectProgram(obj0, undefined), { logLevel: 1 });
      verifyMs = Math.min(verifyMs, performance.now() - a);
      processed = res.processedInsns;
    }
    const figs: ProgramFigures = {
      name, object: rel, program: sim0.program.name, tag: sim0.tag, insns: sim0.program.insns.length,
      load_ms: round(tLoad - t0, 2), verify_ms: round(verifyMs, 2), verifier_processed_insns: processed,
      load_verify_jit_ms: round(tAll - t0, 2), load_verify_jit_cpu_ms: round((cAll.user + cAll.system) / 1e3, 2), captures: [],
    };
    for (const c of captures) {
      const set = sets.get(c)!;
      log(`${name} on ${c}: interpreter, JIT${kernel.available ? ", kernel" : ""}`);
      // Each figure is its own `xdpsim bench --json` process: the command printed below reproduces it,
      // and no JIT state, heap or map contents carry over from one measurement to the next.
      const benchArgs = quick ? ["--repeat", String(Math.max(1, Math.ceil(4000 / Math.max(1, set.count))))] : [];
      const interp = benchCli(root, rel, c, "interp", benchArgs);
      const jit = benchCli(root, rel, c, "jit", benchArgs);
      let kns: number | null = null;
      let kerr: string | undefined;
      if (kernel.available) {
        const r = spawnSync("python3", [join(root, script), objPath, join(root, c), "--repeat", String(repeatK)], { encoding: "utf8", timeout: 600_000 });
        if (r.status === 0) kns = (JSON.parse(r.stdout) as { ns_per_packet: number }).ns_per_packet;
        else kerr = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n").pop();
      }
      const cf: CaptureFigures = {
        capture: c, packets: set.count, skipped: set.skipped,
        interp_ns_per_packet: round(interp.ns_per_packet, 1), interp_cpu_ns_per_packet: round(interp.cpu_ns_per_packet, 1),
        jit_ns_per_packet: round(jit.ns_per_packet, 1), jit_cpu_ns_per_packet: round(jit.cpu_ns_per_packet, 1),
        kernel_ns_per_packet: kns, jit_vs_kernel: kns ? round(jit.cpu_ns_per_packet / kns, 2) : null,
        commands: {
          interp: `npx xdpsim bench ${rel} ${c} --backend interp --json${benchArgs.length ? " " + benchArgs.join(" ") : ""}`,
          jit: `npx xdpsim bench ${rel} ${c} --backend jit --json${benchArgs.length ? " " + benchArgs.join(" ") : ""}`,
          kernel: `sudo python3 ${script} ${rel} ${c} --repeat ${repeatK}`,
        },
      };
      if (kerr !== undefined) cf.kernel_error = kerr;
      figs.captures.push(cf);
    }
    programs.push(figs);
  }

  const e2ePackets = opts.e2ePackets ?? (quick ? 100_000 : 1_000_000);
  let endToEnd: EndToEnd | null = null;
  let endToEndError: string | undefined;
  if (e2ePackets > 0 && names.includes("firewall")) {
    try {
      endToEnd = await measureEndToEnd(root, e2ePackets, log);
    } catch (e) {
      endToEndError = e instanceof Error ? e.message : String(e);
      log(`end to end: ${endToEndError}`);
    }
  }
  const fw = programs.find((p) => p.name === "firewall");
  const fwSample = fw?.captures[0];
  const report: BenchReport = {
    date: new Date().toISOString(),
    quick,
    command: `npm run bench --${q}`.replace(/ --$/, ""),
    machine: {
      cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version, kernel: release(), os: osType(),
      load_average: loadavg().map((x) => round(x, 2)),
    },
    kernel_bench: { ...kernel, script },
    programs,
    interpreter_firewall_mpps: fwSample ? round(1e3 / fwSample.interp_cpu_ns_per_packet, 2) : null,
    end_to_end: endToEnd,
    targets: [],
  };
  if (endToEndError !== undefined) report.end_to_end_error = endToEndError;
  report.targets = evaluateTargets(report);
  if (opts.outDir !== null) {
    const dir = opts.outDir ?? join(root, "reports");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "benchmarks.json"), JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(dir, "benchmarks.md"), formatReport(report));
  }
  return report;
}

/** `xdpsim bench --json` in a child process (retried once: a concurrent rebuild of dist/ can break a start-up). */
function benchCli(root: string, object: string, capture: string, backend: string, extra: string[]): { ns_per_packet: number; cpu_ns_per_packet: number } {
  let r: SpawnSyncReturns<string> | null = null;
  for (let attempt = 0; attempt < 3 && (r === null || r.status !== 0); attempt++) {
    r = spawnSync(process.execPath, [CLI, "bench", join(root, object), join(root, capture), "--backend", backend, "--json", ...extra], { encoding: "utf8" });
  }
  if (r!.status !== 0) throw new Error(`xdpsim bench ${object} ${capture} --backend ${backend} failed: ${r!.stderr.trim().split("\n")[0]}`);
  const j = JSON.parse(r!.stdout) as { ns_per_packet: number; cpu_ns_per_packet?: number };
  return { ns_per_packet: j.ns_per_packet, cpu_ns_per_packet: j.cpu_ns_per_packet ?? j.ns_per_packet };
}

/** Root, python3 and the committed script: what BPF_PROG_TEST_RUN needs (libbpf is checked by the script). */
function kernelAvailable(root: string): { available: boolean; reason?: string } {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return { available: false, reason: "not root (bpf() needs CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN)" };
  if (!existsSync(join(root, "test/kernel/bench-kernel.py"))) return { available: false, reason: "test/kernel/bench-kernel.py not present (installed package)" };
  const py = spawnSync("python3", ["-c", "import ctypes; ctypes.CDLL('libbpf.so.1')"], { encoding: "utf8" });
  if (py.error) return { available: false, reason: "python3 not found" };
  if (py.status !== 0) return { available: false, reason: "libbpf.so.1 not loadable from python3" };
  return { available: true };
}

async function measureEndToEnd(root: string, packets: number, log: (l: string) => void): Promise<EndToEnd> {
  const dir = mkdtempSync(join(tmpdir(), "xdpsim-bench-"));
  try {
    const cap = join(dir, `e2e-${packets}.pcap`);
    log(`end to end: generating ${packets} packets from pcaps/sample.pcap`);
    const size = await generateBenchCapture(cap, join(root, "pcaps/sample.pcap"), packets);
    const run = (extra: string[]): { loop_mpps: number; process_seconds: number; process_mpps: number } => {
      const out = join(dir, "out");
      let t = 0;
      let r: SpawnSyncReturns<string> | null = null;
      // A second try: on a shared checkout a concurrent rebuild of dist/ can break one start-up.
      for (let attempt = 0; attempt < 2 && (r === null || r.status !== 0); attempt++) {
        t = performance.now();
        r = spawnSync(process.execPath, [CLI, "run", join(root, "xdp/firewall.o"), cap, "--out", out, "--no-progress", ...extra], { encoding: "utf8" });
      }
      const secs = (performance.now() - t) / 1e3;
      if (r!.status !== 0) throw new Error(`xdpsim run failed: ${r!.stderr.trim().split("\n")[0]}`);
      const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8")) as { pps: number };
      rmSync(out, { recursive: true, force: true });
      return { loop_mpps: round(stats.pps / 1e6, 2), process_seconds: round(secs, 3), process_mpps: round(packets / secs / 1e6, 2) };
    };
    log("end to end: xdpsim run (all outputs)");
    const all = run(["--results", "--dump-maps"]);
    log("end to end: xdpsim run (pcaps only)");
    const pcaps = run([]);
    let tcpdump: EndToEnd["tcpdump"] = null;
    const t = performance.now();
    const r = spawnSync("tcpdump", ["-r", cap, "-w", join(dir, "tcpdump-out.pcap")], { encoding: "utf8" });
    const secs = (performance.now() - t) / 1e3;
    if (!r.error && r.status === 0) tcpdump = { seconds: round(secs, 3), mpps: round(packets / secs / 1e6, 2) };
    const f = `/tmp/xdpsim-e2e-${packets}.pcap`;
    return {
      packets, capture_bytes: size, run_all_outputs: all, run_pcaps_only: pcaps, tcpdump,
      commands: {
        generate: `node -e 'import("./dist/src/pcap/bench-capture-io.js").then((m) => m.generateBenchCapture("${f}", "pcaps/sample.pcap", ${packets}))'`,
        run_all_outputs: `npx xdpsim run xdp/firewall.o ${f} --out /tmp/xdpsim-e2e-out --results --dump-maps   # stats.json "pps"`,
        run_pcaps_only: `npx xdpsim run xdp/firewall.o ${f} --out /tmp/xdpsim-e2e-out`,
        tcpdump: `time tcpdump -r ${f} -w /tmp/tcpdump-out.pcap`,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function evaluateTargets(r: BenchReport): Target[] {
  const out: Target[] = [];
  const pct = (x: number): string => `${Math.round(Math.abs(x - 1) * 100)}%`;
  for (const name of ["firewall", "lb"]) {
    const p = r.programs.find((x) => x.name === name);
    const c = p?.captures.find((x) => x.jit_vs_kernel !== null);
    if (!p) continue;
    if (!c || c.jit_vs_kernel === null) {
      out.push({ name: `JIT vs kernel, ${name}`, target: "≤ 1.0× kernel", value: "kernel not measured", met: null, detail: r.kernel_bench.reason ?? c?.kernel_error ?? "" });
      continue;
    }
    const all = p.captures.filter((x) => x.jit_vs_kernel !== null).map((x) => `${x.jit_vs_kernel}× on ${basename(x.capture)}`);
    const worst = Math.max(...p.captures.map((x) => x.jit_vs_kernel ?? 0));
    out.push({
      name: `JIT vs kernel, ${name}`, target: "≤ 1.0× kernel", value: all.join(", "), met: worst <= 1,
      detail: worst <= 1 ? "met" : `missed: JIT ${worst}× the kernel's time (${pct(worst)} slower) on the worst capture`,
    });
  }
  if (r.interpreter_firewall_mpps !== null) {
    const v = r.interpreter_firewall_mpps;
    out.push({ name: "interpreter, firewall", target: "≥ 3 Mpps", value: `${v} Mpps`, met: v >= 3, detail: v >= 3 ? "met" : `missed by ${round(3 - v, 2)} Mpps (${round(v / 3 * 100, 0)}% of target)` });
  }
  if (r.end_to_end) {
    const v = r.end_to_end.run_all_outputs.loop_mpps;
    out.push({
      name: `end-to-end xdpsim run, firewall, ${r.end_to_end.packets} packets, all outputs`, target: "≥ 10 Mpps", value: `${v} Mpps (run loop)`,
      met: v >= 10, detail: v >= 10 ? "met" : `missed by ${round(10 - v, 2)} Mpps (${round(v / 10 * 100, 0)}% of target)`,
    });
  }
  const big = [...r.programs].sort((a, b) => b.insns - a.insns)[0];
  if (big) {
    const perInsn = big.load_verify_jit_cpu_ms / Math.max(1, big.insns);
    const at1000 = big.insns >= 1000 ? big.load_verify_jit_cpu_ms : perInsn * 1000;
    const how = big.insns >= 1000 ? `${big.name} (${big.insns} insns): ${big.load_verify_jit_cpu_ms} ms CPU (${big.load_verify_jit_ms} ms wall)`
      : `largest example ${big.name} has ${big.insns} insns (${big.load_verify_jit_cpu_ms} ms CPU); scaled linearly to 1,000 insns: ${round(at1000, 1)} ms`;
    out.push({ name: "load + verify + JIT of a 1,000-insn program", target: "< 50 ms", value: how, met: at1000 < 50, detail: at1000 < 50 ? "met" : `missed by ${round(at1000 - 50, 1)} ms` });
  }
  return out;
}

export function formatReport(r: BenchReport): string {
  const L: string[] = [];
  const n = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? "—" : x.toFixed(d));
  L.push("# xdpsim benchmarks", "");
  L.push(`Generated by \`${r.command}\` (\`node dist/src/cli/main.js bench-report${r.quick ? " --quick" : ""}\`) on ${r.date}${r.quick ? " — **quick mode: short runs, rough numbers**" : ""}.`, "");
  L.push(`Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.os} ${r.machine.kernel}, Node ${r.machine.node}; load average ${r.machine.load_average.join(" / ")} when the run started (the host is shared: numbers are wall-clock and noisy; CPU-time columns are steadier).`, "");
  L.push("## Targets", "", "| target | goal | measured | status |", "|---|---|---|---|");
  for (const t of r.targets) L.push(`| ${t.name} | ${t.target} | ${t.value} | ${t.met === null ? "not measured" : t.met ? "**met**" : `**missed** — ${t.detail.replace(/^missed:? ?/, "")}`} |`);
  L.push("");
  L.push("## Per program, same packets: interpreter vs JIT vs kernel", "");
  L.push(`Kernel: ${r.kernel_bench.available ? `BPF_PROG_TEST_RUN, repeat mode, mean ns/packet (\`${r.kernel_bench.script}\`)` : `not measured: ${r.kernel_bench.reason}`}.`);
  L.push("xdpsim: one `xdpsim bench --json` process per figure (mean ns per packet run of the timed loop: context set-up + program, after a warm-up; each repeat restarts from the captured bytes; wall and process-CPU time). The kernel's repeat mode re-runs on the already modified buffer; its duration excludes the syscall.", "");
  L.push("| program | capture | packets | interpreter ns/pkt | JIT ns/pkt | kernel ns/pkt | JIT / kernel | interp CPU ns/pkt | JIT CPU ns/pkt |", "|---|---|---|---|---|---|---|---|---|");
  for (const p of r.programs) {
    for (const c of p.captures) {
      L.push(`| ${p.name} | ${basename(c.capture)} | ${c.packets}${c.skipped ? ` (+${c.skipped} not run)` : ""} | ${n(c.interp_ns_per_packet)} | ${n(c.jit_ns_per_packet)} | ${n(c.kernel_ns_per_packet)} | ${c.jit_vs_kernel === null ? "—" : `${c.jit_vs_kernel.toFixed(2)}×`} | ${n(c.interp_cpu_ns_per_packet)} | ${n(c.jit_cpu_ns_per_packet)} |`);
    }
  }
  L.push("");
  L.push(`Interpreter on firewall (sample.pcap, CPU time): **${n(r.interpreter_firewall_mpps, 2)} Mpps**. The JIT / kernel ratio uses the JIT's CPU time (the kernel's duration is its own clock around its loop).`, "");
  L.push("## Load, verification and JIT time per program", "");
  L.push("`load` = read + parse + relocate the ELF; `verify` = one uncached verifier run at log level 1 (what `xdpsim run` does; best of 3 outside quick mode); `load+verify+JIT` = fresh load, verification, runtime and maps, JIT code generation and the first packet (the JS engine compiling the generated code).", "");
  L.push("| program | function | insns | verifier processed insns | load ms | verify ms | load+verify+JIT ms (wall) | load+verify+JIT ms (CPU) |", "|---|---|---|---|---|---|---|---|");
  for (const p of r.programs) L.push(`| ${p.name} | ${p.program} | ${p.insns} | ${p.verifier_processed_insns} | ${n(p.load_ms, 2)} | ${n(p.verify_ms, 2)} | ${n(p.load_verify_jit_ms, 2)} | ${n(p.load_verify_jit_cpu_ms, 2)} |`);
  L.push("");
  const e = r.end_to_end;
  L.push("## End to end: `xdpsim run` vs `tcpdump -r in -w out`", "");
  if (!e) {
    L.push(r.end_to_end_error ? `Failed in this run: ${r.end_to_end_error}` : "Not measured in this run.", "");
  } else {
    L.push(`Capture: ${e.packets.toLocaleString("en-US")} packets (${(e.capture_bytes / 1e6).toFixed(1)} MB) generated in a temp dir by cycling pcaps/sample.pcap's packets, firewall program, JIT.`, "");
    L.push("| run | run loop Mpps (stats.json pps) | whole process s | whole process Mpps |", "|---|---|---|---|");
    L.push(`| xdpsim run --results --dump-maps (all outputs) | ${n(e.run_all_outputs.loop_mpps, 2)} | ${n(e.run_all_outputs.process_seconds, 2)} | ${n(e.run_all_outputs.process_mpps, 2)} |`);
    L.push(`| xdpsim run (verdict pcaps + stats.json) | ${n(e.run_pcaps_only.loop_mpps, 2)} | ${n(e.run_pcaps_only.process_seconds, 2)} | ${n(e.run_pcaps_only.process_mpps, 2)} |`);
    L.push(`| tcpdump -r in -w out | — | ${e.tcpdump ? n(e.tcpdump.seconds, 2) : "—"} | ${e.tcpdump ? n(e.tcpdump.mpps, 2) : "tcpdump not found"} |`);
    L.push("");
  }
  L.push(...WHY_MISSED, "");
  L.push("## Reproducing each figure", "");
  L.push("Everything above, in one run: `npm run bench` (add `-- --quick` for a short run). Single figures:", "", "```sh");
  for (const p of r.programs) {
    for (const c of p.captures) L.push(c.commands.interp, c.commands.jit, c.commands.kernel);
  }
  if (e) L.push(e.commands.generate, e.commands.run_all_outputs, e.commands.run_pcaps_only, e.commands.tcpdump);
  L.push("```", "");
  L.push("Load / verify / JIT times come from the report code itself (`src/pipeline/bench-report.ts`); `npx xdpsim verify xdp/NAME.o` runs the same verifier.", "");
  return L.join("\n");
}

/**
 * Why the targets are missed: what was measured with profiles (node --cpu-prof) and microbenchmarks
 * on this kind of host while building the report. Kept next to the figures so the report says why.
 */
const WHY_MISSED = [
  "## Why the targets are missed",
  "",
  "Measured with `node --cpu-prof` on the bench loop and small microbenchmarks on this host (2026-11-25):",
  "",
  "- **The host.** A tight int32 JS loop runs at ~0.8 ns per iteration here (about 2 cycles; a desktop does",
  "  ~0.3–0.4 ns), and the 2 vCPUs are shared: every JS figure carries that factor, the kernel's native code",
  "  far less.",
  "- **Per-packet set-up (JIT, firewall: ~100 of ~500 ns).** The kernel's repeat mode re-runs the program on",
  "  the buffer in place; xdpsim starts every packet from the captured bytes, as the contract says, copying",
  "  the frame into test_run's layout (256 B headroom) — ~2 ns per 4-byte word on this host even as aligned",
  "  int32 copies. Programs that provably never write the packet (v4, globals) run in place without the copy",
  "  (`src/pipeline/find-packet-writes.ts`); firewall swaps MACs for XDP_TX and lb rewrites headers, so they",
  "  keep it. The rest is the call chain runPacket → executor → entry adapter → program (~20 ns).",
  "- **The program itself (~60 % of the JIT's time).** A 64-bit BPF register is two int32 locals; every ALU",
  "  op whose high word is not proven constant becomes 3–6 JS operations, and every typed-array access keeps",
  "  V8's bounds check. Firewall's 1,400 instructions compile to one ~100 KB JS function that V8 optimises",
  "  as a whole only after a long background compile (the bench warms up until passes stop getting faster).",
  "- **Maps (~50 ns per hash/LRU lookup).** Lookups go through the JS map classes: the key is read through a",
  "  DataView, hashed, probed in an open-addressing table, and the LRU reference bit set — the kernel inlines",
  "  `__htab_map_lookup_elem` with a jhash in a few dozen native instructions.",
  "- **Helpers.** `trace_printk` (globals) formats in JS (~10 µs a call) against the kernel's ~2 µs.",
  "- **Interpreter (~20 ns per BPF instruction; firewall runs ~117 per packet).** A `switch` over the opcode",
  "  with registers in a Uint32Array: decode, dispatch and pair arithmetic per instruction; 3 Mpps would need",
  "  ~2.8 ns per instruction.",
  "- **End to end.** tcpdump copies records without looking at them; `xdpsim run` parses every record, runs",
  "  the program, writes one pcap per verdict, and with `--results` hex-encodes every output packet into",
  "  results.jsonl (the biggest single cost: compare the two run rows above).",
  "- **Load + verify + JIT.** The verifier is an abstract interpreter over every path (firewall: 6,381",
  "  states) with 64-bit bounds as BigInt; a cold process runs it in V8's unoptimised tiers (warm: ~30–90 ms",
  "  for firewall). Code generation plus V8's first compile of the generated source add ~60 ms.",
];

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
