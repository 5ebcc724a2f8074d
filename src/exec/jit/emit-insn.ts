// JS source for one straight-line instruction (ALU/ALU64, lddw, loads, stores, atomics) and for
// branch conditions, on int32 (lo, hi) register pairs; bit-exact with the interpreter. RFC 9669 §4–§5.

import { REGION_FUNC, REGION_PACKET } from "../../runtime/memory.js";
import type { Runtime } from "../../runtime/runtime.js";
import {
  OP_LDDW_FUNC, OP_LDDW_IMM, OP_LDDW_MAP, OP_LDDW_MAP_IDX, OP_LDDW_MAP_IDX_VALUE, OP_LDDW_MAP_VALUE, OP_MAY_GOTO,
  type DecodedProgram,
} from "./decode-insns.js";
import { alu64, borrowOf, carryOf, operand, TOP } from "./track-scalars.js";
import type { JitFacts, ProvenAccess, ScalarFact } from "./types.js";
import { sharedAtomicsActive } from "../shared-atomics.js";

/** What instruction emission needs from its surroundings. */
export interface InsnEnv {
  readonly rt: Runtime;
  readonly prog: DecodedProgram;
  readonly facts: JitFacts;
  /** JS expression naming register n's low / high word (an int32 l-value). */
  lo(n: number): string;
  hi(n: number): string;
  /** Index of a fault message in the module's side table (messages never enter generated source). */
  message(text: string): number;
  /** Name of the binding holding map `m`'s value region. */
  mapRegion(m: number): string;
}

/** Local names of the packet and stack views (cached per function invocation, refreshed after calls). */
const VIEWS = { packet: ["PV", "PB"], stack: ["SV", "SB"] } as const;

/** A literal that is safe next to any operator. */
function lit(n: number): string {
  return n < 0 || Object.is(n, -0) ? `(${n})` : `${n}`;
}

/** Facts just before slot i for registers `a` and `b` (TOP elsewhere and where nothing is known). */
function factsAt(env: InsnEnv, i: number, a: number, b: number): ScalarFact[] {
  const out: ScalarFact[] = new Array(11).fill(TOP);
  const f = env.facts.scalar;
  if (f !== undefined) {
    out[a] = f(i, a) ?? TOP;
    out[b] = f(i, b) ?? TOP;
  }
  return out;
}

function bswap32(x: string): string {
  return `((${x} << 24) | ((${x} & 0xff00) << 8) | ((${x} >>> 8) & 0xff00) | (${x} >>> 24))`;
}

/** Source of a non-branching instruction at slot `i` (statements, may be empty). */
export function emitInsn(env: InsnEnv, i: number): string {
  const p = env.prog;
  const op = p.op[i];
  const dn = p.dst[i] >> 1;
  const sn = p.src[i] >> 1;
  const imm = p.imm[i];
  const off = p.off[i];
  const DL = env.lo(dn), DH = env.hi(dn);
  const low = op & 0xff;
  const cls = low & 0x07;
  const isX = (low & 0x08) !== 0;
  if (op === OP_MAY_GOTO) return "/* may_goto: never taken */";
  if (cls === 0x07) {
    const SL = isX ? env.lo(sn) : lit(imm | 0);
    const SH = isX ? env.hi(sn) : lit(imm < 0 ? -1 : 0);
    const SLu = isX ? `(${SL} >>> 0)` : `${imm >>> 0}`;
    const regs = factsAt(env, i, dn, sn);
    return emitAlu64(op, DL, DH, SL, SH, SLu, isX, imm, regs[dn], operand(p, i, regs, true), alu64(p, i, regs));
  }
  if (cls === 0x04) {
    const SL = isX ? env.lo(sn) : lit(imm | 0);
    const SLu = isX ? `(${SL} >>> 0)` : `${imm >>> 0}`;
    return emitAlu32(op, DL, DH, SL, SLu, isX, imm);
  }
  if (cls === 0x00) return emitLddw(env, i, op, DL, DH);
  if (cls === 0x01) return emitLoad(env, i, low, DL, DH, sn, off);
  if (cls === 0x02 || cls === 0x03) {
    if ((low & 0xe0) === 0xc0) return emitAtomic(env, i, low, dn, sn, off, imm);
    const VL = cls === 0x02 ? lit(imm | 0) : env.lo(sn);
    const VH = cls === 0x02 ? lit(imm < 0 ? -1 : 0) : env.hi(sn);
    return emitStore(env, i, low, DL, DH, off, VL, VH);
  }
  throw new Error(`emitInsn: not a straight-line instruction at ${i} (op 0x${op.toString(16)})`);
}

