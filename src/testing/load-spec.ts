// Reads and validates an `xdpsim test` spec (YAML or JSON): object, program, consts, map init, input
// (capture and/or inline packets) and expectations. Schema: src/testing/spec.schema.json; README "Regression tests".

import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { buildPacket, PacketFieldError, parseIpv4, parseIpv6, type PacketFields } from "./build-packet.js";
import { parseBytes } from "../pipeline/parse-bytes.js";
import { ETH_HLEN, XDP_MAX_FRAME } from "../runtime/xdp-buff.js";
import { compileFilter, FilterError } from "./compile-filter.js";

export const VERDICTS = ["XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Per-packet outcome expectations (all optional; each given one is checked). */
export interface PacketExpect {
  verdict?: Verdict;
  /** Output frame (data .. end) as hex. */
  out?: string;
  /** Redirect target; `null` = must not redirect. */
  redirect?: { kind?: "ifindex" | "cpu" | "xsk" | "broadcast"; target: number } | null;
  /** Each string must appear in the packet's trace_printk lines, in order (substring match). */
  trace?: string[];
  /** Fault message substring; `false` = no fault. */
  fault?: string | false;
}

export interface InlinePacket extends PacketFields {
  name?: string;
  /** The whole frame as hex (instead of fields). */
  hex?: string;
  expect?: PacketExpect;
  /** The frame, built by validateSpec from hex or the fields. */
  frame?: Uint8Array;
}

/** Field filter of a `match:` expectation (all given fields must match). */
export interface FieldMatch {
  src?: string;
  dst?: string;
  /** tcp, udp, icmp, icmp6, arp, ipv4, ipv6, or an IP protocol number. */
  proto?: string | number;
  sport?: number;
  dport?: number;
  /** Either port. */
  port?: number;
  vlan?: number;
  ethertype?: number;
}

export interface MapEntryExpect {
  key: unknown;
  /** Exact value bytes (per-CPU maps: all CPUs, 8-byte aligned, as MapHandle.lookup returns). */
  value?: unknown;
  /** u64 at `offset` (summed over CPUs for per-CPU maps). */
  u64?: number | string;
  offset?: number;
  /** The key must not exist. */
  absent?: boolean;
}

export interface Expectation extends PacketExpect {
  name?: string;
  /** Packet index (capture packets first, then inline packets) or an inline packet's name. */
  packet?: number | string;
  /** tcpdump filter expression: every matching packet must meet the expectation. */
  filter?: string;
  match?: FieldMatch;
  /** Exactly this many packets match `filter` / `match` (default: at least one). */
  count?: number;
  /** Map expectation: map name and entries. */
  map?: string;
  entries?: MapEntryExpect[];
  /** Map expectation: number of entries in the map's dump. */
  size?: number;
  /** Golden file of every packet's verdict (and output hash) — `xdpsim test --update` writes it. */
  golden?: string;
  /** Directory of golden pcaps, one per verdict (pass.pcap drop.pcap tx.pcap aborted.pcap redirect.pcap) — `--update` writes them. */
  golden_pcaps?: string;
}

export interface TestSpec {
  /** Spec path as given, and its directory (relative paths in the spec resolve against it). */
  file: string;
  name: string;
  object: string;
  prog?: string;
  consts: Record<string, number | bigint>;
  mapInit?: unknown;
  backend?: "jit" | "interp";
  ifindex?: number;
  seed?: number;
  devices?: { ifindex: number; mtu: number }[];
  capture?: string;
  packets: InlinePacket[];
  expect: Expectation[];
}

/** A spec that does not follow the schema: names the file and the place (`expect[2].verdict`). */
export class SpecError extends UsageError {
  constructor(file: string, where: string, detail: string) {
    const w = where.length > 120 ? `${where.slice(0, 100)}…` : where;
    super(`${file}: ${w ? `${w}: ` : ""}${clipQuoted(detail)}`);
  }
}

/** Long values quoted back in a message are cut to their first 40 characters (one readable line). */
function clipQuoted(detail: string): string {
  return detail.replace(/"([^"]{60,})"/g, (_m, v: string) => `"${v.slice(0, 40)}…" (${v.length} characters)`);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const TOP_KEYS = ["name", "object", "prog", "consts", "map_init", "backend", "ifindex", "seed", "devices", "capture", "packets", "expect", "$schema"];
const PACKET_EXPECT_KEYS = ["verdict", "out", "redirect", "trace", "fault"];
const EXPECT_KEYS = ["name", "packet", "filter", "match", "count", "map", "entries", "size", "golden", "golden_pcaps", ...PACKET_EXPECT_KEYS];
const FIELD_KEYS = ["eth", "vlan", "ipv4", "ipv6", "tcp", "udp", "icmp", "payload"];
const PACKET_KEYS = ["name", "hex", "expect", ...FIELD_KEYS];
const MATCH_KEYS = ["src", "dst", "proto", "sport", "dport", "port", "vlan", "ethertype"];
const ENTRY_KEYS = ["key", "value", "u64", "offset", "absent"];

const MATCH_PROTOS = ["arp", "ip", "ipv4", "ip6", "ipv6", "icmp", "tcp", "udp", "icmp6", "icmpv6"];

/** Types and ranges of a `match:` mapping's fields (addresses parse, ports fit 16 bits, …). */
function validateMatch(m: Obj, where: string, fail: (where: string, detail: string) => never): void {
  const intIn = (k: string, max: number): void => {
    const v = m[k];
    if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max)) fail(`${where}.${k}`, `expected an integer 0..${max}`);
  };
  intIn("sport", 65535);
  intIn("dport", 65535);
  intIn("port", 65535);
  intIn("vlan", 4095);
  intIn("ethertype", 65535);
  const p = m.proto;
  if (p !== undefined && !(typeof p === "number" && Number.isInteger(p) && p >= 0 && p <= 255) &&
    !(typeof p === "string" && MATCH_PROTOS.includes(p.toLowerCase()))) {
    fail(`${where}.proto`, `expected one of ${MATCH_PROTOS.join(", ")} or an IP protocol number 0..255`);
  }
  for (const k of ["src", "dst"]) {
    const v = m[k];
    if (v === undefined) continue;
    if (typeof v !== "string") fail(`${where}.${k}`, "expected an address or CIDR prefix (10.0.0.0/8, 2001:db8::/32)");
    const [net, len, ...rest] = (v as string).split("/");
    const v6 = net.includes(":");
    try {
      if (v6) parseIpv6(net, `${where}.${k}`);
      else parseIpv4(net, `${where}.${k}`);
    } catch {
      fail(`${where}.${k}`, `not an address: ${JSON.stringify(v)}`);
    }
    if (rest.length || (len !== undefined && !(/^\d{1,3}$/.test(len) && Number(len) <= (v6 ? 128 : 32)))) {
      fail(`${where}.${k}`, `bad prefix length in ${JSON.stringify(v)} (0..${v6 ? 128 : 32})`);
    }
  }
}

