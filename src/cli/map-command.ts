// `xdpsim map list|show|dump|lookup|update|delete --pin-dir DIR`: read and edit pinned map state the way
// `bpftool map` does on bpffs pins (plain and -j shapes, BTF-formatted dumps). Spec: tools/bpf/bpftool/map.c.

import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import type { Btf } from "../btf/types.js";
import { loadObjectFromFile } from "../pipeline/create-simulation.js";
import { compareBytes } from "../pipeline/format-maps-json.js";
import { hexList, toHex } from "../pipeline/parse-bytes.js";
import { formatMapDumpJson, formatMapDumpPlain, formatMapShowPlain, mapInfo, prettyJson } from "../inspect/format-map.js";
import { listPinFiles, pinnedCpuCount, pinPath, readPinFile, writePinFile, type PinnedEntry, type PinnedMap } from "../inspect/pin-store.js";
import { isPerCpuType } from "../inspect/object-ids.js";
import { withJsonOptions, writeJson } from "./prog-command.js";
import { existsSync } from "node:fs";

interface MapArgs { action: string; name?: string; words?: (string | number)[]; "pin-dir": string; object?: string; json: boolean; pretty: boolean }

/** bpftool's byte syntax: `0x0a 0 0 0`, or `hex 0a 00 00 00`. */
export function parseByteWords(words: readonly string[], what: string): Uint8Array {
  if (words.length === 0) throw new UsageError(`${what}: no bytes given`);
  const hex = words[0] === "hex";
  const list = hex ? words.slice(1) : words;
  const out = list.map((w) => {
    const n = hex ? parseInt(w, 16) : /^0x[0-9a-f]+$/i.test(w) ? parseInt(w, 16) : /^\d+$/.test(w) ? Number(w) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 255 || (hex && !/^[0-9a-f]{1,2}$/i.test(w))) throw new UsageError(`${what}: '${w}' is not a byte`);
    return n;
  });
  return Uint8Array.from(out);
}

/** Split `key B… [value B…] [any|exist|noexist]` into its parts. */
function parseKeyValueWords(words: readonly string[]): { key?: Uint8Array; value?: Uint8Array; flag: string } {
  const res: { key?: Uint8Array; value?: Uint8Array; flag: string } = { flag: "any" };
  let i = 0;
  const until = (): string[] => {
    const start = i;
    while (i < words.length && !["key", "value", "any", "exist", "noexist"].includes(words[i])) i++;
    return words.slice(start, i);
  };
  while (i < words.length) {
    const w = words[i++];
    if (w === "key") res.key = parseByteWords(until(), "key");
    else if (w === "value") res.value = parseByteWords(until(), "value");
    else if (w === "any" || w === "exist" || w === "noexist") res.flag = w;
    else throw new UsageError(`map: unexpected '${w}' (expected key BYTES, value BYTES, any|exist|noexist)`);
  }
  return res;
}

function openPinned(dir: string, name: string): PinnedMap {
  const path = pinPath(dir, name);
  if (!existsSync(path)) {
    const have = listPinFiles(dir).map((f) => readPinFile(f).name).join(", ") || "none";
    throw new UsageError(`${path}: no map '${name}' pinned in ${dir} (have: ${have})`);
  }
  return readPinFile(path);
}

/** BTF for formatting: --object, else the object the pin came from (when it is still there). */
async function btfFor(p: PinnedMap, object: string | undefined): Promise<Btf | null> {
  const file = object ?? p.object;
  if (!file || (!object && !existsSync(file))) return null;
  return (await loadObjectFromFile(file)).btf;
}

function findEntry(p: PinnedMap, key: Uint8Array): number {
  const hex = toHex(key);
  return p.entries.findIndex((e) => toHex(Uint8Array.from(e.key.map((b) => parseInt(b, 16)))) === hex);
}

function keyIndex(key: Uint8Array): number {
  return key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24);
}

const isArrayType = (t: string): boolean => t === "array" || t === "percpu_array";

