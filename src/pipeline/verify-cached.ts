// Verification is the slowest part of loading (an abstract walk over every path); a replay, bench
// or test suite often loads the same object again, so results are memoised by a content hash.

import { createHash } from "node:crypto";
import { encodeInsns } from "../isa/insn.js";
import type { ObjectSpec } from "../loader/types.js";
import { verifyProgram, type VerifyOptions, type VerifyResult } from "../verifier/verify-program.js";

const cache = new Map<string, VerifyResult>();
const MAX_ENTRIES = 64;

/** What verification depends on: the program's instructions, every map's definition and frozen contents, options. */
function contentKey(obj: ObjectSpec, progIndex: number, opts: VerifyOptions): string {
  const h = createHash("sha256");
  const p = obj.programs[progIndex];
  h.update(encodeInsns(p.insns));
  h.update(JSON.stringify({ progIndex, name: p.name, section: p.section, sub: p.subprogs, opts, gpl: obj.gplCompatible, file: obj.file }));
  h.update(JSON.stringify([p.funcInfo, p.lineInfo]));
  for (const m of obj.maps) {
    h.update(JSON.stringify([m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags, m.btfKeyTypeId, m.btfValueTypeId, m.readOnly, m.spinLockOffset ?? -1]));
    if (m.initialValue) h.update(m.initialValue);
  }
  return h.digest("hex");
}

/** verifyProgram, memoised (results are immutable once produced). */
export function verifyCached(obj: ObjectSpec, progIndex: number, opts: VerifyOptions = {}): VerifyResult {
  const key = contentKey(obj, progIndex, opts);
  const hit = cache.get(key);
  if (hit) return hit;
  const res = verifyProgram(obj, progIndex, opts);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, res);
  return res;
}
