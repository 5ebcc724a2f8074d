// `map show|dump` output over pinned maps in bpftool's shapes: plain and -j info lines, raw byte dumps
// with BTF-"formatted" values, and json_writer's pretty layout. Spec: tools/bpf/bpftool/map.c, json_writer.c.

import type { Btf } from "../btf/types.js";
import { formatBtfValue } from "../btf/format-btf-value.js";
import { parseBytes } from "../pipeline/parse-bytes.js";
import { BTF_ID } from "./object-ids.js";
import type { PinnedMap } from "./pin-store.js";

export interface MapInfoJson {
  id: number;
  type: string;
  name: string;
  flags: number;
  bytes_key: number;
  bytes_value: number;
  max_entries: number;
  frozen: number;
  btf_id?: number;
}

export function mapInfo(p: PinnedMap): MapInfoJson {
  const o: MapInfoJson = {
    id: p.id, type: p.type, name: p.name, flags: p.flags, bytes_key: p.key_size, bytes_value: p.value_size,
    max_entries: p.max_entries, frozen: 0,
  };
  if (p.btf_value_type_id) o.btf_id = BTF_ID;
  return o;
}

/** show_map_close_plain's lines (memlock omitted). */
export function formatMapShowPlain(p: PinnedMap): string {
  let s = `${p.id}: ${p.type}  name ${p.name}  flags 0x${p.flags.toString(16)}\n`;
  s += `\tkey ${p.key_size}B  value ${p.value_size}B  max_entries ${p.max_entries}`;
  if (p.btf_value_type_id) s += `\n\tbtf_id ${BTF_ID}`;
  return s + "\n";
}

const q = (v: unknown): string => JSON.stringify(v);

/** Compact `bpftool -j map dump` text: raw bytes plus "formatted" through BTF when available. */
export function formatMapDumpJson(p: PinnedMap, btf: Btf | null): string {
  const rows = p.entries.map((e) => {
    const key = parseBytes(e.key, "key");
    const fk = btf && p.btf_key_type_id ? formatBtfValue(btf, p.btf_key_type_id, key) : undefined;
    const fmtV = (hex: string[]): string | undefined => (btf && p.btf_value_type_id ? formatBtfValue(btf, p.btf_value_type_id, parseBytes(hex, "value")) : undefined);
    let s = `{"key":${q(e.key)}`;
    let f = fk !== undefined ? `"key":${fk}` : "";
    if (e.values) {
      s += `,"values":[${e.values.map((v) => `{"cpu":${v.cpu},"value":${q(v.value)}}`).join(",")}]`;
      if (btf && p.btf_value_type_id) f += `${f ? "," : ""}"values":[${e.values.map((v) => `{"cpu":${v.cpu},"value":${fmtV(v.value)}}`).join(",")}]`;
    } else {
      s += `,"value":${q(e.value)}`;
      const fv = fmtV(e.value ?? []);
      if (fv !== undefined) f += `${f ? "," : ""}"value":${fv}`;
    }
    if (btf && p.btf_value_type_id) s += `,"formatted":{${f}}`;
    return s + "}";
  });
  return `[${rows.join(",")}]`;
}

/** Plain `bpftool map dump`: with BTF, the formatted entries in json_writer's pretty layout; without, hex lines. */
export function formatMapDumpPlain(p: PinnedMap, btf: Btf | null): string {
  if (btf && p.btf_value_type_id) {
    const compact = formatMapDumpJson(p, btf);
    // Re-lay out only the "formatted" objects, keeping big integers as written.
    const items = splitTopLevel(compact.slice(1, -1)).map((item) => {
      const i = item.indexOf(`"formatted":`);
      return item.slice(i + `"formatted":`.length, -1);
    });
    return prettyJson(`[${items.join(",")}]`) + "\n";
  }
  const hex = (l: string[]): string => l.map((b) => b.replace(/^0x/, "")).join(" ");
  let s = "";
  for (const e of p.entries) {
    if (e.values) {
      s += `key:\n${hex(e.key)}\n`;
      for (const v of e.values) s += `value (CPU ${String(v.cpu).padStart(2, "0")}): ${hex(v.value)}\n`;
    } else {
      s += `key: ${hex(e.key)}  value: ${hex(e.value ?? [])}\n`;
    }
  }
  return s + `Found ${p.entries.length} element${p.entries.length === 1 ? "" : "s"}\n`;
}

/** Split a JSON list body at top-level commas. */
function splitTopLevel(body: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0, inStr = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inStr) { if (c === "\\") i++; else if (c === '"') inStr = false; continue; }
    if (c === '"') inStr = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 0) { out.push(body.slice(start, i)); start = i + 1; }
  }
  if (body.length) out.push(body.slice(start));
  return out;
}

/**
 * json_writer's pretty layout of compact JSON text: a field starts a new line indented 4 per level,
 * array elements stay on the line, a closing bracket goes on its own line when the container had content.
 */
export function prettyJson(text: string): string {
  let out = "";
  let depth = 0;
  const first: boolean[] = [true];
  const inObject: boolean[] = [false];
  const eol = (): void => { out += "\n" + "    ".repeat(depth); };
  let i = 0;
  const sep = (): void => { if (!first[first.length - 1]) out += ","; first[first.length - 1] = false; };
  while (i < text.length) {
    const c = text[i];
    if (c === "{" || c === "[") {
      if (!out.endsWith(": ")) sep(); // after a field name the container is its value
      out += c; depth++; first.push(true); inObject.push(c === "{"); i++;
    } else if (c === "}" || c === "]") {
      depth--; const had = !first.pop(); inObject.pop();
      if (had) eol();
      out += c; i++;
    } else if (c === ",") {
      i++;
    } else if (c === '"' && inObject[inObject.length - 1]) {
      // A field name.
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      sep(); eol();
      out += text.slice(i, j + 1) + ": ";
      i = j + 2; // skip the colon
      // The value follows: primitives are printed here; containers by the loop.
      if (text[i] !== "{" && text[i] !== "[") { const k = scalarEnd(text, i); out += text.slice(i, k); i = k; }
    } else {
      const k = scalarEnd(text, i);
      sep(); out += text.slice(i, k); i = k;
    }
  }
  return out;
}

function scalarEnd(text: string, i: number): number {
  if (text[i] === '"') {
    let j = i + 1;
    while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    return j + 1;
  }
  let j = i;
  while (j < text.length && !",}]".includes(text[j])) j++;
  return j;
}
