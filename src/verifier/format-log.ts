// Kernel-style text for the verifier log: register and stack state (print_verifier_state) and
// instructions (print_bpf_insn); follows kernel/bpf/log.c and kernel/bpf/disasm.c.

import type { Insn } from "../isa/insn.js";
import type { MapSpec } from "../loader/types.js";
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CMPXCHG, BPF_END, BPF_EXIT, BPF_FETCH, BPF_JA, BPF_JMP, BPF_JMP32, BPF_K,
  BPF_LD, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_NEG, BPF_PSEUDO_CALL, BPF_ST, BPF_STX, BPF_TO_BE, BPF_X, BPF_XCHG,
  BPF_CALL, BPF_ABS, BPF_IND, BPF_IMM, BPF_DW, BPF_MOV, BPF_DIV, BPF_MOD,
  opClass, opCode, opMode, opSize, opSrc,
} from "../isa/opcodes.js";
import { Reg, RegType, S32_MAX, S32_MIN, S64_MAX, S64_MIN } from "./reg-state.js";
import { U32, U64, tnumIsConst, tnumIsUnknown, tnumStr } from "./tnum.js";
import { BPF_REG_SIZE, Frame, Stack, VState } from "./verifier-env.js";
import { helperName } from "./helper-protos.js";

const TYPE_STR: Record<number, string> = {
  [RegType.NOT_INIT]: "?", [RegType.SCALAR]: "scalar", [RegType.CTX]: "ctx", [RegType.CONST_PTR_TO_MAP]: "map_ptr",
  [RegType.MAP_VALUE]: "map_value", [RegType.MAP_KEY]: "map_key", [RegType.STACK]: "fp", [RegType.PACKET_META]: "pkt_meta",
  [RegType.PACKET]: "pkt", [RegType.PACKET_END]: "pkt_end", [RegType.MEM]: "mem", [RegType.FUNC]: "func",
};

/** reg_type_str: "map_value_or_null", "ringbuf_mem", "rdonly_mem", ... */
export function regTypeStr(r: { type: RegType; maybeNull?: boolean; ringbuf?: boolean; rdonly?: boolean }): string {
  let prefix = "";
  if (r.rdonly) prefix += "rdonly_";
  if (r.ringbuf) prefix += "ringbuf_";
  return prefix + TYPE_STR[r.type] + (r.maybeNull ? "_or_null" : "");
}

const snum = (v: bigint): string => (v >= -512n && v <= 512n ? v.toString() : v < 0n ? "-0x" + (-v).toString(16) : "0x" + v.toString(16));
const unum = (v: bigint): string => (v <= 512n ? v.toString() : "0x" + v.toString(16));

function scalarRanges(r: Reg): string[] {
  const m = [
    { name: "smin", val: r.smin, omit: r.smin === S64_MIN, signed: true },
    { name: "smax", val: r.smax, omit: r.smax === S64_MAX, signed: true },
    { name: "umin", val: r.umin, omit: r.umin === 0n, signed: false },
    { name: "umax", val: r.umax, omit: r.umax === U64, signed: false },
    { name: "smin32", val: r.s32min, omit: r.s32min === S32_MIN, signed: true },
    { name: "smax32", val: r.s32max, omit: r.s32max === S32_MAX, signed: true },
    { name: "umin32", val: r.u32min, omit: r.u32min === 0n, signed: false },
    { name: "umax32", val: r.u32max, omit: r.u32max === U32, signed: false },
  ];
  const out: string[] = [];
  // The kernel compares raw u64 representations; signed values are kept as signed BigInts here.
  const raw = (x: { val: bigint }): bigint => BigInt.asUintN(64, x.val);
  for (let i = 0; i < m.length; i++) {
    const m1 = m[i];
    if (m1.omit) continue;
    const neg1 = m1.signed && m1.val < 0n;
    let s = m1.name + "=";
    for (let j = i + 2; j < m.length; j += 2) {
      const m2 = m[j];
      if (m2.omit) continue;
      const neg2 = m2.signed && m2.val < 0n;
      if (neg1 === neg2 && raw(m1) === raw(m2)) {
        s += m2.name + "=";
        m2.omit = true;
      }
    }
    s += m1.signed ? snum(m1.val) : unum(m1.val);
    out.push(s);
  }
  return out;
}

