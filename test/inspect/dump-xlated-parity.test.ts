// `prog dump xlated` against the real bpftool: every XDP program of xdp/*.o, the XDP test objects and
// test/inspect/fixtures/rewrites.o, in every mode (plain, linum, opcodes, -j, -j linum, -j opcodes),
// byte for byte after our map ids are replaced by the recorded ones (matched by kernel map name);
// the DOT graph block by block. Recordings: test/inspect/fixtures/xlated (record-xlated.py).
// A live comparison runs when this machine can load programs (bpftool + bpf() as root).

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";
import { loadObjectFromFile } from "../../src/pipeline/create-simulation.js";
import type { ObjectSpec } from "../../src/loader/types.js";
import { collectXlatedDump, formatXlatedJson, formatXlatedPlain, stringifyBpftoolJson, type XlatedInsn } from "../../src/inspect/dump-xlated.js";
import { formatCfgDot } from "../../src/inspect/format-cfg-dot.js";
import { kernelMapName } from "../../src/inspect/object-ids.js";

const REC = join(REPO, "test/inspect/fixtures/xlated");

interface Case {
  set: string;
  name: string;
  object: string;
  progs: string[];
  meta: { kernel: string; maps: Record<string, string>; programs: Record<string, { bytes_xlated: number }> };
}

function objectPath(set: string, name: string): string {
  if (set === "xdp") return join(REPO, "xdp", `${name}.o`);
  if (set === "inspect") return join(REPO, "test/inspect/fixtures", `${name}.o`);
  return join(REPO, "test/fixtures/objects", `${name}.o`);
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const set of readdirSync(REC).sort()) {
    for (const name of readdirSync(join(REC, set)).sort()) {
      const dir = join(REC, set, name);
      const progs = readdirSync(dir).filter((f) => f.endsWith(".plain.txt")).map((f) => f.replace(/\.plain\.txt$/, "")).sort();
      out.push({ set, name, object: objectPath(set, name), progs, meta: JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) });
    }
  }
  return out;
}

/** Our map id -> the id the recording gave the map of the same kernel name. */
function idRemap(obj: ObjectSpec, recMaps: Record<string, string>): Map<number, number> {
  const byName = new Map(Object.entries(recMaps).map(([id, n]) => [n, Number(id)]));
  const m = new Map<number, number>();
  obj.maps.forEach((spec, slot) => {
    const rec = byName.get(kernelMapName(spec, obj.file));
    if (rec !== undefined) m.set(slot + 1, rec);
  });
  return m;
}

/** Replace map ids in the disassembly and in the lddw's immediate bytes. */
function remapIds(insns: readonly XlatedInsn[], remap: Map<number, number>): XlatedInsn[] {
  return insns.map((x) => {
    if (x.bytes[0] !== 0x18 || ![1, 2].includes(x.bytes[1] >> 4)) return x;
    const bytes = x.bytes.slice();
    const dv = new DataView(bytes.buffer);
    const ours = dv.getUint32(4, true);
    const rec = remap.get(ours);
    if (rec === undefined) throw new Error(`map id ${ours} has no recorded counterpart`);
    dv.setUint32(4, rec, true);
    return { ...x, bytes, disasm: x.disasm.replace(`map[id:${ours}]`, `map[id:${rec}]`) };
  });
}

