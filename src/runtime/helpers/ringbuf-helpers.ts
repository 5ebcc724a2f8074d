// BPF ring buffer helpers: output, reserve/submit/discard of records the program writes in place,
// and query; the ring itself (positions, record headers, sizes) is the RINGBUF map's business.
// Kernel reference: kernel/bpf/ringbuf.c (bpf_ringbuf_output, _reserve, _submit, _discard, _query).

import { BpfFault } from "../../errors.js";
import { MapType } from "../../loader/types.js";
import { RegionKind } from "../memory.js";
import type { HelperFn, Runtime } from "../runtime.js";
import { EINVAL, type BpfMap, type RingbufMap } from "../maps/bpf-map.js";
import { mapArg, memArg, regHex, retInt, retU53 } from "./helper-abi.js";

function ringbuf(m: BpfMap, helper: string): RingbufMap {
  if (m.spec.type !== MapType.RINGBUF) throw new BpfFault(`${helper}: map '${m.spec.name}' is not a ring buffer`);
  return m as RingbufMap;
}

/** bpf_ringbuf_output(map, data, u64 size, u64 flags) — helper 130: 0 or -errno. */
export const ringbufOutput: HelperFn = (rt, r) => {
  const m = ringbuf(mapArg(rt, r, 1, "bpf_ringbuf_output"), "bpf_ringbuf_output");
  if (r[7] !== 0) throw new BpfFault(`bpf_ringbuf_output: size ${regHex(r, 3)} is not a valid memory size`);
  const size = r[6];
  const src = memArg(rt, r, 2, size, false);
  if (r[9] !== 0) return retInt(r, -EINVAL);
  retInt(r, m.output(src.bytes, r[4], size, r[8]));
};

/** bpf_ringbuf_reserve(map, u64 size, u64 flags) — helper 131: record pointer or NULL. */
export const ringbufReserve: HelperFn = (rt, r) => {
  const m = ringbuf(mapArg(rt, r, 1, "bpf_ringbuf_reserve"), "bpf_ringbuf_reserve");
  const off = r[5] !== 0 || r[7] !== 0 ? -1 : m.reserve(r[4], r[6]);
  if (off < 0) {
    r[0] = 0;
    r[1] = 0;
    return;
  }
  r[0] = off;
  r[1] = m.dataRegion.id;
};

/** The ring buffer a record pointer (register 1) belongs to. */
function recordOwner(rt: Runtime, r: Uint32Array, helper: string): RingbufMap {
  const reg = rt.mem.regions[r[3]];
  if (reg !== undefined && reg.kind === RegionKind.Ringbuf && reg.mapIndex >= 0) {
    const m = rt.maps[reg.mapIndex];
    if (m !== undefined) return ringbuf(m, helper);
  }
  throw new BpfFault(`${helper}: R1 is not a ring buffer record (${regHex(r, 1)})`);
}

/** bpf_ringbuf_submit(void *data, u64 flags) — helper 132 (returns nothing; r0 = 0). */
export const ringbufSubmit: HelperFn = (rt, r) => {
  recordOwner(rt, r, "bpf_ringbuf_submit").commit(r[2], false, r[4]);
  retInt(r, 0);
};

/** bpf_ringbuf_discard(void *data, u64 flags) — helper 133 (returns nothing; r0 = 0). */
export const ringbufDiscard: HelperFn = (rt, r) => {
  recordOwner(rt, r, "bpf_ringbuf_discard").commit(r[2], true, r[4]);
  retInt(r, 0);
};

/** bpf_ringbuf_query(map, u64 flags) — helper 134: BPF_RB_AVAIL_DATA / RING_SIZE / CONS_POS / PROD_POS. */
export const ringbufQuery: HelperFn = (rt, r) => {
  const m = ringbuf(mapArg(rt, r, 1, "bpf_ringbuf_query"), "bpf_ringbuf_query");
  retU53(r, r[5] !== 0 ? 0 : m.query(r[4]));
};

/** Helper id → implementation for this family. */
export const RINGBUF_HELPERS: [number, HelperFn][] = [
  [130, ringbufOutput],
  [131, ringbufReserve],
  [132, ringbufSubmit],
  [133, ringbufDiscard],
  [134, ringbufQuery],
];