/** print_reg_state. */
export function formatReg(r: Reg, frameno: number, maps: readonly MapSpec[]): string {
  if (r.type === RegType.SCALAR && tnumIsConst(r.varOff)) return snum(BigInt.asIntN(64, r.varOff.value));
  let s = regTypeStr(r);
  if (r.type === RegType.STACK) {
    if (r.frameno !== frameno) s += `[${r.frameno}]`;
    if (tnumIsConst(r.varOff)) return s + snum(BigInt.asIntN(64, r.varOff.value) + BigInt(r.off));
  }
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.refObjId) parts.push(`ref_obj_id=${r.refObjId}`);
  if (r.type === RegType.CONST_PTR_TO_MAP || r.type === RegType.MAP_VALUE || r.type === RegType.MAP_KEY) {
    const m = maps[r.mapIndex];
    if (m) {
      if (m.name) parts.push(`map=${m.name.slice(0, 15)}`);
      parts.push(`ks=${m.keySize},vs=${m.valueSize}`);
    }
  }
  if (r.type !== RegType.SCALAR && r.off) parts.push(`off=${r.off}`);
  if (r.type === RegType.PACKET || r.type === RegType.PACKET_META) parts.push(`r=${r.range}`);
  if (r.type === RegType.MEM) parts.push(`sz=${r.memSize}`);
  if (tnumIsConst(r.varOff)) {
    if (r.varOff.value) parts.push(`imm=${r.varOff.value.toString(16)}`);
  } else {
    parts.push(...scalarRanges(r));
    if (!tnumIsUnknown(r.varOff)) parts.push(`var_off=${tnumStr(r.varOff)}`);
  }
  return `${s}(${parts.join(",")})`;
}

const SLOT_CHAR = ["?", "r", "m", "0"];

/** print_verifier_state for one frame; `regs`/`slots` restrict the output to scratched entries. */
export function formatFrameState(
  st: VState, frameIdx: number, maps: readonly MapSpec[], regs?: ReadonlySet<number>, slots?: ReadonlySet<number>,
): string {
  const f: Frame = st.frames[frameIdx];
  let out = f.frameno ? ` frame${f.frameno}:` : "";
  for (let i = 0; i < 11; i++) {
    const r = f.regs[i];
    if (r.type === RegType.NOT_INIT) continue;
    if (regs && !regs.has(i)) continue;
    out += ` R${i}=${formatReg(r, f.frameno, maps)}`;
  }
  for (let i = 0; i < f.stack.length; i++) {
    if (slots && !slots.has(i)) continue;
    const sl = f.stack[i];
    if (sl.types.every((t) => t === Stack.INVALID)) continue;
    const off = (-i - 1) * BPF_REG_SIZE;
    if (sl.types[BPF_REG_SIZE - 1] === Stack.SPILL) {
      let j = 0;
      while (j < BPF_REG_SIZE && sl.types[j] !== Stack.SPILL) j++;
      out += ` fp${off}=${sl.types.slice(0, j).map((t) => SLOT_CHAR[t]).join("")}${formatReg(sl.spilled, f.frameno, maps)}`;
    } else {
      out += ` fp${off}=${sl.types.map((t) => SLOT_CHAR[t]).join("")}`;
    }
  }
  const refs = st.refs.map((r) => r.id);
  if (st.lockMap >= 0 && st.lockId) refs.push(st.lockId);
  if (refs.length) out += ` refs=${refs.join(",")}`;
  if (f.inCallback) out += " cb";
  return out;
}

const ALU_STR = ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian", "", ""];
const JMP_STR = ["jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<=", "", ""];
const LDST_STR: Record<number, string> = { 0x00: "u32", 0x08: "u16", 0x10: "u8", 0x18: "u64" };
const LDSX_STR: Record<number, string> = { 0x00: "s32", 0x08: "s16", 0x10: "s8", 0x18: "s64" };
const ATOMIC_STR: Record<number, string> = { 0x00: "add", 0x40: "or", 0x50: "and", 0xa0: "xor" };

const off = (o: number): string => (o >= 0 ? `+${o}` : `${o}`);