/** Read, parse (YAML is a superset of JSON) and validate a spec file. */
export async function loadSpec(file: string): Promise<TestSpec> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new SpecError(file, "", `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = (await yamlLoader())(text, file);
  } catch (e) {
    const err = e as Error & { mark?: { line: number; column: number }; reason?: string };
    const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}` : "";
    throw new SpecError(file, where, `not valid YAML/JSON: ${err.reason ?? err.message.split("\n")[0]}`);
  }
  return validateSpec(doc, file);
}

/**
 * js-yaml parses YAML (a superset of JSON). It comes with mocha, not as a dependency of its own:
 * imported lazily so the CLI starts without it; JSON specs then still work (JSON.parse).
 */
async function yamlLoader(): Promise<(text: string, file: string) => unknown> {
  try {
    const y = await import("js-yaml");
    return (text, file) => y.load(text, { filename: file });
  } catch {
    return (text, file) => {
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new Error(`${(e as Error).message} (YAML needs the js-yaml package: npm i js-yaml; JSON specs work without it)`, { cause: file });
      }
    };
  }
}

/** Validate a parsed spec document; relative paths resolve against the spec file's directory. */
export function validateSpec(doc: unknown, file: string): TestSpec {
  const fail = (where: string, detail: string): never => { throw new SpecError(file, where, detail); };
  const dir = dirname(file);
  if (!isObj(doc)) fail("", "a spec is a mapping (object, capture/packets, expect)");
  const d = doc as Obj;
  checkKeys(d, TOP_KEYS, "", fail);
  const str = (v: unknown, where: string): string => (typeof v === "string" && v !== "" ? v : fail(where, "expected a non-empty string"));
  const int = (v: unknown, where: string): number => (typeof v === "number" && Number.isInteger(v) ? v : fail(where, "expected an integer"));
  if (d.object === undefined) fail("object", "missing: the ELF object to test (path relative to the spec)");
  const spec: TestSpec = {
    file,
    name: d.name === undefined ? file : str(d.name, "name"),
    object: resolve(dir, str(d.object, "object")),
    consts: {},
    packets: [],
    expect: [],
  };
  if (d.prog !== undefined) spec.prog = str(d.prog, "prog");
  if (d.backend !== undefined) {
    if (d.backend !== "jit" && d.backend !== "interp") fail("backend", "expected jit or interp");
    spec.backend = d.backend as "jit" | "interp";
  }
  if (d.ifindex !== undefined) spec.ifindex = int(d.ifindex, "ifindex");
  if (d.seed !== undefined) spec.seed = int(d.seed, "seed");
  if (d.devices !== undefined) {
    if (!Array.isArray(d.devices)) fail("devices", "expected a list of { ifindex, mtu }");
    spec.devices = (d.devices as unknown[]).map((x, i) => {
      if (!isObj(x)) return fail(`devices[${i}]`, "expected { ifindex, mtu }");
      return { ifindex: int(x.ifindex, `devices[${i}].ifindex`), mtu: x.mtu === undefined ? 1500 : int(x.mtu, `devices[${i}].mtu`) };
    });
  }
  if (d.consts !== undefined) {
    if (!isObj(d.consts)) fail("consts", "expected a mapping NAME: integer");
    for (const [k, v] of Object.entries(d.consts as Obj)) {
      if (typeof v === "number" && Number.isInteger(v)) spec.consts[k] = v;
      else if (typeof v === "string" && /^-?(0x[0-9a-f]+|\d+)$/i.test(v)) spec.consts[k] = v.startsWith("-") ? -BigInt(v.slice(1)) : BigInt(v);
      else fail(`consts.${k}`, "expected an integer (or a \"0x…\" string)");
    }
  }
  if (d.map_init !== undefined) {
    if (typeof d.map_init === "string") spec.mapInit = { file: resolve(dir, d.map_init) };
    else if (isObj(d.map_init)) spec.mapInit = d.map_init;
    else fail("map_init", "expected a mapping (--map-init's shape) or a JSON file name");
  }
  if (d.capture !== undefined) spec.capture = resolve(dir, str(d.capture, "capture"));
  if (d.packets !== undefined) {
    if (!Array.isArray(d.packets)) fail("packets", "expected a list of packets");
    spec.packets = (d.packets as unknown[]).map((p, i) => validatePacket(p, `packets[${i}]`, fail));
    const names = new Set<string>();
    spec.packets.forEach((p, i) => {
      if (p.name === undefined) return;
      if (names.has(p.name)) fail(`packets[${i}].name`, `duplicate packet name ${JSON.stringify(p.name)}`);
      names.add(p.name);
    });
  }
  if (spec.capture === undefined && spec.packets.length === 0) fail("", "no input: give `capture:` and/or `packets:`");
  if (d.expect !== undefined) {
    if (!Array.isArray(d.expect)) fail("expect", "expected a list of expectations");
    spec.expect = (d.expect as unknown[]).map((e, i) => validateExpectation(e, `expect[${i}]`, fail, spec, dir));
  }
  if (spec.expect.length === 0 && !spec.packets.some((p) => p.expect)) fail("expect", "nothing to check: add `expect:` or a packet's `expect:`");
  return spec;
}

