// Assembler for the ubpf / bpf_conformance text syntax (`mov32 %r0, 1`, `ldxw r0, [r1+4]`, `lock fetch add
// [r1+0], r2`, labels) into instruction slots. Encodings: RFC 9669 §3–§5; syntax: bpf_conformance bpf_assembler.

import { AsmError } from "../errors.js";
import type { Insn } from "./insn.js";
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_DIV,
  BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JCOND, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JLE, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_K, BPF_LD,
  BPF_LDX, BPF_LOAD_ACQ, BPF_LSH, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OR,
  BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE, BPF_RSH, BPF_ST, BPF_STORE_REL, BPF_STX, BPF_SUB, BPF_TO_BE,
  BPF_TO_LE, BPF_W, BPF_X, BPF_XCHG, BPF_XOR,
} from "./opcodes.js";
import { helperId } from "./helper-names.js";

export interface AssembleOptions {
  /** Name used in error messages (file name); default "<asm>". */
  source?: string;
  /** Line number of the text's first line in `source` (for `.data` files); default 1. */
  firstLine?: number;
  /** Resolve a map name in `map_by_fd(NAME)` / `map_by_idx(NAME)` to its slot; numbers need no resolver. */
  mapSlot?: (name: string) => number | undefined;
}

const ALU_OPS: Record<string, number> = {
  add: BPF_ADD, sub: BPF_SUB, mul: BPF_MUL, div: BPF_DIV, sdiv: BPF_DIV, or: BPF_OR, and: BPF_AND,
  lsh: BPF_LSH, rsh: BPF_RSH, neg: BPF_NEG, mod: BPF_MOD, smod: BPF_MOD, xor: BPF_XOR, mov: BPF_MOV,
  arsh: BPF_ARSH,
};

const JMP_OPS: Record<string, number> = {
  jeq: BPF_JEQ, jgt: BPF_JGT, jge: BPF_JGE, jset: BPF_JSET, jne: BPF_JNE, jsgt: BPF_JSGT, jsge: BPF_JSGE,
  jlt: BPF_JLT, jle: BPF_JLE, jslt: BPF_JSLT, jsle: BPF_JSLE,
};

const SIZES: Record<string, number> = { b: BPF_B, h: BPF_H, w: BPF_W, dw: BPF_DW };

const ATOMIC_OPS: Record<string, number> = {
  add: BPF_ADD, and: BPF_AND, or: BPF_OR, xor: BPF_XOR, xchg: BPF_XCHG, cmpxchg: BPF_CMPXCHG,
};

interface Fixup {
  index: number;
  label: string;
  field: "off" | "imm";
  line: number;
}

const LABEL_RE = /^([A-Za-z_.$][\w.$]*):\s*/;

/** Assemble `text` (one instruction per line, `#` comments, `label:` lines) into instruction slots. */
export function assemble(text: string, opts: AssembleOptions = {}): Insn[] {
  const source = opts.source ?? "<asm>";
  const out: Insn[] = [];
  const labels = new Map<string, number>();
  const fixups: Fixup[] = [];
  let firstExit = -1;
  const lines = text.split(/\r?\n/);
  const base = opts.firstLine ?? 1;

  for (let li = 0; li < lines.length; li++) {
    const lineNo = base + li;
    const fail = (detail: string): never => {
      throw new AsmError(source, lineNo, detail);
    };
    let line = lines[li];
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.slice(0, hash);
    line = line.trim();
    let m: RegExpExecArray | null;
    while ((m = LABEL_RE.exec(line)) !== null) {
      if (labels.has(m[1])) fail(`duplicate label '${m[1]}'`);
      labels.set(m[1], out.length);
      line = line.slice(m[0].length);
    }
    if (line === "") continue;
    const sp = line.search(/\s/);
    const mnemonic = (sp < 0 ? line : line.slice(0, sp)).toLowerCase();
    const rest = sp < 0 ? "" : line.slice(sp + 1).trim();
    const ctx: LineCtx = { fail, opts, fixups, index: out.length, line: lineNo };
    const insns = encodeLine(mnemonic, rest, ctx);
    if (mnemonic === "exit" && firstExit < 0) firstExit = out.length;
    out.push(...insns);
  }

  for (const f of fixups) {
    let target = labels.get(f.label);
    if (target === undefined && f.label === "exit" && firstExit >= 0) target = firstExit;
    if (target === undefined) throw new AsmError(source, f.line, `unknown label '${f.label}'`);
    const rel = target - (f.index + 1);
    if (f.field === "off") {
      if (rel < -0x8000 || rel > 0x7fff) throw new AsmError(source, f.line, `jump to '${f.label}' out of 16-bit range`);
      out[f.index].off = rel;
    } else {
      out[f.index].imm = rel;
    }
  }
  return out;
}