function emitAlu64(op: number, DL: string, DH: string, SL: string, SH: string, SLu: string, isX: boolean, imm: number,
  a: ScalarFact, b: ScalarFact, out: ScalarFact): string {
  const carryHi = (sign: "+" | "-", cmp: string): string => {
    if (SH === "0") return `${DH} = (${DH} ${sign} (${cmp} ? 1 : 0)) | 0;`;
    return `${DH} = (${DH} ${sign} ${SH} ${sign} (${cmp} ? 1 : 0)) | 0;`;
  };
  /** The high word of the result: a constant when known, else `expr`. */
  const hiOf = (expr: string): string => (out.hi !== null ? `${DH} = ${lit(out.hi)};` : `${DH} = ${expr};`);
  switch (op) {
    case 0x07: case 0x0f: {
      const c = carryOf(a, b);
      if (out.hi !== null || c !== null) {
        const hi = out.hi !== null ? hiOf("") : SH === "0" && c === 0 ? "" : `${DH} = (${DH} + ${SH} + ${c}) | 0;`;
        return `${hi} ${DL} = (${DL} + ${SL}) | 0;`.trim();
      }
      return `t = (${DL} >>> 0) + ${SLu}; ${carryHi("+", "t > 4294967295")} ${DL} = t | 0;`;
    }
    case 0x17: case 0x1f: {
      const c = borrowOf(a, b);
      if (out.hi !== null || c !== null) {
        const hi = out.hi !== null ? hiOf("") : SH === "0" && c === 0 ? "" : `${DH} = (${DH} - ${SH} - ${c}) | 0;`;
        return `${hi} ${DL} = (${DL} - ${SL}) | 0;`.trim();
      }
      return `t = (${DL} >>> 0) - ${SLu}; ${carryHi("-", "t < 0")} ${DL} = t | 0;`;
    }
    case 0x27: case 0x2f:
      if (out.hi !== null) return `${hiOf("")} ${DL} = Math.imul(${DL}, ${SL});`;
      if (a.hi === 0 && b.hi === 0) return `${DH} = mulhu(${DL}, ${SL}); ${DL} = Math.imul(${DL}, ${SL});`;
      return `t = Math.imul(${DL}, ${SL}); ${DH} = (mulhu(${DL}, ${SL}) + Math.imul(${DL}, ${SH}) + Math.imul(${DH}, ${SL})) | 0; ${DL} = t;`;
    case 0x37: case 0x3f: { // div (unsigned)
      const slow = `{ ${DL} = udivmod64(${DL}, ${DH}, ${SL}, ${SH}, false); ${DH} = HI[0]; }`;
      if (!isX) {
        if (imm === 0) return `${DL} = 0; ${DH} = 0;`;
        if (imm < 0) return slow;
        if (a.hi === 0) return `${DL} = ((${DL} >>> 0) / ${imm}) | 0;`;
        return `if (${DH} === 0) ${DL} = ((${DL} >>> 0) / ${imm}) | 0; else ${slow}`;
      }
      if (a.hi === 0 && b.hi === 0) return `${DL} = ((${DL} >>> 0) / ${SLu}) | 0;`;
      return `if ((${SL} | ${SH}) === 0) { ${DL} = 0; ${DH} = 0; } else if ((${DH} | ${SH}) === 0) ${DL} = ((${DL} >>> 0) / ${SLu}) | 0; else ${slow}`;
    }
    case 0x97: case 0x9f: { // mod (unsigned); by zero leaves dst unchanged
      const slow = `{ ${DL} = udivmod64(${DL}, ${DH}, ${SL}, ${SH}, true); ${DH} = HI[0]; }`;
      if (!isX) {
        if (imm === 0) return "";
        if (imm < 0) return slow;
        if (a.hi === 0) return `${DL} = ((${DL} >>> 0) % ${imm}) | 0;`;
        return `if (${DH} === 0) ${DL} = ((${DL} >>> 0) % ${imm}) | 0; else ${slow}`;
      }
      if (a.hi === 0 && b.hi === 0) return `if (${SL} !== 0) ${DL} = ((${DL} >>> 0) % ${SLu}) | 0;`;
      return `if ((${SL} | ${SH}) !== 0) { if ((${DH} | ${SH}) === 0) ${DL} = ((${DL} >>> 0) % ${SLu}) | 0; else ${slow} }`;
    }
    case 0x137: case 0x13f: { // sdiv
      const slow = `{ ${DL} = sdivmod64(${DL}, ${DH}, ${SL}, ${SH}, false); ${DH} = HI[0]; }`;
      const fast = `{ t = Math.trunc(${DL} / ${SL}); ${DL} = t | 0; ${DH} = t < 0 ? -1 : 0; }`;
      if (!isX) {
        if (imm === 0) return `${DL} = 0; ${DH} = 0;`;
        return `if (${DH} === (${DL} >> 31)) ${fast} else ${slow}`;
      }
      return `if ((${SL} | ${SH}) === 0) { ${DL} = 0; ${DH} = 0; } else if (${DH} === (${DL} >> 31) && ${SH} === (${SL} >> 31)) ${fast} else ${slow}`;
    }
    case 0x197: case 0x19f: { // smod; by zero leaves dst unchanged
      const slow = `{ ${DL} = sdivmod64(${DL}, ${DH}, ${SL}, ${SH}, true); ${DH} = HI[0]; }`;
      const fast = `{ t = ${DL} % ${SL}; ${DL} = t | 0; ${DH} = t < 0 ? -1 : 0; }`;
      if (!isX) {
        if (imm === 0) return "";
        return `if (${DH} === (${DL} >> 31)) ${fast} else ${slow}`;
      }
      return `if ((${SL} | ${SH}) !== 0) { if (${DH} === (${DL} >> 31) && ${SH} === (${SL} >> 31)) ${fast} else ${slow} }`;
    }
    case 0x47: case 0x4f: return `${DL} = ${DL} | ${SL}; ${hiOf(`${DH} | ${SH}`)}`;
    case 0x57: case 0x5f: return `${DL} = ${DL} & ${SL}; ${hiOf(`${DH} & ${SH}`)}`;
    case 0xa7: case 0xaf: return `${DL} = ${DL} ^ ${SL}; ${hiOf(`${DH} ^ ${SH}`)}`;
    case 0x67: {
      const n = imm & 63;
      if (n === 0) return "";
      if (out.hi !== null) return n < 32 ? `${hiOf("")} ${DL} = ${DL} << ${n};` : `${hiOf("")} ${DL} = 0;`;
      return lsh64(DL, DH, n);
    }
    case 0x77: {
      const n = imm & 63;
      if (n === 0) return "";
      if (n < 32 && a.hi !== null) {
        const fromHi = (a.hi << (32 - n)) | 0;
        return `${DL} = ${fromHi === 0 ? `(${DL} >>> ${n})` : `(${DL} >>> ${n}) | ${lit(fromHi)}`}; ${hiOf("")}`;
      }
      return rsh64(DL, DH, n);
    }
    case 0xc7: {
      const n = imm & 63;
      if (n === 0) return "";
      if (n < 32 && a.hi !== null) {
        const fromHi = (a.hi << (32 - n)) | 0;
        return `${DL} = ${fromHi === 0 ? `(${DL} >>> ${n})` : `(${DL} >>> ${n}) | ${lit(fromHi)}`}; ${DH} = ${lit(a.hi >> n)};`;
      }
      return arsh64(DL, DH, n);
    }
    case 0x6f:
      return `t = ${SL} & 63; if (t >= 32) { ${DH} = ${DL} << (t - 32); ${DL} = 0; } else if (t !== 0) { ${DH} = (${DH} << t) | (${DL} >>> (32 - t)); ${DL} = ${DL} << t; }`;
    case 0x7f:
      return `t = ${SL} & 63; if (t >= 32) { ${DL} = (${DH} >>> (t - 32)) | 0; ${DH} = 0; } else if (t !== 0) { ${DL} = (${DL} >>> t) | (${DH} << (32 - t)); ${DH} = (${DH} >>> t) | 0; }`;
    case 0xcf:
      return `t = ${SL} & 63; if (t >= 32) { ${DL} = ${DH} >> (t - 32); ${DH} = ${DH} >> 31; } else if (t !== 0) { ${DL} = (${DL} >>> t) | (${DH} << (32 - t)); ${DH} = ${DH} >> t; }`;
    case 0x87: return `${DH} = (-${DH} - (${DL} !== 0 ? 1 : 0)) | 0; ${DL} = -${DL} | 0;`;
    case 0xb7: case 0xbf: return DL === SL ? "" : `${DL} = ${SL}; ${DH} = ${SH};`;
    case 0x1bf: return `${DL} = (${SL} << 24) >> 24; ${DH} = ${DL} >> 31;`;
    case 0x2bf: return `${DL} = (${SL} << 16) >> 16; ${DH} = ${DL} >> 31;`;
    case 0x3bf: return `${DL} = ${SL}; ${DH} = ${DL} >> 31;`;
    case 0x1d7: return `${DL} = ((${DL} & 0xff) << 8) | ((${DL} >>> 8) & 0xff); ${DH} = 0;`;
    case 0x2d7: return `${DL} = ${bswap32(DL)}; ${DH} = 0;`;
    case 0x3d7: return `t = ${DL}; ${DL} = ${bswap32(DH)}; ${DH} = ${bswap32("t")};`;
  }
  throw new Error(`emitAlu64: unhandled op 0x${op.toString(16)}`);
}