type Fail = (where: string, detail: string) => never;

function checkKeys(o: Obj, allowed: string[], where: string, fail: Fail): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(where ? `${where}.${k}` : k, `unknown key (allowed: ${allowed.filter((a) => a !== "$schema").join(", ")})`);
  }
}

function validatePacket(p: unknown, where: string, fail: Fail): InlinePacket {
  if (!isObj(p)) return fail(where, "expected a packet: { hex } or header fields (eth, vlan, ipv4/ipv6, tcp/udp/icmp, payload)");
  checkKeys(p, PACKET_KEYS, where, fail);
  if (p.hex !== undefined) {
    if (typeof p.hex !== "string" || !/^([0-9a-f]{2})+$/i.test(p.hex.replace(/[\s:]/g, ""))) fail(`${where}.hex`, "expected hex bytes");
    if (FIELD_KEYS.some((k) => p[k] !== undefined)) fail(where, "give hex or header fields, not both");
  }
  for (const k of ["eth", "ipv4", "ipv6", "tcp", "udp", "icmp"]) {
    if (p[k] !== undefined && !isObj(p[k])) fail(`${where}.${k}`, "expected a mapping of header fields");
  }
  if (p.name !== undefined && typeof p.name !== "string") fail(`${where}.name`, "expected a string");
  if (p.expect !== undefined) {
    if (!isObj(p.expect)) fail(`${where}.expect`, "expected a mapping (verdict, out, redirect, trace, fault)");
    checkKeys(p.expect, PACKET_EXPECT_KEYS, `${where}.expect`, fail);
    validatePacketExpect(p.expect, `${where}.expect`, fail);
  }
  const pkt = p as unknown as InlinePacket;
  try {
    pkt.frame = pkt.hex !== undefined ? parseBytes(pkt.hex, "hex") : buildPacket(pkt);
  } catch (e) {
    if (e instanceof PacketFieldError) fail(`${where}.${e.where}`, e.message.slice(e.where.length + 2));
    fail(where, (e as Error).message);
  }
  const n = pkt.frame!.length;
  if (n < ETH_HLEN || n > XDP_MAX_FRAME) fail(where, `frame of ${n} bytes: the kernel runs ${ETH_HLEN}..${XDP_MAX_FRAME} bytes`);
  return pkt;
}