interface LineCtx {
  fail: (detail: string) => never;
  opts: AssembleOptions;
  fixups: Fixup[];
  index: number;
  line: number;
}

function insn(op: number, dst = 0, src = 0, off = 0, imm = 0): Insn {
  return { op, dst, src, off, imm };
}

/** Split operands on top-level commas (commas never appear inside `[...]`, but be safe). */
function splitOperands(rest: string): string[] {
  if (rest === "") return [];
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of rest) {
    if (ch === "[" || ch === "(") depth++;
    if (ch === "]" || ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur.trim());
      cur = "";
    } else {
      cur += ch;
    }
  }
  parts.push(cur.trim());
  return parts;
}

function encodeLine(mn: string, rest: string, c: LineCtx): Insn[] {
  const ops = splitOperands(rest);
  const want = (n: number): void => {
    if (ops.length !== n) c.fail(`'${mn}' takes ${n} operand(s), got ${ops.length}`);
  };
  let m: RegExpExecArray | null;

  // ---- ALU / ALU64 ----
  if ((m = /^movsx(8|16|32)(32|64)?$/.exec(mn)) !== null) {
    want(2);
    const cls = m[2] === "32" ? BPF_ALU : BPF_ALU64;
    return [insn(cls | BPF_MOV | BPF_X, reg(ops[0], c), reg(ops[1], c), Number(m[1]))];
  }
  if ((m = /^(add|sub|mul|div|sdiv|or|and|lsh|rsh|neg|mod|smod|xor|mov|arsh)(32|64)?$/.exec(mn)) !== null) {
    const cls = m[2] === "32" ? BPF_ALU : BPF_ALU64;
    const off = m[1] === "sdiv" || m[1] === "smod" ? 1 : 0;
    const code = cls | ALU_OPS[m[1]];
    if (m[1] === "neg") {
      want(1);
      return [insn(code | BPF_K, reg(ops[0], c))];
    }
    want(2);
    if (isReg(ops[1])) return [insn(code | BPF_X, reg(ops[0], c), reg(ops[1], c), off)];
    return [insn(code | BPF_K, reg(ops[0], c), 0, off, imm32(ops[1], c))];
  }
  if ((m = /^(be|le)(16|32|64)$/.exec(mn)) !== null) {
    want(1);
    return [insn(BPF_ALU | BPF_END | (m[1] === "be" ? BPF_TO_BE : BPF_TO_LE), reg(ops[0], c), 0, 0, Number(m[2]))];
  }
  if ((m = /^b?swap(16|32|64)$/.exec(mn)) !== null) {
    want(1);
    return [insn(BPF_ALU64 | BPF_END | BPF_TO_LE, reg(ops[0], c), 0, 0, Number(m[1]))];
  }

  // ---- loads and stores ----
  if ((m = /^ldx(s?)(b|h|w|dw)$/.exec(mn)) !== null) {
    want(2);
    if (m[1] === "s" && m[2] === "dw") c.fail("there is no sign-extending 64-bit load");
    const [base, off] = memOperand(ops[1], c);
    return [insn(BPF_LDX | (m[1] === "s" ? BPF_MEMSX : BPF_MEM) | SIZES[m[2]], reg(ops[0], c), base, off)];
  }
  if ((m = /^st(b|h|w|dw)$/.exec(mn)) !== null) {
    want(2);
    const [base, off] = memOperand(ops[0], c);
    return [insn(BPF_ST | BPF_MEM | SIZES[m[1]], base, 0, off, imm32(ops[1], c))];
  }
  if ((m = /^stx(b|h|w|dw)$/.exec(mn)) !== null) {
    want(2);
    const [base, off] = memOperand(ops[0], c);
    return [insn(BPF_STX | BPF_MEM | SIZES[m[1]], base, reg(ops[1], c), off)];
  }
  if ((m = /^stxxadd(w|dw)$/.exec(mn)) !== null) {
    want(2);
    const [base, off] = memOperand(ops[0], c);
    return [insn(BPF_STX | BPF_ATOMIC | SIZES[m[1]], base, reg(ops[1], c), off, BPF_ADD)];
  }
  if ((m = /^ldabs(b|h|w|dw)$/.exec(mn)) !== null) {
    want(1);
    return [insn(BPF_LD | BPF_ABS | SIZES[m[1]], 0, 0, 0, imm32(ops[0], c))];
  }
  if ((m = /^ldind(b|h|w|dw)$/.exec(mn)) !== null) {
    want(2);
    return [insn(BPF_LD | BPF_IND | SIZES[m[1]], 0, reg(ops[0], c), 0, imm32(ops[1], c))];
  }
  if (mn === "lddw") {
    want(2);
    return lddw(reg(ops[0], c), ops[1], c);
  }
  if (mn === "lock") return lock(rest, c);
  if ((m = /^(load_acquire|store_release)(b|h|w|dw)$/.exec(mn)) !== null) {
    want(2);
    if (m[1] === "load_acquire") {
      const [base, off] = memOperand(ops[1], c);
      return [insn(BPF_STX | BPF_ATOMIC | SIZES[m[2]], reg(ops[0], c), base, off, BPF_LOAD_ACQ)];
    }
    const [base, off] = memOperand(ops[0], c);
    return [insn(BPF_STX | BPF_ATOMIC | SIZES[m[2]], base, reg(ops[1], c), off, BPF_STORE_REL)];
  }

  // ---- jumps and calls ----
  if (mn === "ja") {
    want(1);
    return [jumpTarget(insn(BPF_JMP | BPF_JA), ops[0], "off", c)];
  }
  if (mn === "ja32" || mn === "gotol") {
    want(1);
    return [jumpTarget(insn(BPF_JMP32 | BPF_JA), ops[0], "imm", c)];
  }
  if (mn === "may_goto") {
    want(1);
    return [jumpTarget(insn(BPF_JMP | BPF_JCOND), ops[0], "off", c)];
  }
  if ((m = /^(jeq|jgt|jge|jset|jne|jsgt|jsge|jlt|jle|jslt|jsle)(32)?$/.exec(mn)) !== null) {
    want(3);
    const code = (m[2] === "32" ? BPF_JMP32 : BPF_JMP) | JMP_OPS[m[1]];
    const i = isReg(ops[1])
      ? insn(code | BPF_X, reg(ops[0], c), reg(ops[1], c))
      : insn(code | BPF_K, reg(ops[0], c), 0, 0, imm32(ops[1], c));
    return [jumpTarget(i, ops[2], "off", c)];
  }
  if (mn === "exit") {
    want(0);
    return [insn(BPF_JMP | BPF_EXIT)];
  }
  if (mn === "callx") {
    want(1);
    return [insn(BPF_JMP | BPF_CALL | BPF_X, reg(ops[0], c))];
  }
  if (mn === "call") return call(rest, c);
  return c.fail(`unknown mnemonic '${mn}'`);
}

