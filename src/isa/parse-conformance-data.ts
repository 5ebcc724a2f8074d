// Parser of the bpf_conformance suite's `.data` test files: `-- asm` / `-- raw` program, `-- mem` input bytes,
// `-- result` expected r0, `-- error` expected failure text. Format: bpf_conformance src/bpf_test_parser.cc.

import { AsmError } from "../errors.js";
import { assemble, type AssembleOptions } from "./assemble.js";
import type { Insn } from "./insn.js";

/** One parsed `.data` test. */
export interface ConformanceData {
  /** Assembly text of `-- asm` (null when absent) and the file line its first line is on. */
  asm: string | null;
  asmLine: number;
  /** Instructions of `-- raw` (one 64-bit little-endian value per slot), null when absent. */
  raw: Insn[] | null;
  /** Input memory from `-- mem` (hex bytes), empty when absent. */
  mem: Uint8Array;
  /** Expected r0 from `-- result` (64-bit, unsigned), null when absent. */
  result: bigint | null;
  /** Expected failure text from `-- error`: null when there is no such section, "" when it is empty. */
  error: string | null;
  /** Sections the suite ignores (`-- no register offset`, `-- c`, `-- map`…), by name, with their text. */
  other: Record<string, string>;
}

type Section = "ignore" | "asm" | "raw" | "mem" | "result" | "error";

/** Parse a `.data` file's text. `source` names it in error messages. */
export function parseConformanceData(text: string, source = "<data>"): ConformanceData {
  const lines = text.split(/\r?\n/);
  const asm: string[] = [];
  let asmLine = 0;
  let raw: string[] | null = null;
  const mem: number[] = [];
  let result: string | null = null;
  let error: string | null = null;
  const other: Record<string, string> = {};
  let section: Section = "ignore";
  let otherName = "";
  let sawAsm = false;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const t = line.trim();
    if (t.startsWith("--")) {
      const name = t.slice(2).trim().toLowerCase();
      switch (name) {
        case "asm":
          section = "asm";
          sawAsm = true;
          asmLine = i + 2;
          break;
        case "raw":
          section = "raw";
          raw = raw ?? [];
          break;
        case "mem":
          section = "mem";
          break;
        case "result":
          section = "result";
          break;
        case "error":
          section = "error";
          error = error ?? "";
          break;
        default:
          section = "ignore";
          otherName = name;
          other[name] = other[name] ?? "";
      }
      continue;
    }
    switch (section) {
      case "asm":
        asm.push(line);
        break;
      case "raw":
        raw!.push(...stripComment(t).split(/\s+/).filter((w) => w !== ""));
        break;
      case "mem":
        for (const w of stripComment(t).split(/\s+/)) {
          if (w === "") continue;
          if (!/^(0x)?[0-9a-f]{1,2}$/i.test(w)) throw new AsmError(source, i + 1, `bad memory byte '${w}'`);
          mem.push(parseInt(w, 16));
        }
        break;
      case "result":
        if (stripComment(t) !== "") result = stripComment(t);
        break;
      case "error":
        if (t !== "") error = t;
        break;
      default:
        if (otherName !== "") other[otherName] += `${line}\n`;
    }
  }

  let resultValue: bigint | null = null;
  if (result !== null) {
    const m = /^(0x[0-9a-f]+|\d+)$/i.exec(result);
    if (m === null) throw new AsmError(source, 0, `bad result '${result}'`);
    resultValue = BigInt.asUintN(64, BigInt(m[1]));
  }

  return {
    asm: sawAsm ? asm.join("\n") : null,
    asmLine,
    raw: raw === null ? null : raw.map((w) => rawSlot(w, source)),
    mem: Uint8Array.from(mem),
    result: resultValue,
    error,
    other,
  };
}

/** The test's program: `-- raw` when present, else the assembled `-- asm` text. */
export function conformanceDataInsns(data: ConformanceData, opts: AssembleOptions = {}): Insn[] {
  if (data.raw !== null) return data.raw;
  if (data.asm === null) return [];
  return assemble(data.asm, { ...opts, firstLine: data.asmLine });
}

function stripComment(s: string): string {
  const h = s.indexOf("#");
  return (h >= 0 ? s.slice(0, h) : s).trim();
}

/** One `-- raw` word: the slot as a 64-bit little-endian integer (op in the low byte). */
function rawSlot(word: string, source: string): Insn {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(word)) throw new AsmError(source, 0, `bad raw instruction '${word}'`);
  const v = BigInt.asUintN(64, BigInt(word));
  const lo = Number(v & 0xffffffffn);
  return {
    op: lo & 0xff,
    dst: (lo >>> 8) & 0x0f,
    src: (lo >>> 12) & 0x0f,
    off: ((lo >>> 16) << 16) >> 16,
    imm: Number(BigInt.asIntN(32, v >> 32n)),
  };
}
