// The library's program handle (README "Library API"): load once, fill maps, run single packets or
// whole captures, read maps — the same Simulation the CLI uses, without touching files unless asked.

import { UsageError } from "../errors.js";
import type { BackendName } from "../exec/backend.js";
import { loadObject } from "../loader/load-object.js";
import type { BpfMap } from "../runtime/maps/bpf-map.js";
import { ETH_HLEN, XDP_MAX_FRAME } from "../runtime/xdp-buff.js";
import { RedirectKind, type Device, type FibRoute } from "../runtime/runtime.js";
import { openCapture } from "../pcap/open-capture.js";
import { countPossibleCpus } from "../runtime/count-possible-cpus.js";
import { Simulation } from "./create-simulation.js";
import { formatMapsJson, mapEntriesJson } from "./format-maps-json.js";
import { replayCapture, type ReplayStats } from "./replay-capture.js";
import { formatTraceLine } from "../runtime/helpers/trace-printk.js";

export interface LoadProgramOptions {
  /** XDP program function name (default: the first in an xdp* section). */
  prog?: string;
  backend?: BackendName;
  /** `const volatile` overrides (numbers or bigints). */
  consts?: Record<string, number | bigint>;
  /** Map contents before the first packet, in --map-init's JSON shape. */
  mapInit?: unknown;
  ifindex?: number;
  rxQueue?: number;
  seed?: number;
  cpus?: number;
  devices?: Device[];
  fib?: FibRoute[];
  insnBudget?: number;
  /** Skip the verifier. */
  noVerify?: boolean;
}

export interface PacketResult {
  /** r0 as returned. */
  action: number;
  verdict: "XDP_ABORTED" | "XDP_DROP" | "XDP_PASS" | "XDP_TX" | "XDP_REDIRECT";
  /** The frame as the program left it (data .. end), a copy. */
  data: Uint8Array;
  /** Metadata in front of data (bpf_xdp_adjust_meta), a copy. */
  meta: Uint8Array;
  fault?: string;
  redirect?: { kind: "ifindex" | "cpu" | "xsk" | "broadcast"; target: number };
  /** trace_printk lines (trace_pipe format). */
  trace: string[];
}

const REDIRECT_NAMES: Record<number, "ifindex" | "cpu" | "xsk" | "broadcast"> = {
  [RedirectKind.Ifindex]: "ifindex", [RedirectKind.Cpu]: "cpu", [RedirectKind.Xsk]: "xsk", [RedirectKind.Broadcast]: "broadcast",
};

/** A map of a loaded program, with bpf(2)-like operations on byte arrays. */
export class MapHandle {
  constructor(private readonly map: BpfMap) {}
  get name(): string { return this.map.spec.name; }
  get type(): number { return this.map.spec.type; }
  get keySize(): number { return this.map.spec.keySize; }
  get valueSize(): number { return this.map.spec.valueSize; }
  get maxEntries(): number { return this.map.spec.maxEntries; }
  /** Value bytes (per-CPU maps: all CPUs concatenated, 8-byte aligned), or null. */
  lookup(key: Uint8Array | number): Uint8Array | null { return this.map.userLookup(keyBytes(key, this.keySize)); }
  /** 0 or -errno. */
  update(key: Uint8Array | number, value: Uint8Array, flags = 0): number { return this.map.userUpdate(keyBytes(key, this.keySize), value, flags); }
  delete(key: Uint8Array | number): number { return this.map.userDelete(keyBytes(key, this.keySize)); }
  /** Entries as `bpftool -j map dump` prints them (raw byte lists). */
  dump(): object[] { return mapEntriesJson(this.map); }
  /** Sum of a u64 counter at `offset` over all CPUs (per-CPU maps) or the plain value. */
  readU64(key: Uint8Array | number, offset = 0): bigint {
    const v = this.lookup(key);
    if (!v) throw new UsageError(`map '${this.name}': no entry for that key`);
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const stride = this.map.spec.type === 5 || this.map.spec.type === 6 || this.map.spec.type === 10 ? (this.valueSize + 7) & ~7 : v.length;
    let sum = 0n;
    for (let p = 0; p + offset + 8 <= v.length; p += stride) sum += dv.getBigUint64(p + offset, true);
    return sum;
  }
}