/** `call N`, `call helper N|%rN`, `call local LABEL|+N`, `call runtime N`, `call %rN`, `call bpf_name`. */
function call(rest: string, c: LineCtx): Insn[] {
  const words = rest.split(/\s+/).filter((w) => w !== "");
  if (words.length === 0 || words.length > 2) c.fail("'call' takes a target, optionally after helper/local/runtime");
  let mode = words.length === 2 ? words[0].toLowerCase() : "";
  const target = words[words.length - 1];
  if (mode === "") {
    if (isReg(target) || isNumber(target) || helperId(target) !== undefined) mode = "helper";
    else mode = "local";
  }
  switch (mode) {
    case "helper":
      if (isReg(target)) return [insn(BPF_JMP | BPF_CALL | BPF_X, reg(target, c))];
      if (!isNumber(target)) {
        const id = helperId(target);
        if (id === undefined) c.fail(`unknown helper '${target}'`);
        return [insn(BPF_JMP | BPF_CALL, 0, 0, 0, id)];
      }
      return [insn(BPF_JMP | BPF_CALL, 0, 0, 0, imm32(target, c))];
    case "local":
      return [jumpTarget(insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL), target, "imm", c)];
    case "runtime":
    case "kfunc":
      return [insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, imm32(target, c))];
    default:
      return c.fail(`unknown call mode '${mode}'`);
  }
}

/** `lock [fetch] OP[32|64] [dst+off], src` with OP one of add, and, or, xor, xchg, cmpxchg. */
function lock(rest: string, c: LineCtx): Insn[] {
  const m = /^(fetch\s+)?([a-z]+?)(32|64)?\s+(\[[^\]]*\])\s*,\s*(\S+)$/i.exec(rest);
  if (m === null) return c.fail(`cannot parse atomic operation 'lock ${rest}'`);
  const name = m[2].toLowerCase();
  const op = ATOMIC_OPS[name];
  if (op === undefined) c.fail(`unknown atomic operation '${name}'`);
  const fetch = m[1] !== undefined || name === "xchg" || name === "cmpxchg" ? BPF_FETCH : 0;
  const [base, off] = memOperand(m[4], c);
  const size = m[3] === "32" ? BPF_W : BPF_DW;
  return [insn(BPF_STX | BPF_ATOMIC | size, base, reg(m[5], c), off, op | fetch)];
}

