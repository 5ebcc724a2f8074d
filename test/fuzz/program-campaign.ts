// Program campaign: random XDP programs over the whole ISA — ALU32/64 (incl. signed div/mod, movsx,
// bswap), conditional skips, bounded loops, stack loads/stores, packet accesses behind a bounds check,
// atomics, array/hash map lookup/update/delete and accesses through the value, helpers, local calls —
// run on the interpreter and the JIT (test/exec/jit/run-backends.ts) which must agree on r0, fault,
// stack, packet and maps. A third of the programs get a random corrupted instruction ("invalid"
// programs): the verifier must reject them or, if it accepts, they must run or fault cleanly.

import { XdpsimError } from "../../src/errors.js";
import type { Insn } from "../../src/isa/insn.js";
import { verifyProgram } from "../../src/verifier/verify-program.js";
import { mapSpec, objectOf, runOn, type Setup } from "../exec/jit/run-backends.js";
import { createInterpreter } from "../../src/exec/interpreter/create-interpreter.js";
import { createJit } from "../../src/exec/jit/create-jit.js";
import { caseSeed, describeError, Rng, Tally, type CampaignOptions, type CampaignResult } from "./fuzz-support.js";

const insn = (op: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ op, dst, src, off, imm });
const IMMS = [0, 1, -1, 2, 7, 8, 31, 32, 63, 64, 255, 0x7fff, -0x8000, 0x7fffffff, -0x80000000, 0xffff, 0x12345678];
/** Registers the body computes with (r6 = ctx, r7 = data, r8 = data_end are kept). */
const WREGS = [0, 1, 2, 3, 4, 5, 9];
const PKT_NEED = 64;

function imm(r: Rng): number {
  return r.chance(0.5) ? r.pick(IMMS) : r.u32() | 0;
}

function alu(r: Rng): Insn[] {
  const wide = r.chance(0.5);
  const cls = wide ? 0x07 : 0x04;
  const code = r.pick([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0]);
  const x = r.chance(0.5);
  const dst = r.pick(WREGS);
  const src = r.pick(WREGS);
  if (code === 0x80) return [insn(cls | code, dst)];
  if (code === 0xd0) {
    const width = r.pick([16, 32, 64]);
    return [wide ? insn(0xd7, dst, 0, 0, width) : insn(0xd4 | (x ? 0x08 : 0), dst, 0, 0, width)];
  }
  let off = 0;
  if ((code === 0x30 || code === 0x90) && r.chance(0.4)) off = 1;
  if (code === 0xb0 && x && r.chance(0.4)) off = r.pick(wide ? [8, 16, 32] : [8, 16]);
  // Shift by an immediate: in range (the verifier rejects others; out-of-range register shifts stay).
  const k = code === 0x60 || code === 0x70 || code === 0xc0 ? r.int(wide ? 64 : 32) : imm(r);
  return [insn(cls | code | (x ? 0x08 : 0), dst, x ? src : 0, off, x ? 0 : k)];
}

/** r1..r5 are scratch after a call (the kernel marks them unreadable): give them defined values again. */
function resetScratch(r: Rng): Insn[] {
  return [1, 2, 3, 4, 5].flatMap((k) => [insn(0x18, k, 0, 0, imm(r)), insn(0, 0, 0, 0, imm(r))]);
}