function lsh64(DL: string, DH: string, n: number): string {
  if (n === 0) return "";
  if (n < 32) return `${DH} = (${DH} << ${n}) | (${DL} >>> ${32 - n}); ${DL} = ${DL} << ${n};`;
  return `${DH} = ${DL} << ${n - 32}; ${DL} = 0;`;
}

function rsh64(DL: string, DH: string, n: number): string {
  if (n === 0) return "";
  if (n < 32) return `${DL} = (${DL} >>> ${n}) | (${DH} << ${32 - n}); ${DH} = ${DH} >>> ${n};`;
  return `${DL} = (${DH} >>> ${n - 32}) | 0; ${DH} = 0;`;
}

function arsh64(DL: string, DH: string, n: number): string {
  if (n === 0) return "";
  if (n < 32) return `${DL} = (${DL} >>> ${n}) | (${DH} << ${32 - n}); ${DH} = ${DH} >> ${n};`;
  return `${DL} = ${DH} >> ${n - 32}; ${DH} = ${DH} >> 31;`;
}

function emitAlu32(op: number, DL: string, DH: string, SL: string, SLu: string, isX: boolean, imm: number): string {
  const z = `${DH} = 0;`;
  switch (op) {
    case 0x04: case 0x0c: return `${DL} = (${DL} + ${SL}) | 0; ${z}`;
    case 0x14: case 0x1c: return `${DL} = (${DL} - ${SL}) | 0; ${z}`;
    case 0x24: case 0x2c: return `${DL} = Math.imul(${DL}, ${SL}); ${z}`;
    case 0x34: case 0x3c:
      if (!isX && imm === 0) return `${DL} = 0; ${z}`;
      return `${DL} = ((${DL} >>> 0) / ${SLu}) | 0; ${z}`;
    case 0x134: case 0x13c:
      if (!isX) return imm === 0 ? `${DL} = 0; ${z}` : `${DL} = (${DL} / ${SL}) | 0; ${z}`;
      return `${DL} = ${SL} === 0 ? 0 : (${DL} / ${SL}) | 0; ${z}`;
    case 0x94: case 0x9c:
      if (!isX) return imm === 0 ? z : `${DL} = ((${DL} >>> 0) % ${SLu}) | 0; ${z}`;
      return `if (${SL} !== 0) ${DL} = ((${DL} >>> 0) % ${SLu}) | 0; ${z}`;
    case 0x194: case 0x19c:
      if (!isX) return imm === 0 ? z : `${DL} = (${DL} % ${SL}) | 0; ${z}`;
      return `if (${SL} !== 0) ${DL} = (${DL} % ${SL}) | 0; ${z}`;
    case 0x44: case 0x4c: return `${DL} = ${DL} | ${SL}; ${z}`;
    case 0x54: case 0x5c: return `${DL} = ${DL} & ${SL}; ${z}`;
    case 0xa4: case 0xac: return `${DL} = ${DL} ^ ${SL}; ${z}`;
    case 0x64: return `${DL} = ${DL} << ${imm & 31}; ${z}`;
    case 0x6c: return `${DL} = ${DL} << ${SL}; ${z}`;
    case 0x74: return `${DL} = (${DL} >>> ${imm & 31}) | 0; ${z}`;
    case 0x7c: return `${DL} = (${DL} >>> ${SL}) | 0; ${z}`;
    case 0xc4: return `${DL} = ${DL} >> ${imm & 31}; ${z}`;
    case 0xcc: return `${DL} = ${DL} >> ${SL}; ${z}`;
    case 0x84: return `${DL} = -${DL} | 0; ${z}`;
    case 0xb4: case 0xbc: return DL === SL ? z : `${DL} = ${SL}; ${z}`;
    case 0x1bc: return `${DL} = (${SL} << 24) >> 24; ${z}`;
    case 0x2bc: return `${DL} = (${SL} << 16) >> 16; ${z}`;
    case 0x1d4: return `${DL} = ${DL} & 0xffff; ${z}`;
    case 0x2d4: return z;
    case 0x3d4: return "/* le64: no-op on a little-endian machine */";
    case 0x1dc: return `${DL} = ((${DL} & 0xff) << 8) | ((${DL} >>> 8) & 0xff); ${z}`;
    case 0x2dc: return `${DL} = ${bswap32(DL)}; ${z}`;
    case 0x3dc: return `t = ${DL}; ${DL} = ${bswap32(DH)}; ${DH} = ${bswap32("t")};`;
  }
  throw new Error(`emitAlu32: unhandled op 0x${op.toString(16)}`);
}