/** lddw: a 64-bit number, or a pseudo source: map_by_fd(X), map_by_idx(X), map_val(map_by_fd(X)) + N, code_addr(L). */
function lddw(dst: number, operand: string, c: LineCtx): Insn[] {
  const text = operand.replace(/\s+/g, "");
  let m: RegExpExecArray | null;
  if ((m = /^map_by_(fd|idx)\(([^)]+)\)$/i.exec(text)) !== null) {
    const src = m[1].toLowerCase() === "fd" ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_IDX;
    return [insn(BPF_LD | BPF_IMM | BPF_DW, dst, src, 0, mapSlot(m[2], c)), insn(0)];
  }
  if ((m = /^map_val\(map_by_(fd|idx)\(([^)]+)\)\)(?:\+(.+))?$/i.exec(text)) !== null) {
    const src = m[1].toLowerCase() === "fd" ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_IDX_VALUE;
    const off = m[3] === undefined ? 0 : imm32(m[3], c);
    return [insn(BPF_LD | BPF_IMM | BPF_DW, dst, src, 0, mapSlot(m[2], c)), insn(0, 0, 0, 0, off)];
  }
  if ((m = /^code_addr\(([^)]+)\)$/i.exec(text)) !== null) {
    const first = jumpTarget(insn(BPF_LD | BPF_IMM | BPF_DW, dst, BPF_PSEUDO_FUNC), m[1], "imm", c);
    return [first, insn(0)];
  }
  const v = parseNumber(text, c);
  const u = BigInt.asUintN(64, v);
  return [
    insn(BPF_LD | BPF_IMM | BPF_DW, dst, 0, 0, Number(BigInt.asIntN(32, u))),
    insn(0, 0, 0, 0, Number(BigInt.asIntN(32, u >> 32n))),
  ];
}

function mapSlot(name: string, c: LineCtx): number {
  if (isNumber(name)) return imm32(name, c);
  const slot = c.opts.mapSlot?.(name);
  if (slot === undefined) c.fail(`unknown map '${name}'`);
  return slot;
}

/** A jump target: `+N` / `-N` (or a bare number) is a relative offset; anything else a label. */
function jumpTarget(i: Insn, target: string, field: "off" | "imm", c: LineCtx): Insn {
  if (/^[+-]?(0x[0-9a-f]+|\d+)$/i.test(target)) {
    const v = parseNumber(target, c);
    if (field === "off") i.off = Number(BigInt.asIntN(16, v));
    else i.imm = Number(BigInt.asIntN(32, v));
  } else if (/^[A-Za-z_.$][\w.$]*$/.test(target)) {
    c.fixups.push({ index: c.index, label: target, field, line: c.line });
  } else {
    c.fail(`bad jump target '${target}'`);
  }
  return i;
}

function isReg(s: string): boolean {
  return /^%?r\d+$/i.test(s);
}

function reg(s: string, c: LineCtx): number {
  const m = /^%?r(\d+)$/i.exec(s ?? "");
  if (m === null) return c.fail(`expected a register, got '${s ?? ""}'`);
  const n = Number(m[1]);
  // r11..r15 are accepted (the suite uses them for negative tests); the encoding has 4 bits.
  if (n > 15) c.fail(`invalid register '${s}'`);
  return n;
}

/** `[rN]`, `[rN+off]`, `[rN - off]` → (register, signed 16-bit offset). */
function memOperand(s: string, c: LineCtx): [number, number] {
  const m = /^\[\s*(%?r\d+)\s*(?:([+-])\s*([0-9a-fx]+))?\s*\]$/i.exec(s ?? "");
  if (m === null) return c.fail(`expected a memory operand like [r1+4], got '${s ?? ""}'`);
  let off = 0n;
  if (m[2] !== undefined) {
    off = parseNumber(m[3], c);
    if (m[2] === "-") off = -off;
  }
  if (off < -0x8000n || off > 0xffffn) c.fail(`offset ${off} does not fit 16 bits`);
  return [reg(m[1], c), Number(BigInt.asIntN(16, off))];
}

function isNumber(s: string): boolean {
  return /^[+-]?(0x[0-9a-f]+|\d+)$/i.test(s);
}

/** Decimal or 0x-hex, optionally signed, as a BigInt. */
function parseNumber(s: string, c: LineCtx): bigint {
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(s ?? "");
  if (m === null) return c.fail(`expected a number, got '${s ?? ""}'`);
  const v = BigInt(m[2]);
  const signed = m[1] === "-" ? -v : v;
  if (signed < -(1n << 63n) || signed >= 1n << 64n) c.fail(`number ${s} does not fit 64 bits`);
  return signed;
}

/** A 32-bit immediate: any value that fits 64 bits, truncated to its low 32 bits (as the suite's assembler). */
function imm32(s: string, c: LineCtx): number {
  return Number(BigInt.asIntN(32, parseNumber(s, c)));
}
