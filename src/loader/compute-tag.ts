// Program tag as the kernel computes it (bpf_prog_calc_tag): a digest of the instructions with the
// map fd / map value immediates of ld_imm64 zeroed, first 8 bytes in hex. kernel/bpf/core.c.
// Kernels since the BPF signing series (6.18) digest with SHA-256; older ones used SHA-1.

import { createHash } from "node:crypto";
import { encodeInsns, type Insn } from "../isa/insn.js";
import { BPF_LD_IMM64, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from "../isa/opcodes.js";

/** "sha256": kernel >= 6.18 (the reference kernel); "sha1": kernels up to 6.17. */
export type TagAlgorithm = "sha256" | "sha1";

/** Instruction bytes exactly as hashed: ld_imm64 map fd / map value immediates zeroed in both slots. */
export function tagInput(insns: readonly Insn[]): Uint8Array {
  const raw = encodeInsns(insns);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let wasLdMap = false;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (!wasLdMap && x.op === BPF_LD_IMM64 && (x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_VALUE)) {
      wasLdMap = true;
      dv.setInt32(i * 8 + 4, 0, true);
    } else if (wasLdMap && x.op === 0 && x.dst === 0 && x.src === 0 && x.off === 0) {
      wasLdMap = false;
      dv.setInt32(i * 8 + 4, 0, true);
    } else {
      wasLdMap = false;
    }
  }
  return raw;
}

/** Tag of an instruction image (16 lowercase hex digits). */
export function computeInsnsTag(insns: readonly Insn[], algorithm: TagAlgorithm = "sha256"): string {
  return createHash(algorithm).update(tagInput(insns)).digest("hex").slice(0, 16);
}

/** Tag of a linked program, as `bpftool prog show` prints it on the reference kernel. */
export function computeTag(prog: { insns: readonly Insn[] }, algorithm: TagAlgorithm = "sha256"): string {
  return computeInsnsTag(prog.insns, algorithm);
}
