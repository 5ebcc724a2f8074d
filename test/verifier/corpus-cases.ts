// Loads the kernel-recorded verifier corpus (test/verifier/corpus/expected.json, written by
// record-corpus.py on a real kernel) and runs the simulator's verifier on each object.

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadObject } from "../../src/loader/load-object.js";
import { VerifyResult, verifyProgram } from "../../src/verifier/verify-program.js";

export interface ExpectedEntry {
  prog: string | null;
  loads: boolean;
  mode: "priv" | "unpriv";
  processed: number | null;
  error?: string | null;
  insn?: number | null;
  /** The kernel's level-1 log (rejected programs, when at most 80 lines). */
  log?: string[];
}

/** test/verifier/corpus, found from the compiled file (dist/test/verifier) or the source tree. */
export function corpusDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const c of [path.join(here, "corpus"), path.join(here, "../../../test/verifier/corpus")]) {
    if (fs.existsSync(path.join(c, "expected.json"))) return c;
  }
  throw new Error("verifier corpus not found");
}

export function loadExpected(): Record<string, ExpectedEntry> {
  return JSON.parse(fs.readFileSync(path.join(corpusDir(), "expected.json"), "utf8")) as Record<string, ExpectedEntry>;
}

/**
 * Message normalisation (documented in the test): reference and pointer ids (`id=N`,
 * `ref_obj_id=N`) are allocated in a different order by the simulator, so digits after `id=`
 * are replaced by `N`. Register numbers, offsets, sizes and instruction indices must match.
 */
export function normaliseMessage(m: string): string {
  return m.replace(/\b(ref_obj_id|id)=\d+/g, "$1=N").trim();
}

export function runCase(file: string, e: ExpectedEntry, logLevel: 0 | 1 | 2 = 0): VerifyResult {
  const bytes = fs.readFileSync(path.join(corpusDir(), file));
  const obj = loadObject(new Uint8Array(bytes), file);
  let idx = e.prog ? obj.programs.findIndex((p) => p.name === e.prog) : 0;
  if (idx < 0) idx = 0;
  return verifyProgram(obj, idx, { logLevel, unprivileged: e.mode === "unpriv" });
}

/**
 * Log normalisation for comparing level-1 logs with the kernel's: ld_imm64 operands (the kernel
 * prints map addresses), the padding before state comments, ids, and the statistics line.
 */
export function normaliseLog(lines: readonly string[]): string[] {
  return lines
    .filter((l) => l.trim() !== "" && !l.startsWith("processed ") && !l.startsWith("verification time") && !l.startsWith("stack depth"))
    .map((l) => l
      .replace(/\((18)\) (r\d+) = [^;]*?(\s*;|$)/, "($1) $2 = LDIMM64$3")
      .replace(/\s+;/g, " ;")
      .replace(/\b(ref_obj_id|id)=\d+/g, "$1=N")
      .replace(/refs=[\d,]+/g, "refs=N")
      .trimEnd());
}
