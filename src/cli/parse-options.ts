// Parsers for repeatable/structured CLI options shared by run, bench, test and live:
// --const NAME=VALUE, --device IFINDEX[:MTU], --map-init FILE.json, --fib FILE.json.

import { readFile } from "node:fs/promises";
import { UsageError } from "../errors.js";
import type { Device, FibRoute } from "../runtime/runtime.js";
import { parseBytes } from "../pipeline/parse-bytes.js";

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

/**
 * --fib FILE.json: routes for bpf_fib_lookup, a list of
 * {"prefix": "10.0.0.0/8", "ifindex": 2, "gateway": "10.0.0.1", "smac": "02:00:00:00:00:01", "dmac": "…", "mtu": 1500}.
 */
export function parseFibRoutes(doc: unknown, source: string): FibRoute[] {
  if (!Array.isArray(doc)) throw new UsageError(`--fib ${source}: expected a JSON list of routes`);
  return doc.map((r: unknown, i: number) => {
    const what = `--fib ${source}: route ${i}`;
    if (r === null || typeof r !== "object") throw new UsageError(`${what}: expected an object`);
    const o = r as Record<string, unknown>;
    const [addr, lenText] = String(o.prefix ?? "").split("/");
    const prefix = parseIp(addr, `${what}: prefix`);
    const prefixLen = lenText === undefined ? prefix.length * 8 : Number(lenText);
    if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > prefix.length * 8) throw new UsageError(`${what}: bad prefix length`);
    const ifindex = Number(o.ifindex);
    if (!Number.isInteger(ifindex) || ifindex < 1) throw new UsageError(`${what}: "ifindex" must be a positive integer`);
    const gateway = o.gateway === undefined || o.gateway === null || o.gateway === "" ? new Uint8Array(0) : parseIp(String(o.gateway), `${what}: gateway`);
    const route: FibRoute = {
      family: prefix.length === 4 ? 4 : 6,
      prefix,
      prefixLen,
      ifindex,
      gateway,
      smac: parseMac(o.smac, `${what}: smac`),
      dmac: parseMac(o.dmac, `${what}: dmac`),
    };
    if (o.mtu !== undefined) route.mtu = Number(o.mtu);
    return route;
  });
}

function parseMac(v: unknown, what: string): Uint8Array {
  if (v === undefined) return new Uint8Array(6);
  const b = parseBytes(String(v), what);
  if (b.length !== 6) throw new UsageError(`${what}: a MAC address has 6 bytes`);
  return b;
}

/** Dotted IPv4 or RFC 4291 IPv6 text → bytes. */
export function parseIp(text: string, what: string): Uint8Array {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const parts = text.split(".").map(Number);
    if (parts.some((p) => p > 255)) throw new UsageError(`${what}: bad IPv4 address ${text}`);
    return new Uint8Array(parts);
  }
  if (text.includes(":")) {
    const [head, tail] = text.split("::");
    const hs = head ? head.split(":") : [];
    const ts = tail !== undefined && tail !== "" ? tail.split(":") : [];
    const fill = text.includes("::") ? 8 - hs.length - ts.length : 0;
    const groups = [...hs, ...Array(fill).fill("0"), ...ts];
    if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) throw new UsageError(`${what}: bad IPv6 address ${text}`);
    const out = new Uint8Array(16);
    groups.forEach((g, i) => { const n = parseInt(g, 16); out[2 * i] = n >> 8; out[2 * i + 1] = n & 255; });
    return out;
  }
  throw new UsageError(`${what}: bad IP address ${JSON.stringify(text)}`);
}
