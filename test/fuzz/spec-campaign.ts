// Test-spec campaign (issue #8, "spec JSON"): the example specs of test/specs/, parsed and then
// mutated — prototype keys, wrong types, huge arrays, non-hex strings, bad addresses and ports,
// out-of-range indices, deep nesting — and validated; a share of the valid results is also run.
// Pass: validateSpec accepts, or throws a SpecError whose message names the spec file and the place
// (`fuzz.yaml: expect[2].verdict: …`); runSpec resolves or throws an XdpsimError; no other exception,
// no prototype pollution, bounded time.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load as loadYaml } from "js-yaml";
import { XdpsimError } from "../../src/errors.js";
import { SpecError, validateSpec } from "../../src/testing/load-spec.js";
import { runSpec } from "../../src/testing/run-spec.js";
import { REPO } from "./elf-campaign.js";
import { caseSeed, describeError, Rng, Tally, type CampaignOptions, type CampaignResult } from "./fuzz-support.js";

const SPEC_DIR = join(REPO, "test", "specs");

const HOSTILE: unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 32, 2 ** 53, -(2 ** 31), NaN, "", " ", "0x", "zz", "0xzz", "__proto__",
  "constructor", "a\nb", "'\"`${}", "*/", "\u2028", "999.1.1.1", "::::::", "10.0.0.0/99", "XDP_NOPE", "pass ",
  [], [[]], {}, { __proto__: null }, "ab".repeat(70_000), "ff".repeat(5000),
];
const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"];

/** Every (container, key) in a parsed document. */
function slots(doc: unknown): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  // Each container once: mutations share objects (an array filled with one object), and walking
  // shared structure again and again would blow up.
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 12 || typeof v !== "object" || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); walk(x, depth + 1); });
    else for (const k of Object.keys(v)) { out.push([v as Record<string, unknown>, k]); walk((v as Record<string, unknown>)[k], depth + 1); }
  };
  walk(doc, 0);
  return out;
}

function mutate(r: Rng, doc: Record<string, unknown>): void {
  const n = r.range(1, 4);
  for (let k = 0; k < n; k++) {
    const all = slots(doc);
    if (all.length === 0) return;
    const [c, key] = r.pick(all);
    switch (r.int(8)) {
      case 0: case 1: case 2:
        (c as Record<string | number, unknown>)[key] = r.pick(HOSTILE);
        break;
      case 3: // own prototype-named key, as JSON.parse makes it
        if (!Array.isArray(c)) Object.defineProperty(c, r.pick(PROTO_KEYS), { value: r.chance(0.5) ? { polluted: 1 } : r.pick(HOSTILE), enumerable: true, configurable: true, writable: true });
        break;
      case 4: // unknown key
        if (!Array.isArray(c)) c[r.pick(["bogus", "verdicts", "Packets", "expect ", "$ref"])] = 1;
        break;
      case 5: // huge array (of distinct objects: a shared one would make the document a DAG)
        (c as Record<string | number, unknown>)[key] = r.chance(0.5) ? Array.from({ length: r.pick([1000, 100_000]) }, () => (r.chance(0.5) ? 0 : { verdict: "XDP_PASS" })) : [];
        break;
      case 6: // deep nesting
        {
          let v: unknown = 1;
          for (let d = 0; d < r.pick([10, 100, 1000]); d++) v = r.chance(0.5) ? [v] : { a: v };
          (c as Record<string | number, unknown>)[key] = v;
        }
        break;
      default: // delete
        if (Array.isArray(c)) c.splice(Number(key), 1);
        else delete c[key as string];
    }
  }
}

export async function runSpecCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const t = new Tally("spec", { caseLimitMs: 30_000, ...opts });
  const bases = readdirSync(SPEC_DIR).filter((f) => f.endsWith(".yaml")).sort()
    .map((f) => ({ file: join(SPEC_DIR, f), text: readFileSync(join(SPEC_DIR, f), "utf8") }));
  for (const i of t.cases()) {
    const r = new Rng(caseSeed(opts.seed, i));
    const base = r.pick(bases);
    const doc = loadYaml(base.text) as Record<string, unknown>;
    mutate(r, doc);
    const file = join(SPEC_DIR, "fuzz.yaml"); // relative paths resolve like the base's
    const t0 = performance.now();
    try {
      const spec = validateSpec(r.chance(0.5) ? JSON.parse(JSON.stringify(doc)) : doc, file);
      t.outcome("valid");
      if (r.chance(0.25)) {
        try {
          await runSpec(spec, {});
          t.outcome("ran");
        } catch (e) {
          if (!(e instanceof XdpsimError)) t.fail(i, `runSpec threw a non-XdpsimError (base ${base.file})`, describeError(e));
          else t.outcome("run-error");
        }
      }
    } catch (e) {
      if (!(e instanceof SpecError)) t.fail(i, `validateSpec threw a non-SpecError (base ${base.file})`, describeError(e));
      else {
        if (!e.message.startsWith(`${file}: `)) t.fail(i, "SpecError does not name the file", e.message);
        if (e.message.length > 600) t.fail(i, "SpecError message too long", e.message.slice(0, 200));
        t.outcome("spec-error");
      }
    }
    if (({} as Record<string, unknown>).polluted !== undefined) {
      t.fail(i, "Object.prototype polluted", JSON.stringify(doc).slice(0, 200));
      delete (Object.prototype as unknown as Record<string, unknown>).polluted;
    }
    t.timed(i, performance.now() - t0);
  }
  return t.finish();
}