function emitLddw(env: InsnEnv, i: number, op: number, DL: string, DH: string): string {
  const p = env.prog;
  const imm = p.imm[i];
  switch (op) {
    case OP_LDDW_IMM: return `${DL} = ${lit(imm | 0)}; ${DH} = ${lit(p.khi[i] | 0)};`;
    case OP_LDDW_MAP:
    case OP_LDDW_MAP_IDX: {
      const map = env.rt.maps[imm];
      if (map === undefined) return `throw FT(${env.message(`lddw: no map in slot ${imm}`)}, ${i});`;
      return `${DL} = 0; ${DH} = ${map.handleRegion.id};`;
    }
    case OP_LDDW_MAP_VALUE:
    case OP_LDDW_MAP_IDX_VALUE: {
      const map = env.rt.maps[imm];
      if (map === undefined) return `throw FT(${env.message(`lddw: no map in slot ${imm}`)}, ${i});`;
      const vr = map.valueRegion;
      if (vr === null) return `throw FT(${env.message(`lddw: map '${map.spec.name}' has no addressable value`)}, ${i});`;
      return `${DL} = ${lit(p.khi[i] | 0)}; ${DH} = ${vr.id};`;
    }
    case OP_LDDW_FUNC: return `${DL} = ${lit(i + 1 + imm)}; ${DH} = ${REGION_FUNC};`;
  }
  throw new Error(`emitLddw: unhandled op 0x${op.toString(16)}`);
}