export function registerMapCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "map <action> [name] [words..]",
    "pinned map state like bpftool map: list | show [NAME] | dump NAME | lookup NAME key B… | update NAME key B… value B… [any|exist|noexist] | delete NAME key B…  (--pin-dir DIR)",
    (y) => withJsonOptions(y.positional("action", { choices: ["list", "show", "dump", "lookup", "update", "delete"] as const })
      .positional("name", { type: "string", describe: "map name (kernel name, e.g. firewall.bss, or src_stats)" })
      .positional("words", { type: "string", array: true, describe: "key BYTES [value BYTES] [any|exist|noexist]" }))
      .option("pin-dir", { type: "string", demandOption: true, describe: "directory of pinned maps (run --pin-dir)" })
      .option("object", { type: "string", describe: "object whose BTF formats keys/values (default: the one recorded in the pin)" }),
    async (argv) => {
      const a = argv as unknown as MapArgs;
      const dir = a["pin-dir"];
      const json = a.json || a.pretty;
      const words = (a.words ?? []).map(String);
      if (a.action === "list" || (a.action === "show" && a.name === undefined)) {
        const maps = listPinFiles(dir).map(readPinFile).sort((x, y) => x.id - y.id || x.name.localeCompare(y.name));
        if (json) writeJson(maps.map(mapInfo), a.pretty);
        else process.stdout.write(maps.map(formatMapShowPlain).join(""));
        return;
      }
      if (a.name === undefined) throw new UsageError(`map ${a.action}: name a map`);
      const p = openPinned(dir, a.name);
      if (a.action === "show") {
        if (json) writeJson(mapInfo(p), a.pretty);
        else process.stdout.write(formatMapShowPlain(p));
        return;
      }
      if (a.action === "dump") {
        const btf = await btfFor(p, a.object);
        if (json) {
          const text = formatMapDumpJson(p, btf);
          process.stdout.write((a.pretty ? prettyJson(text) : text) + "\n");
        } else {
          process.stdout.write(formatMapDumpPlain(p, btf));
        }
        return;
      }
      const kv = parseKeyValueWords(words);
      if (!kv.key) throw new UsageError(`map ${a.action} ${a.name}: missing key BYTES`);
      if (kv.key.length !== p.key_size) throw new UsageError(`map ${a.name}: key has ${kv.key.length} bytes, the map's key is ${p.key_size}`);
      const at = findEntry(p, kv.key);
      if (a.action === "lookup") {
        if (at < 0) throw new UsageError(`map ${a.name}: lookup: key ${toHex(kv.key)} not found`);
        const e = p.entries[at];
        const btf = await btfFor(p, a.object);
        const one: PinnedMap = { ...p, entries: [e] };
        if (json) {
          const text = formatMapDumpJson(one, btf).slice(1, -1);
          process.stdout.write((a.pretty ? prettyJson(text) : text) + "\n");
        } else if (btf && p.btf_value_type_id) {
          process.stdout.write(formatMapDumpPlain(one, btf).replace(/^\[/, "").replace(/\]\n$/, "").replace(/^\s*\{/, "{").replace(/\n {4}/g, "\n") + "\n");
        } else {
          process.stdout.write(formatMapDumpPlain(one, null).replace(/Found 1 element\n$/, ""));
        }
        return;
      }
      if (a.action === "delete") {
        if (isArrayType(p.type)) throw new UsageError(`map ${a.name}: delete: array maps cannot delete elements (EINVAL)`);
        if (at < 0) throw new UsageError(`map ${a.name}: delete: key ${toHex(kv.key)} not found`);
        p.entries.splice(at, 1);
        writePinFile(dir, p);
        return;
      }
      // update
      if (!kv.value) throw new UsageError(`map update ${a.name}: missing value BYTES`);
      if (kv.value.length !== p.value_size) throw new UsageError(`map ${a.name}: value has ${kv.value.length} bytes, the map's value is ${p.value_size}`);
      if (isArrayType(p.type) && keyIndex(kv.key) >= p.max_entries) throw new UsageError(`map ${a.name}: index ${keyIndex(kv.key)} is outside the array (max_entries ${p.max_entries}) (E2BIG)`);
      if (kv.flag === "noexist" && at >= 0) throw new UsageError(`map ${a.name}: update noexist: key exists (EEXIST)`);
      if (kv.flag === "exist" && at < 0) throw new UsageError(`map ${a.name}: update exist: key not found (ENOENT)`);
      if (at < 0 && p.entries.length >= p.max_entries) throw new UsageError(`map ${a.name}: full (max_entries ${p.max_entries}) (E2BIG)`);
      // Per-CPU maps: like bpftool, one value given sets it on every possible CPU the pin covers.
      const cpus = Math.max(1, pinnedCpuCount(p));
      const e: PinnedEntry = isPerCpuType(typeIdOf(p.type))
        ? { key: hexList(kv.key), values: Array.from({ length: cpus }, (_, cpu) => ({ cpu, value: hexList(kv.value!) })) }
        : { key: hexList(kv.key), value: hexList(kv.value) };
      if (at >= 0) p.entries[at] = e;
      else p.entries.push(e);
      p.entries.sort((x, y) => compareBytes(Uint8Array.from(x.key.map((b) => parseInt(b, 16))), Uint8Array.from(y.key.map((b) => parseInt(b, 16)))));
      writePinFile(dir, p);
    },
  );
}

function typeIdOf(type: string): number {
  return type === "percpu_array" ? 6 : type === "percpu_hash" ? 5 : type === "lru_percpu_hash" ? 10 : 0;
}
