// The host's possible CPU count, as libbpf_num_possible_cpus() reads it (/sys/devices/system/cpu/
// possible, e.g. "0-1"), falling back to os.availableParallelism() where that file is missing.

import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

let cached = 0;

export function countPossibleCpus(): number {
  if (cached) return cached;
  try {
    const text = readFileSync("/sys/devices/system/cpu/possible", "utf8").trim();
    let n = 0;
    for (const part of text.split(",")) {
      const [a, b] = part.split("-").map(Number);
      n = Math.max(n, (b ?? a) + 1);
    }
    cached = n > 0 ? n : availableParallelism();
  } catch {
    cached = availableParallelism();
  }
  return cached;
}