function keyBytes(key: Uint8Array | number, size: number): Uint8Array {
  if (typeof key !== "number") return key;
  if (size !== 4) throw new UsageError(`a numeric key needs a 4-byte key (this map's key is ${size} bytes)`);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, key >>> 0, true);
  return b;
}

export class XdpProgram {
  readonly sim: Simulation;
  private clockNs = 0n;
  constructor(sim: Simulation) { this.sim = sim; }
  get name(): string { return this.sim.program.name; }
  get tag(): string { return this.sim.tag; }
  get backend(): BackendName { return this.sim.exec.backend; }
  /** Names of the object's maps. */
  mapNames(): string[] { return this.sim.rt.maps.map((m) => m.spec.name); }
  map(name: string): MapHandle {
    const m = this.sim.rt.maps.find((x) => x.spec.name === name);
    if (!m) throw new UsageError(`no map named '${name}' (have: ${this.mapNames().join(", ")})`);
    return new MapHandle(m);
  }
  /** maps.json text (CONTRACT.md shape) of the current map state. */
  mapsJson(): string { return formatMapsJson(this.sim.rt.maps); }

  /** Run one Ethernet frame. `timestampNs` feeds bpf_ktime_get_ns (default: 1 µs after the previous packet). */
  runPacket(frame: Uint8Array, opts: { timestampNs?: bigint } = {}): PacketResult {
    if (frame.length < ETH_HLEN) throw new UsageError(`frame of ${frame.length} bytes: the kernel refuses frames shorter than ${ETH_HLEN} bytes`);
    if (frame.length > XDP_MAX_FRAME) throw new UsageError(`frame of ${frame.length} bytes: larger than the kernel accepts (${XDP_MAX_FRAME})`);
    this.clockNs = opts.timestampNs ?? this.clockNs + 1000n;
    const o = this.sim.runPacket(frame, 0, frame.length, Number(this.clockNs / 1_000_000_000n), Number(this.clockNs % 1_000_000_000n));
    const x = this.sim.rt;
    const res: PacketResult = {
      action: o.action,
      verdict: o.verdict as PacketResult["verdict"],
      data: x.xdp.output(false),
      meta: x.xdp.region.bytes.slice(x.xdp.meta, x.xdp.data),
      trace: x.trace.map((l) => formatTraceLine(l, x.timeHi, x.timeLo)),
    };
    if (o.fault !== null) res.fault = o.fault;
    if (o.verdictIndex === 4 && o.redirectKind !== RedirectKind.None) res.redirect = { kind: REDIRECT_NAMES[o.redirectKind], target: o.redirectTarget };
    return res;
  }

  /** Replay a capture file into `out` exactly like `xdpsim run` (map state carries over). */
  async runCapture(capture: string, opts: { out: string; results?: boolean; dumpMaps?: boolean }): Promise<ReplayStats> {
    return replayCapture(this.sim, await openCapture(capture), opts);
  }
}

/** Load an XDP program from an object file path or its bytes. */
export async function loadProgram(object: string | Uint8Array, opts: LoadProgramOptions = {}): Promise<XdpProgram> {
  let bytes: Uint8Array;
  let file: string;
  if (typeof object === "string") {
    const { readFile } = await import("node:fs/promises");
    bytes = new Uint8Array(await readFile(object));
    file = object;
  } else {
    bytes = object;
    file = "<buffer>";
  }
  const consts = new Map<string, bigint>();
  for (const [k, v] of Object.entries(opts.consts ?? {})) consts.set(k, BigInt(v));
  const obj = loadObject(bytes, file, consts.size ? { consts } : undefined);
  const sim = new Simulation(obj, {
    ...(opts.prog !== undefined && { prog: opts.prog }),
    backend: opts.backend ?? "jit",
    noVerify: opts.noVerify ?? false,
    ...(opts.mapInit !== undefined && { mapInit: { doc: opts.mapInit, source: "<mapInit option>" } }),
    ifindex: opts.ifindex ?? 1,
    rxQueue: opts.rxQueue ?? 0,
    seed: opts.seed ?? 0,
    ncpus: opts.cpus ?? countPossibleCpus(),
    ...(opts.devices !== undefined && { devices: opts.devices }),
    ...(opts.fib !== undefined && { fib: opts.fib }),
    ...(opts.insnBudget !== undefined && { insnBudget: opts.insnBudget }),
  });
  return new XdpProgram(sim);
}
