// Program tags: the kernel's bpf_prog_calc_tag over the linked image (map immediates zeroed),
// equal to the tags bpftool showed for every recorded program, and live against this kernel.

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import type { Insn } from "../../src/isa/insn.js";
import { computeInsnsTag, computeTag, tagInput } from "../../src/loader/compute-tag.js";
import { loadObject } from "../../src/loader/load-object.js";
import { LOADABLE, objectBytes, objectPath, recording } from "./object-fixtures.js";

const insn = (op: number, dst: number, src: number, off: number, imm: number): Insn => ({ op, dst, src, off, imm });

describe("loader/compute-tag", () => {
  describe("equals the tag the kernel reported (bpftool prog show)", () => {
    for (const name of LOADABLE) {
      const obj = loadObject(objectBytes(name), `${name}.o`);
      for (const rp of recording(name).programs) {
        it(`${name}.o ${rp.name} = ${rp.tag}`, () => {
          const p = obj.programs.find((x) => x.name.slice(0, 15) === rp.name)!;
          expect(computeTag(p)).to.equal(rp.tag);
        });
      }
    }
  });

  it("hashes with SHA-256 (kernel >= 6.18) or SHA-1 (older kernels)", () => {
    const prog = [insn(0xb7, 0, 0, 0, 2), insn(0x95, 0, 0, 0, 0)]; // r0 = 2; exit
    expect(computeInsnsTag(prog)).to.equal("614b434cd8324ecc"); // bpftool on 6.18 (xdp_devmap_prog)
    expect(computeInsnsTag(prog, "sha1")).to.equal("3b185187f1855c4c");
  });

  it("zeroes ld_imm64 map fd / map value immediates in both slots, nothing else", () => {
    const prog = [
      insn(0x18, 1, 1, 0, 7), insn(0, 0, 0, 0, 99), // map fd 7
      insn(0x18, 2, 2, 0, 3), insn(0, 0, 0, 0, 16), // map value slot 3 + 16
      insn(0x18, 3, 4, 0, 5), insn(0, 0, 0, 0, 0), // BPF_PSEUDO_FUNC keeps its imm
      insn(0x18, 4, 0, 0, 0x1234), insn(0, 0, 0, 0, 0x5678), // plain constant keeps both
      insn(0x95, 0, 0, 0, 0),
    ];
    const raw = tagInput(prog);
    const imm = (i: number) => new DataView(raw.buffer).getInt32(i * 8 + 4, true);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(imm)).to.deep.equal([0, 0, 0, 0, 5, 0, 0x1234, 0x5678]);
    const other = prog.map((x) => ({ ...x }));
    other[0].imm = 8;
    other[3].imm = 32;
    expect(computeInsnsTag(other)).to.equal(computeInsnsTag(prog));
  });

  describe("live: bpftool prog loadall on this machine", () => {
    const reason = liveUnavailable();
    it(`tags match the running kernel${reason ? ` (skipped: ${reason})` : ""}`, function () {
      if (reason) this.skip();
      this.timeout(20000);
      const [major, minor] = release().split(".").map((x) => parseInt(x, 10));
      const algorithm = major > 6 || (major === 6 && minor >= 18) ? "sha256" : "sha1";
      const pinRoot = mkdtempSync("/sys/fs/bpf/xdpsim-tag-");
      try {
        for (const name of ["calls", "globals", "v4"]) {
          const dir = join(pinRoot, name);
          execFileSync("bpftool", ["prog", "loadall", objectPath(name), dir], { stdio: "pipe" });
          const obj = loadObject(new Uint8Array(readFileSync(objectPath(name))), name);
          for (const pin of readdirSync(dir)) {
            const info = JSON.parse(execFileSync("bpftool", ["-j", "prog", "show", "pinned", join(dir, pin)], { encoding: "utf8" })) as { name: string; tag: string };
            const p = obj.programs.find((x) => x.name.slice(0, 15) === info.name)!;
            expect(computeTag(p, algorithm), `${name}.o ${info.name}`).to.equal(info.tag);
          }
        }
      } finally {
        rmSync(pinRoot, { recursive: true, force: true });
      }
    });
  });
});

/** Why the live test cannot run here, or "" when it can. */
function liveUnavailable(): string {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return "needs root";
  let mounts = "";
  try {
    mounts = readFileSync("/proc/mounts", "utf8");
  } catch {
    return "no /proc/mounts";
  }
  if (!/ \/sys\/fs\/bpf bpf /.test(mounts)) return "bpffs is not mounted at /sys/fs/bpf";
  if (!["/usr/sbin/bpftool", "/usr/bin/bpftool", "/sbin/bpftool"].some((p) => existsSync(p))) return "bpftool is not installed";
  return "";
}
