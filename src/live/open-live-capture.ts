// A live capture as a CaptureSource: packets from a network interface through libpcap (the optional
// `cap` package), batched like a file's packets so the run pipeline (replayCapture, --queues) handles
// them unchanged. Ends at --count packets, after --duration seconds, or when the signal aborts.
// libpcap: pcap_create/pcap_activate/pcap_setfilter (pcap(3PCAP)); cap's binding stamps no time, so
// packets get the wall-clock time they reach JavaScript.

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { XdpsimError } from "../errors.js";
import type { CaptureSource, PacketBatch } from "../pcap/types.js";

/** Live-capture set-up failures: what to install or which privilege is missing (exit 2). */
export class LiveCaptureError extends XdpsimError {
  constructor(message: string) {
    super("live", message);
  }
}

/** What `cap` gives us (node_modules/cap/lib/Cap.js). */
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  send(buffer: Buffer, nBytes?: number): void;
  on(event: "packet", fn: (nbytes: number, truncated: boolean) => void): void;
}
interface CapModule {
  Cap: { new (): CapHandle; deviceList(): { name: string }[] };
}

export const INSTALL_HINT = "apt-get install libpcap-dev && npm install cap";

/** Load `cap`, or say exactly what to install. */
export function loadCap(): CapModule {
  try {
    return createRequire(import.meta.url)("cap") as CapModule;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" ? "is not installed" : `cannot be loaded (${String((e as Error).message).split("\n")[0]})`;
    throw new LiveCaptureError(`live capture needs the optional package 'cap' (libpcap), which ${why}: ${INSTALL_HINT}`);
  }
}

/** LINKTYPE_* for cap's link-type names. */
const LINK_TYPES: Record<string, number> = { ETHERNET: 1, NULL: 0, LINKTYPE_LINUX_SLL: 113, RAW: 101, IEEE802_11_RADIO: 127 };

export interface LiveOptions {
  iface: string;
  filter?: string;
  /** Stop after this many packets. */
  count?: number;
  /** Stop after this many seconds. */
  duration?: number;
  signal?: AbortSignal;
  /** libpcap buffer (bytes). */
  bufferSize?: number;
}

const BATCH = 256;
/** A partial batch is handed on after this long without filling up. */
const FLUSH_MS = 20;

export interface LiveCapture extends CaptureSource {
  readonly linkType: number;
  /** Packets captured so far. */
  readonly captured: number;
  close(): void;
}

/** Open `iface` (throws LiveCaptureError naming the cause: permission, unknown interface, bad filter). */
export function openLiveCapture(opts: LiveOptions): LiveCapture {
  const { Cap } = loadCap();
  // Refuse an unknown interface before libpcap prints its own warning line for it.
  if (!knownInterface(opts.iface, Cap)) throw explainOpenError(opts, "No such device exists", Cap);
  const cap = new Cap();
  const buffer = Buffer.alloc(65536);
  let linkName: string;
  try {
    linkName = cap.open(opts.iface, opts.filter ?? "", opts.bufferSize ?? 16 << 20, buffer);
  } catch (e) {
    throw explainOpenError(opts, String((e as Error).message), Cap);
  }
  const linkType = LINK_TYPES[linkName] ?? Number(/(\d+)/.exec(linkName)?.[1] ?? -1);

  // Packets waiting to be handed to the pipeline: bytes appended to a growing chunk.
  let chunk = new Uint8Array(1 << 20);
  let used = 0;
  const offs: number[] = [], lens: number[] = [], secs: number[] = [], nsecs: number[] = [];
  let total = 0;
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = (): void => { const w = wake; wake = null; w?.(); };
  const limit = opts.count ?? Infinity;
  const hr0 = process.hrtime.bigint();
  const epoch0 = BigInt(Date.now()) * 1_000_000n;

  cap.on("packet", (nbytes: number) => {
    if (ended || total >= limit) return;
    if (used + nbytes > chunk.length) {
      const bigger = new Uint8Array(Math.max(chunk.length * 2, used + nbytes));
      bigger.set(chunk.subarray(0, used));
      chunk = bigger;
    }
    chunk.set(buffer.subarray(0, nbytes), used);
    const ns = process.hrtime.bigint() - hr0 + epoch0;
    offs.push(used);
    lens.push(nbytes);
    secs.push(Number(ns / 1_000_000_000n));
    nsecs.push(Number(ns % 1_000_000_000n));
    used += nbytes;
    total++;
    if (offs.length >= BATCH || total >= limit) notify();
  });

  const close = (): void => {
    if (ended) return;
    ended = true;
    try { cap.close(); } catch { /* already closed */ }
    notify();
  };
  opts.signal?.addEventListener("abort", close, { once: true });
  const timer = opts.duration !== undefined ? setTimeout(close, opts.duration * 1000) : null;
  const tick = setInterval(() => { if (offs.length) notify(); }, FLUSH_MS);

  let firstIndex = 0;
  async function* batches(): AsyncGenerator<PacketBatch> {
    try {
      for (;;) {
        if (offs.length === 0) {
          if (ended || firstIndex >= limit) return;
          await new Promise<void>((r) => { wake = r; });
          continue;
        }
        const n = offs.length;
        const b: PacketBatch = {
          firstIndex, count: n, buf: chunk.slice(0, used), offs: Int32Array.from(offs), lens: Int32Array.from(lens),
          origLens: Int32Array.from(lens), tsSec: Float64Array.from(secs), tsNsec: Int32Array.from(nsecs),
          linkTypes: new Int32Array(n).fill(linkType),
        };
        firstIndex += n;
        used = 0;
        offs.length = lens.length = secs.length = nsecs.length = 0;
        if (firstIndex >= limit) close();
        yield b;
      }
    } finally {
      close();
      if (timer) clearTimeout(timer);
      clearInterval(tick);
    }
  }

  return {
    path: opts.iface,
    nanosecond: false,
    linkType,
    get captured() { return total; },
    batches,
    close,
  };
}

/** Listed by libpcap (pcap_findalldevs) or present in /sys/class/net. */
function knownInterface(name: string, Cap: CapModule["Cap"]): boolean {
  try {
    if (Cap.deviceList().some((d) => d.name === name)) return true;
  } catch { /* fall through to sysfs */ }
  return !/[/\0]/.test(name) && name !== "." && name !== ".." && existsSync(`/sys/class/net/${name}`);
}

function explainOpenError(opts: LiveOptions, msg: string, Cap: CapModule["Cap"]): LiveCaptureError {
  if (/permission|not permitted|EPERM|EACCES/i.test(msg)) {
    return new LiveCaptureError(`${opts.iface}: capturing needs root or CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode): run as root, or grant them to node with setcap cap_net_raw,cap_net_admin+eip $(readlink -f $(which node)) (libpcap: ${msg})`);
  }
  if (/no such device|doesn't exist|No such/i.test(msg)) {
    let have = "";
    try { have = Cap.deviceList().map((d) => d.name).join(", "); } catch { /* listing failed too */ }
    return new LiveCaptureError(`--iface ${opts.iface}: no such interface${have ? ` (have: ${have})` : ""} (libpcap: ${msg})`);
  }
  if (opts.filter && /syntax|filter|expression|parse|unknown/i.test(msg)) {
    return new LiveCaptureError(`--filter ${JSON.stringify(opts.filter)}: ${msg}`);
  }
  return new LiveCaptureError(`${opts.iface}: cannot capture: ${msg}`);
}
