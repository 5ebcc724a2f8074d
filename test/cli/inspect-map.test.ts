// `run --pin-dir` + `xdpsim map …` + `pin ls|rm` against the real bpftool's map recordings: the state a
// replay leaves, dumped like `bpftool map dump` (plain and -j); pins accumulate, are atomic, and are checked.

import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";
import { xdpsim } from "./inspect-helpers.js";

const REC = join(REPO, "test/kernel/fixtures/bpftool");

/** The run arguments the recording used (cmd.txt: --prog, --map-init). */
function recordedRunArgs(d: string): string[] {
  const cmd = readFileSync(join(REC, d, "cmd.txt"), "utf8").trim().split(/\s+/);
  const out: string[] = [];
  for (const opt of ["--prog", "--map-init"]) {
    const i = cmd.indexOf(opt);
    if (i >= 0) out.push(opt, cmd[i + 1]);
  }
  return out;
}

const sortByKey = (rows: { key: string[] }[]) => rows.slice().sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));

describe("xdpsim map / pin (bpftool parity)", function () {
  this.timeout(300_000);
  const tmp = mkdtempSync(join(tmpdir(), "xdpsim-pins-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe("map dump after run --pin-dir equals bpftool map dump of the kernel run", () => {
    for (const d of ["firewall", "adjust", "frags", "globals", "lb", "v4"]) {
      it(d, () => {
        const pins = join(tmp, `rec-${d}`);
        const ncpus = 2; // the recording host's possible CPUs
        const r = xdpsim(["run", `xdp/${d}.o`, "pcaps/sample.pcap", ...recordedRunArgs(d), "--pin-dir", pins, "--out", join(tmp, `out-${d}`), "--cpus", String(ncpus)]);
        expect(r.status, r.stderr).to.equal(0);
        let compared = 0;
        for (const f of readdirSync(join(REC, d)).filter((f) => /^map-dump\..*\.json$/.test(f))) {
          const show = JSON.parse(readFileSync(join(REC, d, f.replace("map-dump", "map-show")), "utf8"));
          if (show.frozen) continue; // .rodata is constant: never pinned
          // bpftool prints {"error": …} for empty devmap slots; xdpsim dumps only filled ones (as maps.json does).
          const rec = JSON.parse(readFileSync(join(REC, d, f), "utf8")).filter((e: { value?: { error?: string } }) => !e.value?.error);
          const j = xdpsim(["map", "dump", show.name, "--pin-dir", pins, "-j"]);
          expect(j.status, j.stderr).to.equal(0);
          expect(sortByKey(JSON.parse(j.stdout)), `${show.name} -j`).to.deep.equal(sortByKey(rec));
          const s = xdpsim(["map", "show", show.name, "--pin-dir", pins, "-j"]);
          const ours = JSON.parse(s.stdout);
          for (const k of ["type", "name", "flags", "bytes_key", "bytes_value", "max_entries"]) expect(ours[k], `${show.name} ${k}`).to.equal(show[k]);
          compared++;
        }
        expect(compared).to.be.greaterThan(0);
      });
    }

    it("plain dump of an array map is byte-identical to bpftool's", () => {
      const pins = join(tmp, "rec-firewall");
      const r = xdpsim(["map", "dump", "drop_reasons", "--pin-dir", pins]);
      expect(r.stdout).to.equal(readFileSync(join(REC, "firewall", "map-dump.drop_reasons.txt"), "utf8"));
      expect(xdpsim(["map", "dump", "drop_reasons", "--pin-dir", pins, "-j"]).stdout.trim())
        .to.equal(readFileSync(join(REC, "firewall", "map-dump.drop_reasons.json"), "utf8").trim());
    });
  });

  describe("pin lifecycle", () => {
    const pins = join(tmp, "life");
    const run = () => xdpsim(["run", "xdp/firewall.o", "pcaps/sample.pcap", "--pin-dir", pins, "--out", join(tmp, "out-life"), "--cpus", "1"]);
    const dropReasons = (): number[] => JSON.parse(xdpsim(["map", "dump", "drop_reasons", "--pin-dir", pins, "-j"]).stdout).map((e: { formatted: { value: number } }) => e.formatted.value);

    it("successive replays accumulate state; no temp files are left", () => {
      expect(run().status).to.equal(0);
      const once = dropReasons();
      expect(once.some((v) => v > 0)).to.equal(true);
      expect(run().status).to.equal(0);
      expect(dropReasons()).to.deep.equal(once.map((v) => 2 * v));
      expect(readdirSync(pins).filter((f) => !f.endsWith(".json"))).to.deep.equal([]);
    });

    it("map list / pin ls show the pinned maps", () => {
      const l = xdpsim(["map", "list", "--pin-dir", pins]);
      expect(l.stdout).to.match(/^\d+: array  name drop_reasons  flags 0x0\n\tkey 4B  value 8B  max_entries 6\n\tbtf_id 1$/m);
      const p = JSON.parse(xdpsim(["pin", "ls", "--pin-dir", pins, "-j"]).stdout);
      expect(p.map((x: { name: string }) => x.name)).to.include.members(["drop_reasons", "src_stats", "verdict_stats"]);
    });

    it("map update / lookup / delete edit a pinned hash map", () => {
      const key = ["key", "hex", "02", "00", "00", "00", "c0", "a8", "00", "01", ...Array(12).fill("00")];
      const value = ["value", ...Array(8).fill("0"), "0x40", ...Array(15).fill("0")];
      expect(xdpsim(["map", "update", "src_stats", ...key, ...value, "noexist", "--pin-dir", pins]).status).to.equal(0);
      const l = JSON.parse(xdpsim(["map", "lookup", "src_stats", ...key, "--pin-dir", pins, "-j"]).stdout);
      expect(l.formatted).to.deep.equal({ key: { family: 2, addr: [192, 168, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }, value: { packets: 0, bytes: 64, dropped: 0 } });
      const again = xdpsim(["map", "update", "src_stats", ...key, ...value, "noexist", "--pin-dir", pins]);
      expect(again.status).to.equal(2);
      expect(again.stderr).to.match(/EEXIST/);
      expect(xdpsim(["map", "delete", "src_stats", ...key, "--pin-dir", pins]).status).to.equal(0);
      expect(xdpsim(["map", "lookup", "src_stats", ...key, "--pin-dir", pins]).status).to.equal(2);
      const arr = xdpsim(["map", "delete", "drop_reasons", "key", "0", "0", "0", "0", "--pin-dir", pins]);
      expect(arr.status).to.equal(2);
    });

    it("a corrupt pin file is an error naming the file, never silently reset", () => {
      const file = join(pins, "drop_reasons.json");
      const good = readFileSync(file, "utf8");
      writeFileSync(file, good.slice(0, 50));
      const r = run();
      expect(r.status).to.equal(2);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
      expect(r.stderr).to.include(file);
      expect(readFileSync(file, "utf8")).to.equal(good.slice(0, 50));
      writeFileSync(file, good);
    });

    it("a pinned map whose definition differs is refused (couldn't reuse pinned map)", () => {
      const file = join(pins, "drop_reasons.json");
      const good = readFileSync(file, "utf8");
      writeFileSync(file, good.replace(/"max_entries": 6/, '"max_entries": 7'));
      const r = run();
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(/couldn't reuse pinned map 'drop_reasons': max_entries differs \(pinned 7, object 6\)/);
      writeFileSync(file, good);
    });

    it("pin rm removes pins; the next run starts fresh", () => {
      expect(xdpsim(["pin", "rm", "drop_reasons", "--pin-dir", pins]).status).to.equal(0);
      expect(existsSync(join(pins, "drop_reasons.json"))).to.equal(false);
      expect(xdpsim(["pin", "rm", "nope", "--pin-dir", pins]).status).to.equal(2);
      expect(xdpsim(["pin", "rm", "--all", "--pin-dir", pins]).status).to.equal(0);
      expect(readdirSync(pins)).to.deep.equal([]);
    });
  });
});