/**
 * [DataView, Uint8Array] expressions of the region a proven access reads/writes directly; `baseHi` is
 * the base register's high word (names the region for "any").
 */
function viewsOf(env: InsnEnv, pa: ProvenAccess, baseHi: string): readonly [string, string] {
  switch (pa.region) {
    case "any": return [`RG[${baseHi}].dv`, `RG[${baseHi}].bytes`];
    case "packet": return VIEWS.packet;
    case "stack": return VIEWS.stack;
    case "map-value": {
      const m = env.mapRegion(pa.map);
      return [`${m}.dv`, `${m}.bytes`];
    }
    case "ctx": return ["", ""];
  }
}

function addr(base: string, off: number): string {
  return off === 0 ? base : off < 0 ? `${base} - ${-off}` : `${base} + ${off}`;
}

const CTX_FIELDS: Record<number, [string, boolean]> = {
  0: ["X.data", true], 4: ["X.dataEnd", true], 8: ["X.meta", true],
  12: ["X.ingressIfindex", false], 16: ["X.rxQueueIndex", false], 20: ["X.egressIfindex", false],
};

function emitLoad(env: InsnEnv, i: number, op: number, DL: string, DH: string, sn: number, off: number): string {
  const SL = env.lo(sn), SH = env.hi(sn);
  const pa = env.facts.access(i);
  if (pa !== undefined && pa.region === "ctx" && op === 0x61) {
    const f = CTX_FIELDS[pa.offset];
    if (f !== undefined) return `${DL} = ${f[0]} | 0; ${DH} = ${f[1] ? REGION_PACKET : 0};`;
  }
  if (pa !== undefined && pa.region !== "ctx") {
    const [V, U] = viewsOf(env, pa, SH);
    const a = addr(SL, off);
    switch (op) {
      case 0x71: return `${DL} = ${U}[${a}]; ${DH} = 0;`;
      case 0x69: return `${DL} = ${V}.getUint16(${a}, true); ${DH} = 0;`;
      case 0x61: return `${DL} = ${V}.getInt32(${a}, true); ${DH} = 0;`;
      // Both words read before either half of dst is written (dst may be the base; V may name it).
      case 0x79: return `t = ${V}.getInt32(${a}, true); ${DH} = ${V}.getInt32(${addr(SL, off + 4)}, true); ${DL} = t;`;
      case 0x81: return `${DL} = ${V}.getInt32(${a}, true); ${DH} = ${DL} >> 31;`;
      case 0x89: return `${DL} = ${V}.getInt16(${a}, true); ${DH} = ${DL} >> 31;`;
      case 0x91: return `${DL} = ${V}.getInt8(${a}); ${DH} = ${DL} >> 31;`;
    }
  }
  const args = `${SH}, ${SL}, ${lit(off)}, ${i}`;
  switch (op) {
    case 0x71: return `${DL} = ldb(${args}); ${DH} = 0;`;
    case 0x69: return `${DL} = ldh(${args}); ${DH} = 0;`;
    case 0x61: return `${DL} = ldw(${args}); ${DH} = HI[0];`;
    case 0x79: return `${DL} = ldd(${args}); ${DH} = HI[0];`;
    case 0x81: return `${DL} = ldsw(${args}); ${DH} = ${DL} >> 31;`;
    case 0x89: return `${DL} = ldsh(${args}); ${DH} = ${DL} >> 31;`;
    case 0x91: return `${DL} = ldsb(${args}); ${DH} = ${DL} >> 31;`;
  }
  throw new Error(`emitLoad: unhandled op 0x${op.toString(16)}`);
}

