// Safety net for verifier refactors: runs verifyProgram over every program of every example,
// fixture and corpus object at log levels 0, 1 and 2 (root, and unprivileged for the examples) and
// writes or compares a JSON snapshot of every output (ok, error, log, processedInsns, stackDepths, facts).
//
//   node dist/test/verifier/snapshot-verifier.js write /tmp/verifier-before.json
//   node dist/test/verifier/snapshot-verifier.js compare /tmp/verifier-before.json   (exit code 1 on any difference)
//   node dist/test/verifier/snapshot-verifier.js hashes      (rewrites test/verifier/snapshots/examples.sha256.json,
//                                                            the committed digest snapshot.test.ts checks)

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadObject } from "../../src/loader/load-object.js";
import type { ObjectSpec } from "../../src/loader/types.js";
import { VerifyResult, verifyProgram } from "../../src/verifier/verify-program.js";
import { corpusDir, loadExpected } from "./corpus-cases.js";

export interface SnapshotCase {
  /** "file#prog@mode/level" */
  key: string;
  run: () => VerifyResult;
}

/** JSON with BigInt values written as "<digits>n" (facts hold BigInt constants). */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x.toString()}n` : x));
}

/** Everything verifyProgram returns, serialised. */
export function serialiseResult(r: VerifyResult): string {
  return stableJson({
    ok: r.ok, error: r.error ?? null, log: r.log, processedInsns: r.processedInsns, stackDepths: r.stackDepths, facts: r.facts,
  });
}

/** The repository root (holds xdp/ and test/verifier/corpus). */
export function repoRoot(): string {
  return path.resolve(fs.realpathSync(corpusDir()), "../../..");
}

function tryLoad(file: string): ObjectSpec | null {
  try {
    return loadObject(new Uint8Array(fs.readFileSync(file)), path.basename(file));
  } catch {
    return null;
  }
}

/** Every case of the snapshot, in a fixed order. */
export function snapshotCases(levels: readonly (0 | 1 | 2)[] = [0, 1, 2]): SnapshotCase[] {
  const root = repoRoot();
  const out: SnapshotCase[] = [];
  const dirs = ["xdp", "test/fixtures/objects"];
  for (const d of dirs) {
    const abs = path.join(root, d);
    if (!fs.existsSync(abs)) continue;
    for (const f of fs.readdirSync(abs).filter((n) => n.endsWith(".o")).sort()) {
      const obj = tryLoad(path.join(abs, f));
      if (!obj) continue;
      obj.programs.forEach((p, i) => {
        for (const mode of ["priv", "unpriv"] as const) {
          if (mode === "unpriv" && d !== "xdp") continue;
          for (const level of levels) {
            out.push({ key: `${d}/${f}#${p.name}@${mode}/${level}`, run: () => verifyProgram(obj, i, { logLevel: level, unprivileged: mode === "unpriv" }) });
          }
        }
      });
    }
  }
  const expected = loadExpected();
  const cdir = corpusDir();
  for (const name of Object.keys(expected).sort()) {
    const e = expected[name];
    const obj = tryLoad(path.join(cdir, name));
    if (!obj) continue;
    let idx = e.prog ? obj.programs.findIndex((p) => p.name === e.prog) : 0;
    if (idx < 0) idx = 0;
    for (const level of levels) {
      out.push({ key: `corpus/${name}@${e.mode}/${level}`, run: () => verifyProgram(obj, idx, { logLevel: level, unprivileged: e.mode === "unpriv" }) });
    }
  }
  return out;
}

/** The committed digests: every example program (xdp/*.o), root and unprivileged, log levels 0 and 1. */
export function examplesHashFile(): string {
  return path.join(repoRoot(), "test/verifier/snapshots/examples.sha256.json");
}

export function exampleHashes(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of snapshotCases([0, 1]).filter((k) => k.key.startsWith("xdp/"))) {
    out[c.key] = createHash("sha256").update(serialiseResult(c.run())).digest("hex");
  }
  return out;
}

function main(): void {
  const [cmd, file] = process.argv.slice(2);
  if (cmd === "hashes") {
    const f = examplesHashFile();
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, JSON.stringify(exampleHashes(), null, 2) + "\n");
    console.log(`wrote ${f}`);
    return;
  }
  if ((cmd !== "write" && cmd !== "compare") || !file) {
    console.error("usage: snapshot-verifier.js write|compare FILE.json");
    process.exitCode = 2;
    return;
  }
  const snap: Record<string, string> = {};
  const t0 = performance.now();
  for (const c of snapshotCases()) {
    let s: string;
    try {
      s = serialiseResult(c.run());
    } catch (e) {
      s = stableJson({ threw: String((e as Error).message) });
    }
    snap[c.key] = s;
  }
  const ms = performance.now() - t0;
  if (cmd === "write") {
    fs.writeFileSync(file, JSON.stringify(snap, null, 0));
    console.log(`${Object.keys(snap).length} cases written to ${file} (${ms.toFixed(0)} ms)`);
    return;
  }
  const before = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  const diffs: string[] = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(snap)])) {
    if (before[k] !== snap[k]) diffs.push(k);
  }
  for (const k of diffs.slice(0, 40)) {
    const a = before[k] ?? "(missing)", b = snap[k] ?? "(missing)";
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    console.log(`DIFF ${k}\n  before: …${a.slice(Math.max(0, i - 80), i + 120)}\n  after:  …${b.slice(Math.max(0, i - 80), i + 120)}`);
  }
  console.log(`${Object.keys(snap).length} cases, ${diffs.length} different (${ms.toFixed(0)} ms)`);
  if (diffs.length) process.exitCode = 1;
}

if (process.argv[1] && path.basename(process.argv[1]) === "snapshot-verifier.js") main();
