// Decides which helper calls the JIT replaces by a direct call into the map: bpf_map_lookup_elem with
// the runtime's own implementation, a map handle known at compile time and a key proven accessible —
// exactly what the helper computes once its argument checks cannot fail (kernel/bpf/helpers.c).

import { RegionKind } from "../../runtime/memory.js";
import { mapLookupElem } from "../../runtime/helpers/map-helpers.js";
import type { Runtime } from "../../runtime/runtime.js";
import type { Cfg } from "./build-cfg.js";
import type { JitFacts, ProvenAccess } from "./types.js";

/** A bpf_map_lookup_elem call done as `rt.maps[map].lookup(key region bytes, r2 low word, rt.cpu)`. */
export interface InlineLookup {
  readonly map: number;
  /** Where the key (r2) points: its region's bytes are passed to the map. */
  readonly key: ProvenAccess;
}

/** Inline lookups by call slot. */
export function planInlineHelpers(cfg: Cfg, rt: Runtime, facts: JitFacts): Map<number, InlineLookup> {
  const out = new Map<number, InlineLookup>();
  if (rt.helpers[1] !== mapLookupElem) return out;
  const p = cfg.prog;
  for (const b of cfg.blocks) {
    for (const i of b.insns) {
      if (p.op[i] !== 0x85 || p.imm[i] !== 1) continue;
      // mapArg(): r1's high word names a MapHandle region of a map (its low word is not looked at).
      const hi = facts.scalar?.(i, 1)?.hi;
      if (hi === undefined || hi === null) continue;
      const region = rt.mem.regions[hi >>> 0];
      if (region === undefined || region.kind !== RegionKind.MapHandle || region.mapIndex < 0) continue;
      const m = rt.maps[region.mapIndex];
      if (m === undefined || m.valueRegion === null) continue;
      // memArg(): r2 points at keySize readable bytes.
      const key = facts.pointer?.(i, 2, m.spec.keySize, false);
      if (key === undefined) continue;
      out.set(i, { map: region.mapIndex, key });
    }
  }
  return out;
}