function emitStore(env: InsnEnv, i: number, op: number, DL: string, DH: string, off: number, VL: string, VH: string): string {
  const pa = env.facts.access(i);
  const size = op & 0x18;
  if (pa !== undefined && pa.region !== "ctx") {
    const [V, U] = viewsOf(env, pa, DH);
    const a = addr(DL, off);
    switch (size) {
      case 0x10: return `${U}[${a}] = ${VL};`;
      case 0x08: return `${V}.setInt16(${a}, ${VL}, true);`;
      case 0x00: return `${V}.setInt32(${a}, ${VL}, true);`;
      default: return `${V}.setInt32(${a}, ${VL}, true); ${V}.setInt32(${addr(DL, off + 4)}, ${VH}, true);`;
    }
  }
  const args = `${DH}, ${DL}, ${lit(off)}`;
  switch (size) {
    case 0x10: return `stb(${args}, ${VL}, ${i});`;
    case 0x08: return `sth(${args}, ${VL}, ${i});`;
    case 0x00: return `stw(${args}, ${VL}, ${i});`;
    default: return `std(${args}, ${VL}, ${VH}, ${i});`;
  }
}

function emitAtomic(env: InsnEnv, i: number, op: number, dn: number, sn: number, off: number, imm: number): string {
  const DL = env.lo(dn), DH = env.hi(dn), SL = env.lo(sn), SH = env.hi(sn);
  const R0L = env.lo(0), R0H = env.hi(0);
  const pa = env.facts.access(i);
  if (pa !== undefined && pa.region !== "ctx" && !sharedAtomicsActive()) {
    return emitProvenAtomic(viewsOf(env, pa, imm === 0x100 ? SH : DH), op, imm, off, DL, DH, SL, SH, R0L, R0H);
  }
  if (imm === 0x100) return `${DL} = atomic(${op}, ${imm}, ${SH}, ${SL}, ${lit(off)}, 0, 0, 0, 0, ${i}); ${DH} = HI[0];`;
  const call = `atomic(${op}, ${imm}, ${DH}, ${DL}, ${lit(off)}, ${SL}, ${SH}, ${R0L}, ${R0H}, ${i})`;
  if (imm === 0xf1) return `${R0L} = ${call}; ${R0H} = HI[0];`;
  if (imm !== 0x110 && (imm & 1) !== 0) return `${SL} = ${call}; ${SH} = HI[0];`;
  return `${call};`;
}

