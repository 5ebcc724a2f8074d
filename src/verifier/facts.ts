// Per-instruction facts the verifier proves for the JIT, joined over every verified path that
// reaches the instruction (insn_aux_data in kernel/bpf/verifier.c plays the same role there).
//
// Soundness contract: a fact holds on every execution of an accepted program.
//  - InsnFacts.visited false: no path reaches the instruction (dead code the kernel also skips).
//  - RegFact.kind: the register's type on every path ("mixed" if paths disagree).
//  - RegFact.value: present only when every path holds this exact 64-bit constant (unsigned
//    BigInt). Values that pruning may have merged (see below) are never reported as constants.
//  - RegFact.fitsU32 / fitsS53: the unsigned value is <= 0xffffffff / the signed value lies in
//    [-(2^53), 2^53] on every path (scalars only; false for pointers and "mixed").
//  - MemFact (loads, stores, atomics): `region` is the base register's type on every path,
//    `inBounds` that the verifier proved the whole access inside that region on every path
//    (packet accesses against data_end, stack at checked offsets, map values within value_size,
//    ctx fields); `stackOff` the frame-relative offset when constant on every path.
//  - BranchFacts (conditional jumps): `taken` / `fallthrough` say whether some verified path
//    followed that side; a side that is false is never taken at run time.
// Pruned paths: a path cut at a state equivalent to an explored one is not walked further, and
// registers whose value did not matter for safety may differ from the explored path's. Every
// register (and stack slot) that differed at a prune point is followed forward through the
// program (propagate-prune-taint.ts); wherever such a difference may reach, `value`/fits facts are
// dropped, and a register that is dead there gets kind "mixed". `kind` facts of registers an
// instruction reads, memory facts and branch facts are unaffected by pruning (pruning compares
// exactly those).

import { Reg, RegType } from "./reg-state.js";

export type RegKind =
  | "uninit" | "scalar" | "ctx" | "map_ptr" | "map_value" | "map_key" | "stack" | "packet_meta" | "packet"
  | "packet_end" | "mem" | "func" | "sock" | "sock_common" | "mixed";

export type Region = "ctx" | "packet" | "packet_meta" | "stack" | "map_value" | "map_key" | "mem" | "mixed";

export interface RegFact {
  kind: RegKind;
  /** Exact constant on every path (unsigned 64-bit), when known. */
  value?: bigint;
  fitsU32: boolean;
  fitsS53: boolean;
  /** True when some path saw this register maybe-NULL (map_value_or_null, ringbuf_mem_or_null). */
  maybeNull: boolean;
}

export interface MemFact {
  region: Region;
  inBounds: boolean;
  size: number;
  write: boolean;
  stackOff?: number;
}

export interface BranchFacts {
  taken: boolean;
  fallthrough: boolean;
}

export interface InsnFacts {
  visited: boolean;
  /** r0..r10 at entry to the instruction (the innermost frame executing it). */
  regs: RegFact[];
  mem?: MemFact;
  branch?: BranchFacts;
}

export type ProgramFacts = InsnFacts[];

const KIND: Record<number, RegKind> = {
  [RegType.NOT_INIT]: "uninit", [RegType.SCALAR]: "scalar", [RegType.CTX]: "ctx", [RegType.CONST_PTR_TO_MAP]: "map_ptr",
  [RegType.MAP_VALUE]: "map_value", [RegType.MAP_KEY]: "map_key", [RegType.STACK]: "stack",
  [RegType.PACKET_META]: "packet_meta", [RegType.PACKET]: "packet", [RegType.PACKET_END]: "packet_end",
  [RegType.MEM]: "mem", [RegType.FUNC]: "func", [RegType.SOCKET]: "sock", [RegType.SOCK_COMMON]: "sock_common",
};

export const regKind = (t: RegType): RegKind => KIND[t];

const S53 = 1n << 53n;

function factOf(r: Reg, trustValue: boolean): RegFact {
  const kind = KIND[r.type];
  if (r.type !== RegType.SCALAR) return { kind, fitsU32: false, fitsS53: false, maybeNull: r.maybeNull };
  if (!trustValue) return { kind, fitsU32: false, fitsS53: false, maybeNull: false };
  const f: RegFact = { kind, fitsU32: r.umax <= 0xffffffffn, fitsS53: r.smin >= -S53 && r.smax <= S53, maybeNull: false };
  if (r.varOff.mask === 0n) f.value = r.varOff.value;
  return f;
}

export function emptyFacts(n: number): ProgramFacts {
  const out: ProgramFacts = [];
  for (let i = 0; i < n; i++) out.push({ visited: false, regs: [] });
  return out;
}

/** Join the registers of one path into the instruction's facts. */
export function joinRegs(f: InsnFacts, regs: readonly Reg[], trust: (regno: number) => boolean): void {
  if (!f.visited) {
    f.visited = true;
    f.regs = regs.map((r, i) => factOf(r, trust(i)));
    return;
  }
  for (let i = 0; i < regs.length; i++) {
    const a = f.regs[i];
    const r = regs[i];
    if (a.kind === "mixed") continue;
    if (a.kind !== KIND[r.type]) {
      f.regs[i] = { kind: "mixed", fitsU32: false, fitsS53: false, maybeNull: a.maybeNull || r.maybeNull };
      continue;
    }
    if (r.type !== RegType.SCALAR) {
      if (r.maybeNull) a.maybeNull = true;
      continue;
    }
    if (a.fitsU32 && r.umax > 0xffffffffn) a.fitsU32 = false;
    if (a.fitsS53 && (r.smin < -S53 || r.smax > S53)) a.fitsS53 = false;
    if (a.value !== undefined && (r.varOff.mask !== 0n || r.varOff.value !== a.value)) delete a.value;
  }
}

/** After the first prune hit, drop values of registers pruning may have merged. */
export function forgetImprecise(f: InsnFacts, trust: (regno: number) => boolean): void {
  f.regs.forEach((r, i) => {
    if (!trust(i)) {
      delete r.value;
      r.fitsU32 = false;
      r.fitsS53 = false;
    }
  });
}

const REGION: Partial<Record<RegType, Region>> = {
  [RegType.CTX]: "ctx", [RegType.PACKET]: "packet", [RegType.PACKET_META]: "packet_meta", [RegType.STACK]: "stack",
  [RegType.MAP_VALUE]: "map_value", [RegType.MAP_KEY]: "map_key", [RegType.MEM]: "mem",
};

export function joinMem(f: InsnFacts, region: RegType, size: number, write: boolean, stackOff: number | undefined): void {
  const rg = REGION[region] ?? "mixed";
  if (!f.mem) {
    f.mem = { region: rg, inBounds: true, size, write, stackOff };
    return;
  }
  if (f.mem.region !== rg) f.mem.region = "mixed";
  if (f.mem.stackOff !== stackOff) delete f.mem.stackOff;
}

export function joinBranch(f: InsnFacts, taken: boolean, fallthrough: boolean): void {
  if (!f.branch) f.branch = { taken: false, fallthrough: false };
  f.branch.taken ||= taken;
  f.branch.fallthrough ||= fallthrough;
}