function validatePacketExpect(e: Obj, where: string, fail: Fail): void {
  if (e.verdict !== undefined) {
    const v = normalizeVerdict(e.verdict);
    if (v === null) fail(`${where}.verdict`, `expected one of ${VERDICTS.join(", ")} (or pass, drop, tx, redirect, aborted)`);
    e.verdict = v;
  }
  if (e.out !== undefined && (typeof e.out !== "string" || !/^([0-9a-f]{2})*$/i.test(e.out.replace(/[\s:]/g, "")))) fail(`${where}.out`, "expected hex bytes");
  if (e.trace !== undefined && !(Array.isArray(e.trace) && e.trace.every((t) => typeof t === "string"))) fail(`${where}.trace`, "expected a list of strings");
  if (e.fault !== undefined && e.fault !== false && typeof e.fault !== "string") fail(`${where}.fault`, "expected a message substring or false");
  if (e.redirect !== undefined && e.redirect !== null) {
    if (typeof e.redirect === "number") e.redirect = { target: e.redirect };
    const r = e.redirect as Obj;
    if (!isObj(r) || typeof r.target !== "number") fail(`${where}.redirect`, "expected { kind?: ifindex|cpu|xsk|broadcast, target: N }, a number or null");
    if (r.kind !== undefined && !["ifindex", "cpu", "xsk", "broadcast"].includes(r.kind as string)) fail(`${where}.redirect.kind`, "expected ifindex, cpu, xsk or broadcast");
  }
}

export function normalizeVerdict(v: unknown): Verdict | null {
  if (typeof v !== "string") return null;
  const u = v.toUpperCase();
  const full = u.startsWith("XDP_") ? u : `XDP_${u}`;
  return (VERDICTS as readonly string[]).includes(full) ? (full as Verdict) : null;
}