/**
 * An atomic whose address is proven in bounds, inline (the interpreter's atomic() semantics: the old
 * value is read, the new one written, then fetch/xchg/cmpxchg update src or r0; 32-bit forms zero-extend).
 */
function emitProvenAtomic([V, U]: readonly [string, string], op: number, imm: number, off: number,
  DL: string, DH: string, SL: string, SH: string, R0L: string, R0H: string): string {
  const size = op & 0x18;
  if (imm === 0x100) { // load-acquire: dst = *(src + off)
    const a = addr(SL, off);
    if (size === 0x10) return `${DL} = ${U}[${a}]; ${DH} = 0;`;
    if (size === 0x08) return `${DL} = ${V}.getUint16(${a}, true); ${DH} = 0;`;
    if (size === 0x00) return `${DL} = ${V}.getInt32(${a}, true); ${DH} = 0;`;
    return `t = ${V}.getInt32(${a}, true); ${DH} = ${V}.getInt32(${addr(SL, off + 4)}, true); ${DL} = t;`;
  }
  const a = addr(DL, off), a4 = addr(DL, off + 4);
  if (imm === 0x110) { // store-release: *(dst + off) = src
    if (size === 0x10) return `${U}[${a}] = ${SL};`;
    if (size === 0x08) return `${V}.setInt16(${a}, ${SL}, true);`;
    if (size === 0x00) return `${V}.setInt32(${a}, ${SL}, true);`;
    return `${V}.setInt32(${a}, ${SL}, true); ${V}.setInt32(${a4}, ${SH}, true);`;
  }
  const fetch = (imm & 1) !== 0 && imm !== 0xf1;
  if (size === 0x00) {
    const load = `t = ${V}.getInt32(${a}, true);`;
    let body: string;
    switch (imm & ~1) {
      case 0x00: body = `${V}.setInt32(${a}, (t + ${SL}) | 0, true);`; break;
      case 0x40: body = `${V}.setInt32(${a}, t | ${SL}, true);`; break;
      case 0x50: body = `${V}.setInt32(${a}, t & ${SL}, true);`; break;
      case 0xa0: body = `${V}.setInt32(${a}, t ^ ${SL}, true);`; break;
      case 0xe0: body = `${V}.setInt32(${a}, ${SL}, true);`; break;
      default: return `${load} if (t === ${R0L}) ${V}.setInt32(${a}, ${SL}, true); ${R0L} = t; ${R0H} = 0;`;
    }
    return `${load} ${body}${fetch ? ` ${SL} = t; ${SH} = 0;` : ""}`;
  }
  const load = `t = ${V}.getInt32(${a}, true); u = ${V}.getInt32(${a4}, true);`;
  const put = (lo: string, hi: string): string => `${V}.setInt32(${a}, ${lo}, true); ${V}.setInt32(${a4}, ${hi}, true);`;
  let body: string;
  switch (imm & ~1) {
    case 0x00: body = `v = (t >>> 0) + (${SL} >>> 0); ${put("v | 0", `(u + ${SH} + (v > 4294967295 ? 1 : 0)) | 0`)}`; break;
    case 0x40: body = put(`t | ${SL}`, `u | ${SH}`); break;
    case 0x50: body = put(`t & ${SL}`, `u & ${SH}`); break;
    case 0xa0: body = put(`t ^ ${SL}`, `u ^ ${SH}`); break;
    case 0xe0: body = put(SL, SH); break;
    default: return `${load} if (t === ${R0L} && u === ${R0H}) { ${put(SL, SH)} } ${R0L} = t; ${R0H} = u;`;
  }
  return `${load} ${body}${fetch ? ` ${SL} = t; ${SH} = u;` : ""}`;
}

