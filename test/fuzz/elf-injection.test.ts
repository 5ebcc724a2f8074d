// JS injection through ELF names: copies of the example objects whose function, section, map, BTF
// and global-variable names are JavaScript (quotes, newlines, `*/`, `${}`) are loaded, JIT-compiled,
// run and dumped (--dump-jit): the payload never runs and the generated source never holds the names.

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { XdpsimError } from "../../src/errors.js";
import { getJitSource } from "../../src/exec/jit/create-jit.js";
import { loadObject } from "../../src/loader/load-object.js";
import { Simulation } from "../../src/pipeline/create-simulation.js";
import { renameBtf, renameSection, renameSymbol } from "./elf-edit.js";
import { REPO, sampleFrames } from "./elf-campaign.js";

const g = globalThis as Record<string, unknown>;

const PAYLOADS = [
  '"});globalThis.pwned=1;//',
  "x\nglobalThis.pwned=1;//",
  "*/globalThis.pwned=1;/*",
  "${globalThis.pwned=1}",
  "'+(globalThis.pwned=1)+'",
  "`;globalThis.pwned=1;`",
  "a\\\nglobalThis.pwned=1\r//",
];

interface Target {
  file: string;
  what: string;
  edit: (b: Uint8Array, name: string) => Uint8Array;
}

const TARGETS: Target[] = [
  { file: "firewall.o", what: "function symbol + BTF FUNC", edit: (b, n) => renameBtf(renameSymbol(b, "xdp_firewall", n), "xdp_firewall", n) },
  { file: "firewall.o", what: "program section", edit: (b, n) => renameSection(b, "xdp", "xdp" + n) },
  { file: "firewall.o", what: "map (BTF VAR + ELF symbol)", edit: (b, n) => renameSymbol(renameBtf(b, "blocklist_v4", n), "blocklist_v4", n) },
  { file: "v4.o", what: "map (BTF VAR + ELF symbol)", edit: (b, n) => renameSymbol(renameBtf(b, "tcp_flows", n), "tcp_flows", n) },
  { file: "v4.o", what: "global variable (.bss)", edit: (b, n) => renameSymbol(renameBtf(b, "segments", n), "segments", n) },
  { file: "globals.o", what: "global variables + .data section", edit: (b, n) => renameSection(renameSymbol(b, "next_seq", n), ".data", ".data." + n) },
  { file: "tailcall.o", what: "every function symbol", edit: (b, n) => {
    let out = b;
    for (const s of ["xdp_dispatch", "parse_ipv4", "parse_ipv6", "handle_tcp", "handle_udp", "handle_icmp", "tcp_syn_guard", "tail_recurse"]) {
      try { out = renameSymbol(out, s, `${s}${n}`); } catch { /* name not in this object */ }
    }
    return out;
  } },
];

describe("fuzz: JavaScript in ELF names never reaches the JIT", function () {
  this.timeout(60000);
  const frames = sampleFrames(3);
  let loaded = 0;

  afterEach(() => {
    expect(g.pwned, "payload executed").to.equal(undefined);
    delete g.pwned;
  });

  for (const t of TARGETS) {
    it(`${t.file}: ${t.what}`, () => {
      const base = new Uint8Array(readFileSync(join(REPO, "xdp", t.file)));
      for (const [k0, name] of PAYLOADS.entries()) {
        const bytes = t.edit(base.slice(), name);
        let obj;
        try {
          obj = loadObject(bytes, t.file);
        } catch (e) {
          expect(e, `load of ${JSON.stringify(name)}`).to.be.instanceOf(XdpsimError);
          continue;
        }
        loaded++;
        for (const p of obj.programs) {
          // The verifier is slow on big programs: verified for the first payload, unverified for all.
          for (const noVerify of k0 === 0 ? [false, true] : [true]) {
            let sim: Simulation;
            try {
              sim = new Simulation(obj, { prog: p.name, backend: "jit", noVerify, ncpus: 2 });
            } catch (e) {
              expect(e).to.be.instanceOf(XdpsimError);
              continue;
            }
            for (const f of frames) sim.runPacket(f, 0, f.length, 1, 0);
            for (let k = 0; k < obj.programs.length; k++) {
              const src = getJitSource(sim.rt, k);
              expect(src, `JIT source of ${obj.programs[k].name}`).not.to.include("pwned");
              expect(src).not.to.include(name);
            }
            expect(g.pwned, `payload ${JSON.stringify(name)} via ${t.what}`).to.equal(undefined);
          }
        }
      }
    });
  }

  it("the renamed objects mostly load (the test exercises the JIT, not just the loader)", () => {
    expect(loaded).to.be.greaterThan(PAYLOADS.length * 3);
  });
});
