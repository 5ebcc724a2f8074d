// maps.json (CONTRACT.md): every map but .rodata*/.kconfig in `bpftool -j map dump` raw byte shape,
// entries sorted by key bytes, "_skipped" listing maps bpftool cannot dump — the kernel oracle's shape.

import type { BpfMap, MapEntry } from "../runtime/maps/bpf-map.js";
import { hexList } from "./parse-bytes.js";

/** One map's dump as JSON-ready objects. */
export function mapEntriesJson(map: BpfMap): object[] {
  const entries = map.dump().slice().sort((a, b) => compareBytes(a.key, b.key));
  return entries.map(entryJson);
}

function entryJson(e: MapEntry): object {
  if (e.values) return { key: hexList(e.key), values: e.values.map((v, cpu) => ({ cpu, value: hexList(v) })) };
  return { key: hexList(e.key), value: hexList(e.value ?? new Uint8Array(0)) };
}

/** Whether a map is state worth dumping (constants are not). */
export function isStateMap(map: BpfMap): boolean {
  return !map.spec.name.startsWith(".rodata") && map.spec.name !== ".kconfig";
}

/** The whole maps.json text, formatted one entry per line like the kernel oracle writes it. */
export function formatMapsJson(maps: readonly BpfMap[]): string {
  const dumps = new Map<string, object[]>();
  const skipped: string[] = [];
  for (const m of maps) {
    if (!isStateMap(m)) continue;
    if (m.dumpable) dumps.set(m.spec.name, mapEntriesJson(m));
    else skipped.push(m.spec.name);
  }
  const parts: string[] = [];
  for (const name of [...dumps.keys()].sort()) {
    const rows = dumps.get(name)!.map((e) => "    " + pythonStyleJson(e));
    parts.push(`  ${JSON.stringify(name)}: ` + (rows.length ? `[\n${rows.join(",\n")}\n  ]` : "[]"));
  }
  parts.push(`  "_skipped": ${pythonStyleJson(skipped.sort())}`);
  return "{\n" + parts.join(",\n") + "\n}\n";
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** JSON with Python json.dumps' default separators (", " and ": "), so files diff cleanly against the oracle's. */
export function pythonStyleJson(v: unknown): string {
  if (Array.isArray(v)) return "[" + v.map(pythonStyleJson).join(", ") + "]";
  if (v !== null && typeof v === "object") {
    return "{" + Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}: ${pythonStyleJson(x)}`).join(", ") + "}";
  }
  return JSON.stringify(v);
}