/** print_bpf_insn: "(bf) r3 = r1" (without the "N: " prefix). */
export function formatInsn(insns: readonly Insn[], pc: number, maps: readonly MapSpec[]): string {
  const x = insns[pc];
  const cls = opClass(x.op);
  const code = `(${x.op.toString(16).padStart(2, "0")})`;
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const w = cls === BPF_ALU ? "w" : "r";
    const op = opCode(x.op);
    if (op === BPF_END) {
      if (cls === BPF_ALU64) return `${code} r${x.dst} = bswap${x.imm} r${x.dst}`;
      return `${code} r${x.dst} = ${opSrc(x.op) === BPF_TO_BE ? "be" : "le"}${x.imm} r${x.dst}`;
    }
    if (op === BPF_NEG) return `${code} ${w}${x.dst} = -${w}${x.dst}`;
    if (op === BPF_MOV && x.off !== 0 && opSrc(x.op) === BPF_X) return `${code} ${w}${x.dst} = (s${x.off})${w}${x.src}`;
    let s = ALU_STR[op >> 4];
    if ((op === BPF_DIV || op === BPF_MOD) && x.off === 1) s = "s" + s;
    if (opSrc(x.op) === BPF_X) return `${code} ${w}${x.dst} ${s} ${w}${x.src}`;
    return `${code} ${w}${x.dst} ${s} ${x.imm}`;
  }
  if (cls === BPF_STX) {
    const sz = LDST_STR[opSize(x.op)];
    if (opMode(x.op) === BPF_MEM) return `${code} *(${sz} *)(r${x.dst} ${off(x.off)}) = r${x.src}`;
    if (opMode(x.op) === BPF_ATOMIC) {
      const b = opSize(x.op) === BPF_DW ? "64" : "";
      if (x.imm === BPF_CMPXCHG) return `${code} r0 = atomic${b}_cmpxchg((${sz} *)(r${x.dst} ${off(x.off)}), r0, r${x.src})`;
      if (x.imm === BPF_XCHG) return `${code} r${x.src} = atomic${b}_xchg((${sz} *)(r${x.dst} ${off(x.off)}), r${x.src})`;
      const name = ATOMIC_STR[x.imm & 0xf0] ?? "?";
      if (x.imm & BPF_FETCH) return `${code} r${x.src} = atomic${b}_fetch_${name}((${sz} *)(r${x.dst} ${off(x.off)}), r${x.src})`;
      return `${code} lock *(${sz} *)(r${x.dst} ${off(x.off)}) ${ALU_STR[(x.imm & 0xf0) >> 4]} r${x.src}`;
    }
    return `${code} BUG_st_${x.op.toString(16)}`;
  }
  if (cls === BPF_ST) {
    if (opMode(x.op) === BPF_MEM) return `${code} *(${LDST_STR[opSize(x.op)]} *)(r${x.dst} ${off(x.off)}) = ${x.imm}`;
    return `${code} BUG_st_${x.op.toString(16)}`;
  }
  if (cls === BPF_LDX) {
    if (opMode(x.op) === BPF_MEMSX) return `${code} r${x.dst} = *(${LDSX_STR[opSize(x.op)]} *)(r${x.src} ${off(x.off)})`;
    return `${code} r${x.dst} = *(${LDST_STR[opSize(x.op)]} *)(r${x.src} ${off(x.off)})`;
  }
  if (cls === BPF_LD) {
    if (opMode(x.op) === BPF_ABS) return `${code} r0 = *(${LDST_STR[opSize(x.op)]} *)skb[${x.imm}]`;
    if (opMode(x.op) === BPF_IND) return `${code} r0 = *(${LDST_STR[opSize(x.op)]} *)skb[r${x.src} + ${x.imm}]`;
    if (opMode(x.op) === BPF_IMM && opSize(x.op) === BPF_DW) {
      const next = insns[pc + 1];
      if (x.src === 1 || x.src === 2) {
        const m = maps[x.imm];
        const name = m ? m.name : `#${x.imm}`;
        return x.src === 1 ? `${code} r${x.dst} = map[${name}]` : `${code} r${x.dst} = map_value[${name}]+${next ? next.imm : 0}`;
      }
      const v = (BigInt(next ? next.imm >>> 0 : 0) << 32n) | BigInt(x.imm >>> 0);
      return `${code} r${x.dst} = 0x${v.toString(16)}`;
    }
    return `${code} BUG_ld_${x.op.toString(16)}`;
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const op = opCode(x.op);
    if (op === BPF_CALL) {
      if (x.src === BPF_PSEUDO_CALL) return `${code} call pc${off(x.imm)}`;
      return `${code} call ${helperName(x.imm) ?? "unknown"}#${x.imm}`;
    }
    if (x.op === (BPF_JMP | BPF_JA)) return `${code} goto pc${off(x.off)}`;
    if (x.op === (BPF_JMP32 | BPF_JA)) return `${code} gotol pc${off(x.imm)}`;
    if (x.op === (BPF_JMP | BPF_EXIT)) return `${code} exit`;
    const w = cls === BPF_JMP32 ? "w" : "r";
    if (opSrc(x.op) === BPF_X) return `${code} if ${w}${x.dst} ${JMP_STR[op >> 4]} ${w}${x.src} goto pc${off(x.off)}`;
    return `${code} if ${w}${x.dst} ${JMP_STR[op >> 4]} 0x${(x.imm >>> 0).toString(16)} goto pc${off(x.off)}`;
  }
  void BPF_K;
  return `${code} unknown`;
}

/** Padding the kernel puts between an instruction and its state comment (vlog_alignment). */
export function alignComment(lineLen: number): string {
  const pos = lineLen + 1; // the kernel counts the newline it removes
  const width = Math.ceil(Math.max(pos, 8) / 40) * 40 - pos - 1;
  return " ".repeat(Math.max(width, 1));
}
