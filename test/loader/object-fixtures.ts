// Test helpers for the ELF/BTF/loader tests: paths of the committed test objects and the bpftool
// records made by test/fixtures/objects/record-bpftool.py on the reference kernel.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (tests run from dist/test/<dir>). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const OBJECTS = join(ROOT, "test", "fixtures", "objects");
export const RECORDS = join(OBJECTS, "bpftool");

/** Objects the kernel loaded when the fixtures were recorded. */
export const LOADABLE = ["calls", "globals", "maps", "kinds", "tailcall", "v4", "core_local"] as const;
/** Every object with BTF (raw/C dumps recorded). */
export const WITH_BTF = [...LOADABLE, "legacy", "core", "kfunc", "kconfig"] as const;

export function objectPath(name: string): string {
  return join(OBJECTS, `${name}.o`);
}

export function objectBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(objectPath(name)));
}

export interface RecordedProgram {
  name: string;
  tag: string;
  gpl_compatible: boolean;
  bytes_xlated: number;
  /** Kernel map names in the program's map_ids order. */
  maps: string[];
  /** xlated function prototypes in order, e.g. "int classify(int len)". */
  funcs: string[];
  /** xlated source lines (bpftool strips leading whitespace). */
  src: string[];
}

export interface RecordedMap {
  name: string;
  type: string;
  bytes_key: number;
  bytes_value: number;
  max_entries: number;
  flags: number;
}

export interface RecordedEntry {
  key: string[];
  value?: string[];
  values?: { cpu: number; value: string[] }[];
  formatted_text?: { key?: string; value?: string; values?: string[] };
  prog?: string | null;
}

export interface Recording {
  object: string;
  kernel: string;
  bpftool: string;
  programs: RecordedProgram[];
  maps: RecordedMap[];
  dumps: Record<string, RecordedEntry[] | { invalid_json: string }>;
}

export function recording(name: string): Recording {
  return JSON.parse(readFileSync(join(RECORDS, `${name}.bpftool.json`), "utf8")) as Recording;
}

export function recordedText(name: string, kind: "btf-raw.txt" | "btf-c.h"): string {
  return readFileSync(join(RECORDS, `${name}.${kind}`), "utf8");
}

/** "0x0a" strings (bpftool's byte lists) to bytes. */
export function hexList(list: string[]): Uint8Array {
  return Uint8Array.from(list.map((x) => parseInt(x, 16)));
}

/** Function name from an xlated prototype ("__u64 bump(__u32 idx)" → "bump"). */
export function protoName(proto: string): string {
  const m = /(\w+)\(/.exec(proto);
  if (!m) throw new Error(`no function name in ${proto}`);
  return m[1];
}

/** The kernel truncates object names to 15 characters and prefixes global-data maps. */
export function kernelMapNameMatches(kernel: string, ours: string): boolean {
  return kernel === ours.slice(0, 15) || kernel.endsWith(ours);
}

export function hasTool(path: string): boolean {
  return existsSync(path);
}
