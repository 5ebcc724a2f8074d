// Shared helper of the inspect CLI tests: run the built xdpsim and collect status, stdout, stderr
// (no mocha suites here, so importing it registers no tests).

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";

const CLI = join(REPO, "dist/src/cli/main.js");

export function xdpsim(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: "utf8", timeout: 120_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
