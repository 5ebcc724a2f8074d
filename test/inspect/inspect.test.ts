// Library-level tests of src/inspect/: control-flow graph, function prototypes, json_writer layout,
// pin files (atomic writes, corrupt files named, reuse checks) and map ids/names (bpftool conventions).

import { expect } from "chai";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";
import { loadObjectFromFile, Simulation } from "../../src/pipeline/create-simulation.js";
import { buildCfg } from "../../src/inspect/format-cfg-dot.js";
import { formatFuncSignature } from "../../src/inspect/format-func-signature.js";
import { prettyJson } from "../../src/inspect/format-map.js";
import { kernelMapName } from "../../src/inspect/object-ids.js";
import { collectXlated, formatXlatedPlain } from "../../src/inspect/dump-xlated.js";
import { checkReuse, loadPinnedMaps, pinDefinition, readPinFile, savePinnedMaps, writePinFile } from "../../src/inspect/pin-store.js";
import { UsageError } from "../../src/errors.js";

describe("inspect (library)", function () {
  this.timeout(120_000);
  const tmp = mkdtempSync(join(tmpdir(), "xdpsim-inspect-lib-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("buildCfg: every block ends at a branch/exit or before a leader; edges are taken/fallthrough", async () => {
    const obj = await loadObjectFromFile(join(REPO, "xdp/lb.o"));
    const prog = obj.programs[0];
    const funcs = buildCfg(prog);
    expect(funcs.map((f) => f.name)).to.deep.equal(prog.subprogs.map((s) => s.name));
    for (const f of funcs) {
      expect(f.blocks[0].head).to.equal(f.start);
      expect(f.blocks[f.blocks.length - 1].tail).to.equal(f.end - 1);
      for (let k = 1; k < f.blocks.length; k++) expect(f.blocks[k].head).to.equal(f.blocks[k - 1].tail + 1);
      for (const b of f.blocks) {
        expect(b.succs.length).to.be.within(1, 2);
        if (b.succs.length === 2) expect(b.succs.map((e) => e.kind)).to.deep.equal(["fallthrough", "taken"]);
      }
    }
  });

  it("formatFuncSignature spells prototypes like bpftool (pointer as `T *`)", async () => {
    const obj = await loadObjectFromFile(join(REPO, "xdp/lb.o"));
    const sigs = obj.programs[0].funcInfo.map((f) => formatFuncSignature(obj.btf!, f.btfTypeId));
    expect(sigs).to.include("int xdp_lb(struct xdp_md * ctx)");
    expect(sigs).to.include("void csum_replace4(__sum16 * sum, __be32 from, __be32 to)");
  });

  it("formatXlatedPlain prints the prototype, the source line, then `% 4d: ` instructions", async () => {
    const obj = await loadObjectFromFile(join(REPO, "xdp/adjust.o"));
    const prog = obj.programs.find((p) => p.name === "xdp_snap")!;
    const text = formatXlatedPlain(collectXlated(obj, prog));
    expect(text.split("\n").slice(0, 3)).to.deep.equal(["int xdp_snap(struct xdp_md * ctx):", "; int xdp_snap(struct xdp_md *ctx)", "   0: (bf) r6 = r1"]);
  });

  it("prettyJson reproduces json_writer's layout", () => {
    expect(prettyJson('[{"key":{"family":2,"addr":[1,2]},"value":3}]')).to.equal(
      '[{\n        "key": {\n            "family": 2,\n            "addr": [1,2\n            ]\n        },\n        "value": 3\n    }\n]',
    );
    expect(prettyJson("[]")).to.equal("[]");
  });

  it("kernelMapName: object prefix for .bss/.data/.rodata, none for custom sections", async () => {
    const obj = await loadObjectFromFile(join(REPO, "xdp/globals.o"));
    const names = obj.maps.map((m) => kernelMapName(m, obj.file));
    expect(names).to.include.members(["globals.bss", "globals.data", "globals.rodata", ".rodata.str1.1"]);
  });

  it("save/load round trip; atomic files; corrupt and incompatible pins are UsageErrors naming the file", async () => {
    const obj = await loadObjectFromFile(join(REPO, "xdp/firewall.o"));
    const sim = new Simulation(obj, { noVerify: true, ncpus: 2 });
    const dir = join(tmp, "pins");
    const saved = savePinnedMaps(sim, dir);
    expect(saved).to.include.members(["drop_reasons", "src_stats", "verdict_stats"]);
    expect(readdirSync(dir).every((f) => f.endsWith(".json"))).to.equal(true);
    const sim2 = new Simulation(obj, { noVerify: true, ncpus: 2 });
    expect(loadPinnedMaps(sim2, dir)).to.deep.equal(saved);
    const file = join(dir, "drop_reasons.json");
    writeFileSync(file, "{");
    expect(() => loadPinnedMaps(sim2, dir)).to.throw(UsageError, file);
    const spec = obj.maps.find((m) => m.name === "drop_reasons")!;
    const want = pinDefinition(spec, obj.file, obj.btf);
    expect(() => checkReuse(file, { ...want, key_size: 8 }, want)).to.throw(UsageError, /couldn't reuse pinned map 'drop_reasons': key_size differs/);
    expect(() => readPinFile(join(dir, "missing.json"))).to.throw(UsageError, "missing.json");
  });

  it("per-CPU pins keep every CPU's value: more CPUs than --cpus is refused naming the map and both counts", async () => {
    const obj = await loadObjectFromFile(join(REPO, "xdp/firewall.o"));
    const dir = join(tmp, "pins-percpu");
    savePinnedMaps(new Simulation(obj, { noVerify: true, ncpus: 4 }), dir);
    const file = join(dir, "verdict_stats.json");
    const pin = readPinFile(file);
    expect(pin.cpus).to.equal(4);
    expect(pin.entries[1].values!.map((v) => v.cpu)).to.deep.equal([0, 1, 2, 3]);
    pin.entries[1].values![3].value = pin.entries[1].values![3].value.map((_, i) => (i === 0 ? "0x2a" : "0x00"));
    writePinFile(dir, pin);
    // Same CPU count: CPU 3's value survives a load/save round trip.
    const sim4 = new Simulation(obj, { noVerify: true, ncpus: 4 });
    loadPinnedMaps(sim4, dir);
    savePinnedMaps(sim4, dir);
    expect(readPinFile(file).entries[1].values![3].value[0]).to.equal("0x2a");
    // Fewer CPUs: refused, nothing silently dropped.
    expect(() => loadPinnedMaps(new Simulation(obj, { noVerify: true, ncpus: 2 }), dir))
      .to.throw(UsageError, /verdict_stats\.json: couldn't reuse pinned map 'verdict_stats': its per-CPU values cover 4 CPUs but this run simulates 2 \(--cpus 2\); run with --cpus 4/);
    expect(readPinFile(file).entries[1].values![3].value[0]).to.equal("0x2a");
    // More CPUs: the extra CPUs start from zero (nothing is lost).
    const sim8 = new Simulation(obj, { noVerify: true, ncpus: 8 });
    loadPinnedMaps(sim8, dir);
    savePinnedMaps(sim8, dir);
    const v = readPinFile(file).entries[1].values!;
    expect(v.map((x) => x.cpu)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(v[3].value[0]).to.equal("0x2a");
    expect(v[7].value.every((b) => b === "0x00")).to.equal(true);
  });
});
