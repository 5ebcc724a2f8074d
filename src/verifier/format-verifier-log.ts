// Text output of a verification for `xdpsim verify`: the kernel-style log (--log-level 1|2) and the
// one-line verdict with `(insn #N, file:line: source)`; log layout as kernel/bpf/log.c prints it.

import type { VerifyResult } from "./verify-program.js";

/**
 * The verifier log as the kernel would hand it back at the level the result was produced with:
 * level 1 holds the path that led to the error (only the statistics line when the program is
 * accepted), level 2 every state. Ends with a newline; "" at level 0.
 */
export function formatVerifierLog(res: VerifyResult): string {
  if (!res.log) return "";
  return res.log.endsWith("\n") ? res.log : res.log + "\n";
}

/**
 * One line for a rejection: `fw.o: program 'xdp_fw' rejected: R2 invalid mem access 'scalar'
 * (insn #12, fw.bpf.c:48: return eth->h_proto;)`; for an accepted program the processed count.
 */
export function formatVerifierVerdict(res: VerifyResult, file: string, progName: string): string {
  if (res.ok) return `${file}: program '${progName}' accepted: processed ${res.processedInsns} insns`;
  const e = res.error!;
  const where = [e.insn >= 0 ? `insn #${e.insn}` : "", e.sourceLine ? `${e.sourceLine.file.split("/").pop()}:${e.sourceLine.line}: ${e.sourceLine.text.trim()}` : ""]
    .filter(Boolean).join(", ");
  return `${file}: program '${progName}' rejected: ${e.message}${where ? ` (${where})` : ""}`;
}
