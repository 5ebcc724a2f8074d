// Parsers for repeatable/structured CLI options shared by run, bench, test and live:
// --const NAME=VALUE, --device IFINDEX[:MTU], and JSON files given to options.

import { readFile } from "node:fs/promises";
import { UsageError } from "../errors.js";
import type { Device } from "../runtime/runtime.js";

/** --const NAME=VALUE (decimal or 0x hex, optionally negative), repeatable. */
export function parseConsts(list: readonly string[] | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const text of list ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)=(-?)(0x[0-9a-fA-F]+|[0-9]+)$/.exec(text.trim());
    if (!m) throw new UsageError(`--const ${JSON.stringify(text)}: expected NAME=VALUE with a decimal or 0x hex integer`);
    const v = BigInt(m[3]);
    out.set(m[1], m[2] ? -v : v);
  }
  return out;
}

/** --device IFINDEX[:MTU], repeatable; ifindex 1 (lo, MTU 65536) always exists unless redeclared. */
export function parseDevices(list: readonly string[] | undefined): Device[] {
  const devs = new Map<number, Device>([[1, { ifindex: 1, mtu: 65536 }]]);
  for (const text of list ?? []) {
    const m = /^(\d+)(?::(\d+))?$/.exec(text.trim());
    if (!m) throw new UsageError(`--device ${JSON.stringify(text)}: expected IFINDEX[:MTU]`);
    const ifindex = Number(m[1]);
    const mtu = m[2] === undefined ? 1500 : Number(m[2]);
    if (ifindex < 1 || ifindex > 0x7fffffff) throw new UsageError(`--device ${text}: ifindex must be ≥ 1`);
    if (mtu < 68 || mtu > 0x7fffffff) throw new UsageError(`--device ${text}: MTU must be ≥ 68`);
    devs.set(ifindex, { ifindex, mtu });
  }
  return [...devs.values()];
}

/** Read a JSON file given to an option, with one clear message on failure. */
export async function readJsonOption(option: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`${option} ${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${option} ${path}: invalid JSON: ${(e as Error).message}`);
  }
}
