// Shared access to the kernel-recorded fixtures (test/kernel/fixtures/MANIFEST.json): each names an
// object, capture and options, and holds the kernel's results.jsonl and maps.json for them.

import { readFileSync } from "node:fs";
import { join } from "node:path";

export const REPO = new URL("../../../", import.meta.url).pathname;
export const FIXTURES = join(REPO, "test/kernel/fixtures");

export interface KernelFixture {
  dir: string;
  object: string;
  prog: string | null;
  capture: string;
  options: { prog: string | null; map_init: string | null; const: string[]; ifindex: number; rx_queue: number };
  xdpsim_run: string[];
  packets: number;
  possible_cpus: number;
}

export function loadManifest(): { fixtures: KernelFixture[] } {
  return JSON.parse(readFileSync(join(FIXTURES, "MANIFEST.json"), "utf8"));
}

export interface ResultLine {
  index: number;
  action?: number;
  verdict?: string;
  len_in?: number;
  len_out?: number;
  out?: string;
  error?: string;
  fault?: string;
}

export function readJsonl(path: string): ResultLine[] {
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as ResultLine);
}