/** Basic blocks (function-relative first..last insn) and edges of a DOT graph, per function. */
function dotShape(dot: string, absolute: boolean): string[] {
  const funcs = dot.split(/^subgraph /m).slice(1);
  return funcs.map((f) => {
    const blocks = new Map<string, number[]>();
    const lastIsExit = new Set<string>();
    for (const m of f.matchAll(/\t(fn_\d+_bb_\d+) \[shape=record,style=filled,label="\{([\s\S]*?)\}"\];/g)) {
      const idx = [...m[2].matchAll(/(?:^|\| |\\\n)\s*(\d+): \(/g)].map((y) => Number(y[1]));
      blocks.set(m[1], idx);
      if (/\(95\)\\? exit\\l\\\n\s*$/.test(m[2])) lastIsExit.add(m[1]);
    }
    const base = absolute ? Math.min(...[...blocks.values()].flat()) : 0;
    const name = (id: string) => {
      const b = blocks.get(id);
      return b ? `${b[0] - base}..${b[b.length - 1] - base}` : id.replace(/^fn_\d+_bb_0$/, "ENTRY").replace(/^fn_\d+_bb_1$/, "EXIT");
    };
    const edges = [...f.matchAll(/\t(fn_\d+_bb_\d+):s -> (fn_\d+_bb_\d+):n \[style="solid,bold"/g)]
      .filter((e) => !lastIsExit.has(e[1])) // bpftool sends an exit block to the next block, xdpsim to EXIT
      .map((e) => `${name(e[1])}->${name(e[2])}`).sort();
    return [...[...blocks.values()].map((b) => `${b[0] - base}..${b[b.length - 1] - base}`).sort(), ...edges].join(" ");
  });
}

describe("prog dump xlated equals bpftool's (recorded on the reference kernel)", function () {
  this.timeout(300_000);
  for (const c of cases()) {
    describe(`${c.set}/${c.name}.o`, () => {
      let obj: ObjectSpec;
      let remap: Map<number, number>;
      before(async () => {
        obj = await loadObjectFromFile(c.object);
        remap = idRemap(obj, c.meta.maps);
      });
      for (const prog of c.progs) {
        const rec = (mode: string) => readFileSync(join(REC, c.set, c.name, `${prog}.${mode}`), "utf8");
        it(`${prog}: plain, linum, opcodes text`, () => {
          const d = collectXlatedDump(obj, obj.programs.find((p) => p.name === prog)!);
          const insns = remapIds(d.insns, remap);
          expect(formatXlatedPlain(insns), "plain").to.equal(rec("plain.txt"));
          expect(d.program.insns.length * 8, "bytes_xlated").to.equal(c.meta.programs[prog.slice(0, 15)].bytes_xlated);
          expect(formatXlatedPlain(insns, { linum: true }), "linum").to.equal(rec("linum.txt"));
          expect(formatXlatedPlain(insns, { opcodes: true }), "opcodes").to.equal(rec("opcodes.txt"));
        });
        it(`${prog}: -j, -j linum, -j opcodes`, () => {
          const d = collectXlatedDump(obj, obj.programs.find((p) => p.name === prog)!);
          const insns = remapIds(d.insns, remap);
          expect(stringifyBpftoolJson(formatXlatedJson(insns)) + "\n", "-j").to.equal(rec("json"));
          expect(stringifyBpftoolJson(formatXlatedJson(insns, { linum: true })) + "\n", "-j linum").to.equal(rec("linum.json"));
          expect(stringifyBpftoolJson(formatXlatedJson(insns, { opcodes: true })) + "\n", "-j opcodes").to.equal(rec("opcodes.json"));
        });
        it(`${prog}: visual has bpftool's basic blocks and edges`, function () {
          const file = join(REC, c.set, c.name, `${prog}.visual.dot`);
          if (!existsSync(file)) {
            console.log(`      (no recording: bpftool v7.1 crashed drawing ${prog})`);
            this.skip();
          }
          const d = collectXlatedDump(obj, obj.programs.find((p) => p.name === prog)!);
          const ours = formatCfgDot(d.program, d.insns);
          const a = dotShape(ours, false);
          const b = dotShape(readFileSync(file, "utf8"), true);
          expect(a.length, "functions").to.equal(b.length);
          a.forEach((fa, k) => {
            const [x, y] = [new Set(fa.split(" ")), new Set(b[k].split(" "))];
            expect({ onlyXdpsim: [...x].filter((t) => !y.has(t)), onlyBpftool: [...y].filter((t) => !x.has(t)) }, `function ${k}`)
              .to.deep.equal({ onlyXdpsim: [], onlyBpftool: [] });
          });
        });
      }
    });
  }

  it("the normalisation itself could fail: a wrong map id is caught", async () => {
    const obj = await loadObjectFromFile(join(REPO, "xdp/firewall.o"));
    const d = collectXlatedDump(obj, obj.programs[0]);
    const meta = JSON.parse(readFileSync(join(REC, "xdp/firewall/meta.json"), "utf8"));
    const swapped = Object.fromEntries(Object.entries(meta.maps as Record<string, string>).map(([id, n], k, all) => [id, all[(k + 1) % all.length][1]]));
    expect(formatXlatedPlain(remapIds(d.insns, idRemap(obj, swapped)))).to.not.equal(readFileSync(join(REC, "xdp/firewall/xdp_firewall.plain.txt"), "utf8"));
  });
});

/** Run bpftool; null when it cannot be run at all. */
function bpftool(args: string[]): { status: number | null; stdout: string; stderr: string } | null {
  const r = spawnSync("bpftool", args, { encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.error) return null;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("prog dump xlated equals the live kernel's (when this machine can load programs)", function () {
  this.timeout(300_000);
  const pin = `/sys/fs/bpf/xdpsim-xlated-live-${process.pid}`;
  let reason = "";
  before(function () {
    try {
      mkdirSync(pin, { recursive: true });
    } catch (e) {
      reason = `cannot create ${pin} (${(e as Error).message}): no writable bpffs`;
    }
    const probe = reason ? undefined : bpftool(["prog", "loadall", join(REPO, "xdp/adjust.o"), join(pin, "adjust")]);
    if (probe === undefined) { /* reason already set */ } else if (probe === null) reason = "bpftool is not installed";
    else if (probe.status !== 0) reason = `bpftool prog loadall failed (${probe.stderr.split("\n").find((l) => l.startsWith("Error")) ?? probe.stderr.trim()})`;
    rmSync(join(pin, "adjust"), { recursive: true, force: true });
    if (reason) {
      rmSync(pin, { recursive: true, force: true });
      console.log(`      (skipped: ${reason}; the recorded comparisons above still ran)`);
      this.skip();
    }
  });
  after(() => rmSync(pin, { recursive: true, force: true }));

  const reference = JSON.parse(readFileSync(join(REC, "xdp/adjust/meta.json"), "utf8")).kernel as string;
  // Every recorded object (maps.o pins one map by name at /sys/fs/bpf/pinned_cfg: removed again after).
  const byName = "/sys/fs/bpf/pinned_cfg";
  for (const c of cases()) {
    it(`${c.set}/${c.name}.o: every program`, async () => {
      const dir = join(pin, `${c.set}-${c.name}`);
      const hadPin = existsSync(byName);
      const load = bpftool(["prog", "loadall", c.object, dir]);
      if (!hadPin && existsSync(byName)) rmSync(byName);
      expect(load?.status, load?.stderr).to.equal(0);
      try {
        const obj = await loadObjectFromFile(c.object);
        // Kernel function offsets and the tags hashed over them belong to a kernel build.
        const sameBuild = spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim() === reference;
        const norm = (s: string) => (sameBuild ? s : s.replace(/(call [a-z_0-9]+)#-?\d+/g, "$1").replace(/bpf_prog_[0-9a-f]{16}_/g, "bpf_prog_TAG_")
          .replace(/= 0xffffffff[0-9a-f]{8}$/gm, "= ADDR").replace(/r0 = -?\d+\n(\s+\d+: \(bf\) r0 = r0)/g, "r0 = ADDR\n$1"));
        for (const p of readdirSync(dir).sort()) {
          const info = JSON.parse(bpftool(["-j", "prog", "show", "pinned", join(dir, p)])!.stdout);
          const names: Record<string, string> = {};
          for (const id of info.map_ids ?? []) names[id] = JSON.parse(bpftool(["-j", "map", "show", "id", String(id)])!.stdout).name;
          const live = bpftool(["prog", "dump", "xlated", "pinned", join(dir, p)])!.stdout;
          const d = collectXlatedDump(obj, obj.programs.find((x) => x.name.slice(0, 15) === info.name)!);
          expect(norm(formatXlatedPlain(remapIds(d.insns, idRemap(obj, names)))), p).to.equal(norm(live));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
