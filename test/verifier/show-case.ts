// Developer aid: `node dist/test/verifier/show-case.js NAME.o [level]` prints the simulator's verdict
// and log for one corpus object next to the kernel's recorded verdict.

import { loadExpected, normaliseMessage, runCase } from "./corpus-cases.js";

const exp = loadExpected();
const names = process.argv[2] && process.argv[2] !== "all" ? [process.argv[2]] : Object.keys(exp);
const level = Number(process.argv[3] ?? 0) as 0 | 1 | 2;
let bad = 0;
for (const n of names) {
  const e = exp[n];
  let line: string;
  try {
    const t0 = Date.now();
    const r = runCase(n, e, level);
    const same = r.ok === e.loads && (r.ok || normaliseMessage(r.error!.message) === normaliseMessage(e.error ?? ""));
    if (!same) bad++;
    line = `${same ? "OK  " : "DIFF"} ${n}: kernel=${e.loads ? "loads" : e.error} sim=${r.ok ? "loads" : r.error!.message}` +
      ` (insn k=${e.insn ?? "-"} s=${r.error?.insn ?? "-"}; processed k=${e.processed ?? "-"} s=${r.processedInsns}; ${Date.now() - t0} ms)`;
    if (level) console.log(r.log);
  } catch (err) {
    bad++;
    line = `ERR  ${n}: ${(err as Error).stack}`;
  }
  console.log(line);
}
console.log(`${names.length - bad} same, ${bad} different`);
