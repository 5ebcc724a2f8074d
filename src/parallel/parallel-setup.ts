// Set-up shared by `run`, `bench` and `live` with --queues N: the simulation options every queue's
// worker rebuilds from (structured-clone safe), which maps are shared (SharedArrayBuffer) and which
// each worker keeps its own copy of, and the checks that refuse what cannot run in parallel (exit 2).

import { UsageError } from "../errors.js";
import { MapType, type ObjectSpec } from "../loader/types.js";
import type { SimulationOptions } from "../pipeline/create-simulation.js";
import { mapTypeName } from "../runtime/maps/create-map.js";
import { parseFibRoutes } from "../runtime/helpers/fib-lookup.js";
import { countPossibleCpus } from "../runtime/count-possible-cpus.js";
import { parseConsts, parseDevices, readJsonOption } from "../cli/parse-options.js";
import type { ProgramArgs } from "../cli/run-command.js";

/** Everything a worker needs to rebuild the program (no functions, no class instances). */
export interface ParallelProgram {
  object: string;
  consts: Map<string, bigint>;
  sim: SimulationOptions;
}

/**
 * Map families whose state each worker keeps privately: programs cannot write them (devmap, cpumap,
 * xskmap, prog arrays: BPF_F_RDONLY_PROG or fd arrays) or, for LPM tries, only the value slots are
 * shared (shared-maps.ts); --map-init entries for them are applied in every worker.
 */
const PER_WORKER = new Set<MapType>([MapType.LPM_TRIE, MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP,
  MapType.XSKMAP, MapType.PROG_ARRAY, MapType.PERF_EVENT_ARRAY]);
/** Families that cannot be split over workers yet. */
const UNSUPPORTED = new Set<MapType>([MapType.RINGBUF, MapType.QUEUE, MapType.STACK]);

/** Parse --queues and the program options the way simulationFromArgs does (same messages). */
export async function parallelProgramFromArgs(object: string, a: ProgramArgs, queues: unknown): Promise<{ prog: ParallelProgram; queues: number; ncpus: number }> {
  const consts = parseConsts(a.const);
  const ncpus = a.cpus ?? countPossibleCpus();
  if (!Number.isInteger(ncpus) || ncpus < 1 || ncpus > 4096) throw new UsageError(`--cpus ${a.cpus}: must be an integer 1..4096`);
  const n = Number(queues);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--queues ${String(queues)}: must be an integer 1..256`);
  if (n > ncpus) {
    throw new UsageError(`--queues ${n}: more queues than possible CPUs (${ncpus}${a.cpus === undefined ? ", this host's" : ", --cpus"}); queue q runs on CPU q, so raise --cpus or lower --queues`);
  }
  for (const [name, v] of [["--ifindex", a.ifindex], ["--seed", a.seed], ["--insn-budget", a["insn-budget"]]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new UsageError(`${name} ${v}: must be an integer 0..4294967295`);
  }
  const sim: SimulationOptions = {
    backend: a.backend,
    noVerify: !a.verify,
    ifindex: a.ifindex,
    seed: a.seed,
    ncpus,
    devices: parseDevices(a.device),
    insnBudget: a["insn-budget"],
  };
  if (a.prog !== undefined) sim.prog = a.prog;
  if (a.fib !== undefined) sim.fib = parseFibRoutes(await readJsonOption("--fib", a.fib), `--fib ${a.fib}`);
  if (a["map-init"] !== undefined) sim.mapInit = { doc: await readJsonOption("--map-init", a["map-init"]), source: a["map-init"] };
  return { prog: { object, consts, sim }, queues: n, ncpus };
}

/** Refuse objects with maps that cannot be shared between workers. */
export function checkParallelMaps(obj: ObjectSpec): void {
  for (const m of obj.maps) {
    if (UNSUPPORTED.has(m.type)) {
      throw new UsageError(`${obj.file}: map '${m.name}' (${mapTypeName(m.type)}) cannot be shared between queues yet; run without --queues`);
    }
  }
}

/** The part of a --map-init document a worker applies itself (maps it keeps privately). */
export function perWorkerMapInit(obj: ObjectSpec, doc: unknown): unknown {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return doc;
  const keep = new Set(obj.maps.filter((m) => PER_WORKER.has(m.type)).map((m) => m.name));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) if (keep.has(k)) out[k] = v;
  return out;
}