function item(r: Rng, withCall: boolean): Insn[] {
  switch (r.int(12)) {
    case 0: case 1: case 2: return alu(r);
    case 3: { // conditional skip over one ALU op
      const j32 = r.chance(0.3);
      const x = r.chance(0.5);
      const code = r.pick([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]);
      const body = alu(r);
      return [insn((j32 ? 0x06 : 0x05) | code | (x ? 8 : 0), r.pick(WREGS), x ? r.pick(WREGS) : 0, body.length, x ? 0 : imm(r)), ...body];
    }
    case 4: { // stack store / load
      const k = r.range(1, 8);
      const st = r.pick([0x7b, 0x63, 0x6b, 0x73]);
      const ld = r.pick([0x79, 0x61, 0x69, 0x71, 0x81, 0x89, 0x91]);
      return r.chance(0.5) ? [insn(st, 10, r.pick(WREGS), -8 * k)] : [insn(0x7a, 10, 0, -8 * k, imm(r)), insn(ld, r.pick(WREGS), 10, -8 * k)];
    }
    case 5: { // packet access behind the prologue's bounds check
      const size = r.pick([1, 2, 4, 8]);
      const sz = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 }[size]!;
      const off = r.int(PKT_NEED - size + 1);
      const reg = r.pick(WREGS);
      const w = r.int(3);
      if (w === 0) return [insn(0x61 | sz, reg, 7, off)];
      if (w === 1) return [insn(0x63 | sz, 7, reg, off)];
      return [insn(0x62 | sz, 7, 0, off, imm(r))];
    }
    case 6: { // atomic on an initialised stack slot
      const k = r.range(1, 8);
      const dw = r.chance(0.5);
      const op = r.pick([0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1]);
      return [insn(0x7a, 10, 0, -8 * k, imm(r)), insn(dw ? 0xdb : 0xc3, 10, r.pick(WREGS), -8 * k, op)];
    }
    case 7: case 8: { // map op on the array (0) or hash (1) map
      const map = r.int(2);
      const key = r.pick([0, 1, 2, 3, 4, -1]);
      const head = [insn(0x62, 10, 0, -64, key), insn(0xbf, 2, 10), insn(0x07, 2, 0, 0, -64), insn(0x18, 1, 1, 0, map), insn(0, 0, 0, 0, 0)];
      const what = r.int(4);
      if (what === 1) { // update with a value from the stack
        return [insn(0x7a, 10, 0, -48, imm(r)), insn(0x7b, 10, r.pick(WREGS), -40), ...head,
          insn(0xbf, 3, 10), insn(0x07, 3, 0, 0, -48), insn(0xb7, 4, 0, 0, r.pick([0, 0, 1, 2, 4])), insn(0x85, 0, 0, 0, 2), ...resetScratch(r)];
      }
      if (what === 2) return [...head, insn(0x85, 0, 0, 0, 3), ...resetScratch(r)];
      // lookup, then accesses through the value pointer (16-byte values)
      const uses: Insn[] = [];
      const n = r.range(1, 4);
      for (let k = 0; k < n; k++) {
        const size = r.pick([1, 2, 4, 8]);
        const sz = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 }[size]!;
        const off = r.int(16 - size + 1) & ~(size - 1);
        const u = r.int(4);
        if (u === 0) uses.push(insn(0x61 | sz, r.pick([2, 3, 4, 5]), 0, off));
        else if (u === 1) uses.push(insn(0x63 | sz, 0, r.pick(WREGS.filter((x) => x !== 0)), off));
        else if (u === 2 && size >= 4) uses.push(insn(size === 8 ? 0xdb : 0xc3, 0, r.pick([2, 3, 4, 5, 9]), off, r.pick([0x00, 0x01, 0x40, 0xa1, 0xe1])));
        else uses.push(insn(0x62 | sz, 0, 0, off, imm(r)));
      }
      return [...head, insn(0x85, 0, 0, 0, 1), ...resetScratch(r), insn(0x15, 0, 0, uses.length, 0), ...uses, insn(0xb7, 0, 0, 0, 0)];
    }
    case 9: // helpers without arguments: prandom, ktime, smp_processor_id
      return [insn(0x85, 0, 0, 0, r.pick([5, 7, 8])), ...resetScratch(r)];
    case 10: { // bounded loop on r9
      const n = r.range(1, 20);
      const body = alu(r).filter((i) => i.dst !== 9);
      return [insn(0xb7, 9, 0, 0, n), ...body, insn(0x07, 9, 0, 0, -1), insn(0x55, 9, 0, -(body.length + 2), 0)];
    }
    default: // local call to sub (patched later: imm = -1 marks it)
      return withCall ? [insn(0xbf, 1, r.pick(WREGS)), insn(0x85, 0, 1, 0, -1), ...resetScratch(r)] : alu(r);
  }
}

