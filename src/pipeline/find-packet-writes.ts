// Decides whether a program can ever modify packet memory or move data/data_end. Programs that
// cannot (most firewalls and monitors) run in place on the captured bytes: the per-packet copy into
// a test_run-style frame is skipped, which is exact because such a program never sees headroom or
// tailroom (only bpf_xdp_adjust_head/meta/tail expose them) and never changes a byte.
// Conservative: a store whose target is not proven (by the verifier's facts, or syntactically
// through r10) to be stack or map memory, a helper outside a short list of helpers that neither
// write through their arguments nor move packet boundaries, kfunc calls, callx and tail calls into
// programs that are not read-only themselves all count as "may write". RFC 9669 §5 (stores, atomics),
// include/uapi/linux/bpf.h (helper semantics).

import { helperId } from "../isa/helper-names.js";
import type { ObjectSpec } from "../loader/types.js";
import type { ProgramFacts } from "../verifier/facts.js";

/** Helpers that never write through a pointer argument and never move data/data_end. */
const READ_ONLY_HELPERS = new Set<number>(
  [
    "bpf_map_lookup_elem", "bpf_map_update_elem", "bpf_map_delete_elem", "bpf_ktime_get_ns", "bpf_trace_printk",
    "bpf_get_prandom_u32", "bpf_get_smp_processor_id", "bpf_tail_call", "bpf_redirect", "bpf_perf_event_output",
    "bpf_csum_diff", "bpf_redirect_map", "bpf_map_push_elem", "bpf_jiffies64", "bpf_ktime_get_boot_ns",
    "bpf_ringbuf_output", "bpf_ktime_get_coarse_ns", "bpf_for_each_map_elem", "bpf_trace_vprintk", "bpf_loop",
    "bpf_ktime_get_tai_ns", "bpf_map_lookup_percpu_elem", "bpf_xdp_get_buff_len",
  ].map((n) => helperId(n)).filter((id): id is number => id !== undefined),
);
/** Verifier memory regions that are never packet memory ("mixed" may be). */
const NOT_PACKET = new Set<string>(["stack", "map_value", "map_key", "mem"]);
const TAIL_CALL = helperId("bpf_tail_call")!;

/**
 * Why program `progIndex` may write packet memory (first reason found, with the instruction), or
 * null when it provably cannot. `facts(i)` gives the verifier's facts for program i when it verified
 * it (entered with r1 = ctx); without facts only r10-based stores count as safe.
 */
export function findPacketWrite(obj: ObjectSpec, progIndex: number, facts: (progIndex: number) => ProgramFacts | undefined): string | null {
  const seen = new Set<number>();
  const visit = (p: number): string | null => {
    if (seen.has(p)) return null;
    seen.add(p);
    const spec = obj.programs[p];
    const f = facts(p);
    let tailCalls = false;
    const insns = spec.insns;
    for (let i = 0; i < insns.length; i++) {
      const x = insns[i];
      const op = x.op;
      const cls = op & 0x07;
      if (op === 0x18) {
        i++; // second half of lddw
        continue;
      }
      if (cls === 0x02 || cls === 0x03) {
        // ST / STX / atomics: the target must be stack or a map value.
        if ((x.dst & 0x0f) === 10) continue;
        const fi = f?.[i];
        // Never reached on any path the verifier explored (dead code: the kernel removes it too).
        if (fi !== undefined && !fi.visited) continue;
        if (fi?.mem !== undefined && NOT_PACKET.has(fi.mem.region)) continue;
        return `store at insn #${i} may write packet memory`;
      }
      if (cls === 0x05 || cls === 0x06) {
        const code = op & 0xf0;
        if (code === 0x80 && (op & 0x08) !== 0) return `callx at insn #${i}`;
        if (code === 0x80) {
          if (x.src === 1) continue; // local call: its body is part of insns
          if (x.src !== 0) return `kfunc call at insn #${i}`;
          if (!READ_ONLY_HELPERS.has(x.imm)) return `helper #${x.imm} at insn #${i}`;
          if (x.imm === TAIL_CALL) tailCalls = true;
        }
      }
    }
    if (tailCalls) {
      // Any program of the object may sit in a prog array.
      for (let q = 0; q < obj.programs.length; q++) {
        const why = visit(q);
        if (why !== null) return `tail-call target ${q}: ${why}`;
      }
    }
    return null;
  };
  return visit(progIndex);
}
