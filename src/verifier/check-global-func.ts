// Global (non-static) BPF functions: argument types from BTF, the caller-side argument check and
// the callee's entry state for its separate verification (btf_prepare_func_args,
// btf_check_subprog_call in kernel/bpf/btf.c and kernel/bpf/verifier.c).

import { BTF_FUNC_GLOBAL, BtfKind, type Btf } from "../btf/types.js";
import type { ProgramSpec } from "../loader/types.js";
import { Reg, RegType, isNullScalar, pointerReg, unknownScalar } from "./reg-state.js";
import { VerifyAbort } from "./verifier-env.js";

export type GlobalArg = { kind: "scalar" } | { kind: "ctx" } | { kind: "mem"; size: number };

export interface GlobalFuncInfo {
  name: string;
  args: GlobalArg[];
}

/** BTF of a subprogram starting at `start`, when it is a global function. */
export function globalFuncInfo(btf: Btf | null, prog: ProgramSpec, start: number): GlobalFuncInfo | null {
  if (!btf || start === 0) return null;
  const fi = prog.funcInfo.find((f) => f.insn === start);
  if (!fi) return null;
  const fn = btf.types[fi.btfTypeId];
  if (!fn || fn.kind !== BtfKind.FUNC || fn.linkage !== BTF_FUNC_GLOBAL) return null;
  const proto = btf.types[fn.type];
  if (!proto || proto.kind !== BtfKind.FUNC_PROTO) return null;
  const ret = btf.skipModsAndTypedefs(proto.returnType);
  if (ret.kind !== BtfKind.INT && ret.kind !== BtfKind.ENUM && ret.kind !== BtfKind.ENUM64) {
    throw new VerifyAbort([`Global function ${fi.name}() doesn't return scalar. Only those are supported.`], start);
  }
  const args: GlobalArg[] = proto.params.map((p, i) => {
    const t = btf.skipModsAndTypedefs(p.type);
    if (t.kind === BtfKind.INT || t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) return { kind: "scalar" };
    if (t.kind === BtfKind.PTR) {
      const target = btf.skipModsAndTypedefs(t.type);
      if ((target.kind === BtfKind.STRUCT || target.kind === BtfKind.FWD) && target.name === "xdp_md") return { kind: "ctx" };
      let size = 0;
      try { size = target.kind === BtfKind.UNKN ? 0 : btf.sizeOf(t.type); } catch { size = 0; }
      if (size > 0) return { kind: "mem", size };
    }
    throw new VerifyAbort([`arg#${i} reference type('${btf.typeName(p.type)}') size cannot be determined: -22`], start);
  });
  return { name: fi.name, args };
}

/** Entry registers r1..r5 of a global function verified on its own. */
export function globalEntryRegs(info: GlobalFuncInfo, nextId: () => number): Map<number, Reg> {
  const out = new Map<number, Reg>();
  info.args.forEach((a, i) => {
    if (a.kind === "scalar") out.set(i + 1, unknownScalar());
    else if (a.kind === "ctx") out.set(i + 1, pointerReg(RegType.CTX));
    else {
      const r = pointerReg(RegType.MEM);
      r.maybeNull = true;
      r.memSize = a.size;
      r.id = nextId();
      out.set(i + 1, r);
    }
  });
  return out;
}

export { isNullScalar };
