// --map-init campaign: random JSON documents (prototype keys, wrong sizes, huge arrays, non-hex
// strings, bad CPUs, garbage types) applied to the maps of xdp/firewall.o, lb.o and tailcall.o.
// Each applies or throws a UsageError naming the map and the entry; nothing else, no pollution.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../src/errors.js";
import { loadObject } from "../../src/loader/load-object.js";
import type { ObjectSpec } from "../../src/loader/types.js";
import { applyMapInit } from "../../src/pipeline/apply-map-init.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { REPO } from "./elf-campaign.js";
import { caseSeed, describeError, Rng, Tally, type CampaignOptions, type CampaignResult } from "./fuzz-support.js";

const PROTO_NAMES = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"];

function bytesOf(r: Rng, n: number): unknown {
  const arr = Array.from({ length: n }, () => r.int(256));
  switch (r.int(4)) {
    case 0: return arr;
    case 1: return arr.map((x) => "0x" + x.toString(16).padStart(2, "0"));
    case 2: return Buffer.from(arr).toString("hex");
    default: return "0x" + Buffer.from(arr).toString("hex");
  }
}

/** A BYTES value: usually the right size, often not, sometimes not bytes at all. */
function badBytes(r: Rng, size: number): unknown {
  switch (r.int(16)) {
    case 0: return bytesOf(r, size + r.pick([-1, 1, -size, 7]));
    case 1: return "zz" + "00".repeat(Math.max(0, size - 1));
    case 2: return "0".repeat(size * 2 + 1);
    case 3: return Array.from({ length: size }, (_, k) => (k === 0 ? r.pick([256, -1, 1.5, NaN, "0x100", "g", null, {}, [], true, 1e300]) : 0));
    case 4: return r.pick([null, true, 42, -1, 3.5, {}, { length: size }, "", "0x", " ", "\u0000"]);
    case 5: return r.chance(0.2) ? new Array(r.pick([1 << 16, 1 << 20])).fill(0) : bytesOf(r, size);
    case 6: return r.chance(0.2) ? "ab".repeat(r.pick([1 << 16, 1 << 20])) : bytesOf(r, size);
    case 7: return JSON.parse('{"__proto__": {"polluted": 1}, "length": 4}');
    default: return bytesOf(r, size);
  }
}

function entry(r: Rng, obj: ObjectSpec, mapName: string): unknown {
  const m = obj.maps.find((x) => x.name === mapName);
  const ks = m?.keySize ?? 4;
  const vs = m?.valueSize ?? 4;
  const e: Record<string, unknown> = {};
  if (r.chance(0.1)) return r.pick([null, 1, "x", [], [1, 2], true]);
  if (r.chance(0.1)) return JSON.parse(`{"__proto__": {"key": ${JSON.stringify(bytesOf(r, ks))}, "value": ${JSON.stringify(bytesOf(r, vs))}}}`);
  e.key = r.chance(0.6) ? (ks === 4 && r.chance(0.3) ? r.pick([0, 1, -1, 2 ** 32, 1.5, m ? m.maxEntries : 0, m ? m.maxEntries - 1 : 0]) : bytesOf(r, ks)) : badBytes(r, ks);
  if (r.chance(0.2)) {
    e.values = r.chance(0.3) ? r.pick([null, 1, "x", {}]) : Array.from({ length: r.int(4) }, () => r.chance(0.5)
      ? { cpu: r.pick([0, 1, 2, -1, 1.5, "0", null, 64, 2 ** 32]), value: r.chance(0.7) ? bytesOf(r, vs) : badBytes(r, vs) }
      : r.pick([null, 1, [], { value: bytesOf(r, vs) }]));
  } else if (r.chance(0.9)) {
    e.value = r.chance(0.6) ? (r.chance(0.2) ? r.pick(["xdp_firewall", "parse_ipv4", "nope", 1, 4]) : bytesOf(r, vs)) : badBytes(r, vs);
  }
  if (r.chance(0.05)) e.__proto__ = { polluted: true };
  return e;
}

function doc(r: Rng, obj: ObjectSpec): unknown {
  if (r.chance(0.05)) return r.pick([null, [], 1, "x", true, JSON.parse('{"__proto__": []}')]);
  const names = obj.maps.map((m) => m.name);
  const out: Record<string, unknown> = {};
  const n = r.range(1, 3);
  for (let k = 0; k < n; k++) {
    const name = r.chance(0.8) ? r.pick(names) : r.pick([...PROTO_NAMES, "", "nope", ".kconfig", "a\nb", "'\"`${}"]);
    const count = r.chance(0.01) ? r.pick([100000, 1 << 20]) : r.int(6);
    let entries: unknown = r.chance(0.05) ? r.pick([null, {}, "x", 1]) : null;
    if (entries === null) entries = count > 1000 ? new Array(count).fill({ key: 0, value: 0 }) : Array.from({ length: count }, () => entry(r, obj, name));
    // Own "__proto__" keys, as JSON.parse makes them.
    if (name === "__proto__") Object.defineProperty(out, "__proto__", { value: entries, enumerable: true, configurable: true, writable: true });
    else out[name] = entries;
  }
  return r.chance(0.5) ? JSON.parse(JSON.stringify(out)) : out;
}

export function runMapInitCampaign(opts: CampaignOptions): CampaignResult {
  const t = new Tally("mapinit", opts);
  const objs = ["firewall.o", "lb.o", "tailcall.o", "globals.o"].map((f) => loadObject(new Uint8Array(readFileSync(join(REPO, "xdp", f))), f));
  for (const i of t.cases()) {
    const r = new Rng(caseSeed(opts.seed, i));
    const obj = r.pick(objs);
    const d = doc(r, obj);
    const t0 = performance.now();
    try {
      const rt = new Runtime(obj, { ncpus: 2 });
      applyMapInit(rt, d, "fuzz.json");
      t.outcome("applied");
    } catch (e) {
      if (!(e instanceof UsageError)) {
        t.fail(i, `non-UsageError on ${obj.file}`, describeError(e));
      } else {
        const msg = e.message;
        const perMap = /: map '/.test(msg) || /no map named '/.test(msg);
        const docLevel = /expected a JSON object/.test(msg);
        if (!perMap && !docLevel) t.fail(i, "error names no map", msg);
        if (/: (key|value|values\[\d+\]\.value)\b/.test(msg) && !/entry \d+/.test(msg)) t.fail(i, "entry error names no entry", msg);
        if (msg.length > 400) t.fail(i, "error message too long", msg.slice(0, 200));
        t.outcome("usage-error");
      }
    }
    if (({} as Record<string, unknown>).polluted !== undefined || (Object.prototype as unknown as Record<string, unknown>).key !== undefined) {
      t.fail(i, "Object.prototype polluted", JSON.stringify(d).slice(0, 200));
      delete (Object.prototype as unknown as Record<string, unknown>).polluted;
    }
    t.timed(i, performance.now() - t0);
  }
  return t.finish();
}
