// Test helper: wraps hand-built instructions (kernel macro style: MOV64_IMM, LDX_W, ...) into an
// ObjectSpec the verifier accepts, with optional maps.

import type { Insn } from "../../src/isa/insn.js";
import type { MapSpec, ObjectSpec } from "../../src/loader/types.js";

export const I = (op: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ op, dst, src, off, imm });

/** A few encodings used by the tests (kernel macro names). */
export const MOV64_IMM = (dst: number, imm: number): Insn => I(0xb7, dst, 0, 0, imm);
export const MOV64_REG = (dst: number, src: number): Insn => I(0xbf, dst, src);
export const ADD64_IMM = (dst: number, imm: number): Insn => I(0x07, dst, 0, 0, imm);
export const ADD64_REG = (dst: number, src: number): Insn => I(0x0f, dst, src);
export const AND64_IMM = (dst: number, imm: number): Insn => I(0x57, dst, 0, 0, imm);
export const LDX_W = (dst: number, src: number, off: number): Insn => I(0x61, dst, src, off);
export const LDX_B = (dst: number, src: number, off: number): Insn => I(0x71, dst, src, off);
export const LDX_DW = (dst: number, src: number, off: number): Insn => I(0x79, dst, src, off);
export const STX_DW = (dst: number, src: number, off: number): Insn => I(0x7b, dst, src, off);
export const ST_W = (dst: number, off: number, imm: number): Insn => I(0x62, dst, 0, off, imm);
export const JA = (off: number): Insn => I(0x05, 0, 0, off);
export const JGT_REG = (dst: number, src: number, off: number): Insn => I(0x2d, dst, src, off);
export const JEQ_IMM = (dst: number, imm: number, off: number): Insn => I(0x15, dst, 0, off, imm);
export const JNE_IMM = (dst: number, imm: number, off: number): Insn => I(0x55, dst, 0, off, imm);
export const JGT_IMM = (dst: number, imm: number, off: number): Insn => I(0x25, dst, 0, off, imm);
export const CALL = (id: number): Insn => I(0x85, 0, 0, 0, id);
export const CALL_LOCAL = (rel: number): Insn => I(0x85, 0, 1, 0, rel);
export const LD_MAP = (dst: number, mapIndex: number): Insn[] => [I(0x18, dst, 1, 0, mapIndex), I(0, 0, 0, 0, 0)];
export const LD_FUNC = (dst: number, rel: number): Insn[] => [I(0x18, dst, 4, 0, rel), I(0, 0, 0, 0, 0)];
export const EXIT = (): Insn => I(0x95);

export function map(index: number, name: string, type: number, keySize: number, valueSize: number, maxEntries: number): MapSpec {
  return {
    index, name, type, keySize, valueSize, maxEntries, flags: 0, btfKeyTypeId: 0, btfValueTypeId: 0,
    isGlobalData: false, readOnly: false, pinning: 0, numaNode: 0,
  };
}

export function objectOf(insns: Insn[], maps: MapSpec[] = [], opts: { gpl?: boolean; section?: string } = {}): ObjectSpec {
  return {
    file: "test.o", license: opts.gpl === false ? "Proprietary" : "GPL", gplCompatible: opts.gpl !== false,
    programs: [{
      name: "prog", section: opts.section ?? "xdp", insns, subprogs: [{ name: "prog", start: 0, end: insns.length }],
      funcInfo: [], lineInfo: [], mapRefs: maps.map((m) => m.index),
    }],
    maps, globals: [], btf: null,
  };
}