/** Generate program `i`: prologue (ctx, bounds check), random body, epilogue (registers to the stack), sub. */
export function generateProgram(r: Rng): { insns: Insn[]; corrupted: string | null } {
  const body: Insn[] = [];
  const n = r.range(1, 30);
  for (let k = 0; k < n; k++) body.push(...item(r, true));
  const init = WREGS.flatMap((k) => [insn(0x18, k, 0, 0, imm(r)), insn(0, 0, 0, 0, imm(r))]);
  const epi = [...WREGS.map((k, j) => insn(0x7b, 10, k, -8 * (j + 10))), insn(0x95)];
  const sub = [insn(0xbf, 0, 1), insn(0x27, 0, 0, 0, 3), insn(0x7b, 10, 0, -8), insn(0x79, 2, 10, -8), insn(0x0f, 0, 2), insn(0x95)];
  const head = [insn(0xbf, 6, 1), insn(0x61, 7, 6, 0), insn(0x61, 8, 6, 4), insn(0xbf, 2, 7), insn(0x07, 2, 0, 0, PKT_NEED)];
  // if r2 > r8 goto early-exit (placed after the epilogue)
  const mainLen = head.length + 1 + init.length + body.length + epi.length;
  const early = [insn(0xb7, 0, 0, 0, 1), insn(0x95)];
  const called = body.some((x) => x.op === 0x85 && x.src === 1);
  const prog = [...head, insn(0x2d, 2, 8, mainLen - (head.length + 1), 0), ...init, ...body, ...epi, ...early, ...(called ? sub : [])];
  const subAt = mainLen + early.length;
  for (let k = 0; k < prog.length; k++) {
    if (prog[k].op === 0x85 && prog[k].src === 1 && prog[k].imm === -1) prog[k] = insn(0x85, 0, 1, 0, subAt - (k + 1));
  }
  let corrupted: string | null = null;
  if (r.chance(1 / 3)) {
    const k = r.int(prog.length);
    const f = r.int(5);
    const old = { ...prog[k] };
    const v = prog[k];
    if (f === 0) v.op = r.int(256);
    else if (f === 1) v.dst = r.int(16);
    else if (f === 2) v.src = r.int(16);
    else if (f === 3) v.off = r.range(-0x8000, 0x7fff);
    else v.imm = imm(r);
    corrupted = `insn #${k} ${JSON.stringify(old)} -> ${JSON.stringify(v)}`;
  }
  return { insns: prog, corrupted };
}

export function runProgramCampaign(opts: CampaignOptions): CampaignResult {
  // A corrupted loop counter can make the verifier walk its full 1M-instruction complexity limit
  // (as the kernel's does) before it rejects: ~20 s here, so the per-case bound is 60 s.
  const t = new Tally("program", { caseLimitMs: 60000, ...opts });
  const maps = [mapSpec(0, "arr", { valueSize: 16, maxEntries: 4 }), mapSpec(1, "hash", { type: 1, valueSize: 16, maxEntries: 4 })];
  let verifiedOk = 0;
  let rejected = 0;
  for (const i of t.cases()) {
    const r = new Rng(caseSeed(opts.seed, i));
    const { insns, corrupted } = generateProgram(r);
    const len = r.chance(0.1) ? r.range(14, PKT_NEED - 1) : r.range(PKT_NEED, 200);
    const packet = new Uint8Array(len).map(() => r.int(256));
    const setup: Setup = { insns, maps, packet, repeat: r.range(1, 3), ...(r.chance(0.3) && { budget: r.range(10, 2000) }) };
    const t0 = performance.now();
    const label = corrupted ? `corrupted (${corrupted})` : "valid";
    // The verifier: a verdict, never a host exception.
    let accepted = false;
    try {
      const v = verifyProgram(objectOf(setup), 0, {});
      accepted = v.ok;
      if (v.ok) verifiedOk++;
      else rejected++;
    } catch (e) {
      if (!(e instanceof XdpsimError)) t.fail(i, `verifier threw on ${label} program`, describeError(e));
    }
    // Both backends (run without the verifier, as --no-verify does): identical outcomes.
    let a: unknown = null;
    let b: unknown = null;
    let hostError: unknown = null;
    try {
      a = runOn(createInterpreter, setup);
    } catch (e) {
      hostError = e;
    }
    try {
      b = runOn((rt) => createJit(rt, i % 2 === 0 ? {} : { outlineAbove: 40 }), setup);
    } catch (e) {
      hostError ??= e;
      if (a !== null) t.fail(i, `JIT threw where the interpreter did not, ${label}`, describeError(e));
    }
    if (hostError !== null) {
      // Only acceptable for a program the verifier refuses (what --no-verify is for) and only as an XdpsimError.
      if (accepted || !(hostError instanceof XdpsimError)) t.fail(i, `host exception on ${accepted ? "verified" : "rejected"} ${label} program`, describeError(hostError));
      t.outcome("load-error");
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      t.fail(i, `backends disagree on ${label} program`, `interp ${JSON.stringify(a).slice(0, 300)}\njit ${JSON.stringify(b).slice(0, 300)}`);
    } else {
      t.outcome((a as { fault: string | null }).fault ? "agree-fault" : "agree-ok");
    }
    t.timed(i, performance.now() - t0);
  }
  t.res.notes.push(`verifier accepted ${verifiedOk}, rejected ${rejected}`);
  return t.finish();
}