/** JS boolean expression: whether the conditional jump at slot `i` is taken. */
export function emitCondition(env: InsnEnv, i: number): string {
  const p = env.prog;
  const op = p.op[i];
  const dn = p.dst[i] >> 1, sn = p.src[i] >> 1;
  const imm = p.imm[i];
  const isX = (op & 0x08) !== 0;
  const DL = env.lo(dn), DH = env.hi(dn);
  const code = op & 0xf0;
  if ((op & 0x07) === 0x06) {
    const SL = isX ? env.lo(sn) : lit(imm | 0);
    const SLu = isX ? `(${SL} >>> 0)` : `${imm >>> 0}`;
    const DLu = `(${DL} >>> 0)`;
    switch (code) {
      case 0x10: return `${DL} === ${SL}`;
      case 0x50: return `${DL} !== ${SL}`;
      case 0x40: return `(${DL} & ${SL}) !== 0`;
      case 0x20: return `${DLu} > ${SLu}`;
      case 0x30: return `${DLu} >= ${SLu}`;
      case 0xa0: return `${DLu} < ${SLu}`;
      case 0xb0: return `${DLu} <= ${SLu}`;
      case 0x60: return `${DL} > ${SL}`;
      case 0x70: return `${DL} >= ${SL}`;
      case 0xc0: return `${DL} < ${SL}`;
      case 0xd0: return `${DL} <= ${SL}`;
    }
  } else {
    const SL = isX ? env.lo(sn) : lit(imm | 0);
    const SH = isX ? env.hi(sn) : lit(imm < 0 ? -1 : 0);
    const SLu = isX ? `(${SL} >>> 0)` : `${imm >>> 0}`;
    const SHu = isX ? `(${SH} >>> 0)` : `${imm < 0 ? 4294967295 : 0}`;
    const DLu = `(${DL} >>> 0)`, DHu = `(${DH} >>> 0)`;
    const regs = factsAt(env, i, dn, sn);
    const a = regs[dn], b = operand(p, i, regs, true);
    if (a.hi !== null && b.hi !== null) {
      // Both high words known: they decide, or (when equal) the low words alone do.
      const ah = a.hi, bh = b.hi, au = ah >>> 0, bu = bh >>> 0;
      switch (code) {
        case 0x10: return ah !== bh ? "false" : `${DL} === ${SL}`;
        case 0x50: return ah !== bh ? "true" : `${DL} !== ${SL}`;
        case 0x40: return (ah & bh) !== 0 ? "true" : `(${DL} & ${SL}) !== 0`;
        case 0x20: return au !== bu ? `${au > bu}` : `${DLu} > ${SLu}`;
        case 0x30: return au !== bu ? `${au > bu}` : `${DLu} >= ${SLu}`;
        case 0xa0: return au !== bu ? `${au < bu}` : `${DLu} < ${SLu}`;
        case 0xb0: return au !== bu ? `${au < bu}` : `${DLu} <= ${SLu}`;
        case 0x60: return ah !== bh ? `${ah > bh}` : `${DLu} > ${SLu}`;
        case 0x70: return ah !== bh ? `${ah > bh}` : `${DLu} >= ${SLu}`;
        case 0xc0: return ah !== bh ? `${ah < bh}` : `${DLu} < ${SLu}`;
        case 0xd0: return ah !== bh ? `${ah < bh}` : `${DLu} <= ${SLu}`;
      }
    }
    const ucmp = (o: string, strict: string): string => `${DHu} ${strict} ${SHu} || (${DH} === ${SH} && ${DLu} ${o} ${SLu})`;
    const scmp = (o: string, strict: string): string => `${DH} ${strict} ${SH} || (${DH} === ${SH} && ${DLu} ${o} ${SLu})`;
    switch (code) {
      case 0x10: return `${DL} === ${SL} && ${DH} === ${SH}`;
      case 0x50: return `${DL} !== ${SL} || ${DH} !== ${SH}`;
      case 0x40: return `(${DL} & ${SL}) !== 0 || (${DH} & ${SH}) !== 0`;
      case 0x20: return ucmp(">", ">");
      case 0x30: return ucmp(">=", ">");
      case 0xa0: return ucmp("<", "<");
      case 0xb0: return ucmp("<=", "<");
      case 0x60: return scmp(">", ">");
      case 0x70: return scmp(">=", ">");
      case 0xc0: return scmp("<", "<");
      case 0xd0: return scmp("<=", "<");
    }
  }
  throw new Error(`emitCondition: unhandled op 0x${op.toString(16)}`);
}