function validateExpectation(e: unknown, where: string, fail: Fail, spec: TestSpec, dir: string): Expectation {
  if (!isObj(e)) return fail(where, "expected a mapping");
  checkKeys(e, EXPECT_KEYS, where, fail);
  const kinds = ["packet", "filter", "match", "map", "golden", "golden_pcaps"].filter((k) => e[k] !== undefined);
  if (kinds.length !== 1) fail(where, `give exactly one of packet, filter, match, map, golden, golden_pcaps (got ${kinds.join(", ") || "none"})`);
  const kind = kinds[0];
  if (kind === "packet") {
    const p = e.packet;
    if (typeof p === "string") {
      if (!spec.packets.some((x) => x.name === p)) fail(`${where}.packet`, `no inline packet named ${JSON.stringify(p)}`);
    } else if (!(typeof p === "number" && Number.isInteger(p) && p >= 0)) fail(`${where}.packet`, "expected a packet index or an inline packet's name");
  }
  if (kind === "filter") {
    if (typeof e.filter !== "string" || !e.filter.trim()) fail(`${where}.filter`, "expected a tcpdump filter expression");
    try {
      compileFilter(e.filter as string); // syntax errors are bad input, found before anything runs
    } catch (err) {
      if (err instanceof FilterError) fail(`${where}.filter`, err.message);
      throw err;
    }
  }
  if (kind === "match") {
    if (!isObj(e.match)) fail(`${where}.match`, `expected a mapping of ${MATCH_KEYS.join(", ")}`);
    checkKeys(e.match as Obj, MATCH_KEYS, `${where}.match`, fail);
    validateMatch(e.match as Obj, `${where}.match`, fail);
  }
  if (e.count !== undefined && !(typeof e.count === "number" && Number.isInteger(e.count) && e.count >= 0)) fail(`${where}.count`, "expected a non-negative integer");
  if (kind === "packet" || kind === "filter" || kind === "match") {
    validatePacketExpect(e, where, fail);
    if (!PACKET_EXPECT_KEYS.some((k) => e[k] !== undefined) && e.count === undefined) fail(where, "nothing to check: add verdict, out, redirect, trace, fault or count");
  } else if (PACKET_EXPECT_KEYS.some((k) => e[k] !== undefined)) fail(where, `${PACKET_EXPECT_KEYS.join("/")} go with packet, filter or match`);
  if (kind === "map") {
    if (typeof e.map !== "string") fail(`${where}.map`, "expected a map name");
    if (e.entries === undefined && e.size === undefined) fail(where, "give entries and/or size");
    if (e.size !== undefined && !(typeof e.size === "number" && Number.isInteger(e.size))) fail(`${where}.size`, "expected an integer");
    if (e.entries !== undefined) {
      if (!Array.isArray(e.entries)) fail(`${where}.entries`, "expected a list of { key, value | u64 | absent }");
      (e.entries as unknown[]).forEach((x, i) => {
        const w = `${where}.entries[${i}]`;
        if (!isObj(x)) fail(w, "expected { key, value | u64 | absent }");
        checkKeys(x as Obj, ENTRY_KEYS, w, fail);
        const en = x as Obj;
        if (en.key === undefined) fail(`${w}.key`, "missing");
        if (en.value === undefined && en.u64 === undefined && en.absent !== true) fail(w, "give value, u64 or absent: true");
        if (en.u64 !== undefined && !((typeof en.u64 === "number" && Number.isSafeInteger(en.u64) && en.u64 >= 0) ||
          (typeof en.u64 === "string" && /^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(en.u64) && BigInt(en.u64) < 1n << 64n))) {
          fail(`${w}.u64`, "expected an unsigned 64-bit integer (a number, or a decimal / 0x-hex string)");
        }
        if (en.offset !== undefined && !(typeof en.offset === "number" && Number.isInteger(en.offset) && en.offset >= 0)) fail(`${w}.offset`, "expected a byte offset ≥ 0");
        if (en.absent !== undefined && typeof en.absent !== "boolean") fail(`${w}.absent`, "expected true or false");
      });
    }
  } else if (e.entries !== undefined || e.size !== undefined) fail(where, "entries/size go with map");
  if (kind === "golden") {
    if (typeof e.golden !== "string") fail(`${where}.golden`, "expected a file name");
    e.golden = resolve(dir, e.golden as string);
  }
  if (kind === "golden_pcaps") {
    if (typeof e.golden_pcaps !== "string") fail(`${where}.golden_pcaps`, "expected a directory name");
    e.golden_pcaps = resolve(dir, e.golden_pcaps as string);
  }
  if (e.name !== undefined && typeof e.name !== "string") fail(`${where}.name`, "expected a string");
  return e as unknown as Expectation;
}
