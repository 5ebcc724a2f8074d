// Helper calls: availability and GPL checks, argument types per prototype (check_func_arg),
// memory arguments, map/helper compatibility, return value and reference tracking
// (check_helper_call, check_func_arg, check_mem_size_reg in kernel/bpf/verifier.c).

import * as os from "node:os";
import { BtfKind } from "../btf/types.js";
import { Reg, RegType, boundsSync, isNullScalar, newReg, pointerReg, unknownScalar } from "./reg-state.js";
import { tnumIsConst } from "./tnum.js";
import { Arg, BPF_FUNC_MAX_ID, HelperProto, Ret, helperName, mapAllowsHelper, xdpHelperProto } from "./helper-protos.js";
import {
  BPF_MAX_VAR_SIZ, checkMemRegionAccess, checkPacketAccess, checkPtrAlignment, checkPtrOffReg, checkStackRangeInitialized,
  frameOf, isPointerValue,
} from "./check-mem-access.js";
import { regTypeStr } from "./format-log.js";
import { BPF_REG_SIZE, Env, Stack, curRegs, fail, forEachReg } from "./verifier-env.js";

const MEM_TYPES = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";

interface CallMeta {
  mapIndex: number;
  /** Constant array key (for NULL elision), -1 when not known. */
  constMapKey: bigint;
  rawMode: boolean;
  memSize: number;
  releaseRegno: number;
  refObjId: number;
  callbackInsn: number;
  /** bpf_loop's nr_loops upper bound. */
  nrLoopsMax: bigint;
}

/** Outcome the walk needs: a bpf_loop callback to explore from `callback` (first insn). */
export interface HelperCallResult {
  callback: number | null;
  /** Map slot of bpf_for_each_map_elem's map (its callback gets key and value pointers). */
  callbackMap?: number;
  changesPktData: boolean;
}

const CPU_COUNT = BigInt(Math.max(1, os.cpus().length));

function expectedTypes(arg: Arg): { ok: (r: Reg) => boolean; names: string } {
  switch (arg) {
    case Arg.CONST_MAP_PTR: return { ok: (r) => r.type === RegType.CONST_PTR_TO_MAP, names: "map_ptr" };
    case Arg.PTR_TO_CTX: return { ok: (r) => r.type === RegType.CTX, names: "ctx" };
    case Arg.PTR_TO_FUNC: return { ok: (r) => r.type === RegType.FUNC, names: "func" };
    case Arg.PTR_TO_STACK_OR_NULL: return { ok: (r) => r.type === RegType.STACK, names: "fp" };
    case Arg.PTR_TO_RINGBUF_MEM_RELEASE: return { ok: (r) => r.type === RegType.MEM && r.ringbuf && !r.maybeNull, names: "ringbuf_mem" };
    case Arg.PTR_TO_SPIN_LOCK: return { ok: (r) => r.type === RegType.MAP_VALUE && !r.maybeNull, names: "map_value, ptr_" };
    case Arg.PTR_TO_SOCK_COMMON: case Arg.PTR_TO_SOCK_COMMON_RELEASE:
      return { ok: (r) => (r.type === RegType.SOCKET || r.type === RegType.SOCK_COMMON) && !r.maybeNull, names: "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_" };
    case Arg.CONST_SIZE: case Arg.CONST_SIZE_OR_ZERO: case Arg.CONST_ALLOC_SIZE_OR_ZERO:
      return { ok: (r) => r.type === RegType.SCALAR, names: "scalar" };
    default:
      return {
        ok: (r) => !r.maybeNull && (r.type === RegType.STACK || r.type === RegType.PACKET || r.type === RegType.PACKET_META ||
          r.type === RegType.MAP_KEY || r.type === RegType.MAP_VALUE || r.type === RegType.MEM),
        names: MEM_TYPES,
      };
  }
}

/** check_helper_mem_access: `regno` points to `size` bytes the helper reads or writes. */
function checkHelperMemAccess(env: Env, regno: number, size: number, write: boolean, zeroOk: boolean, raw: boolean): void {
  const r = curRegs(env)[regno];
  switch (r.type) {
    case RegType.PACKET: case RegType.PACKET_META:
      checkPacketAccess(env, regno, r, r.off, size, zeroOk);
      return;
    case RegType.MAP_KEY:
      if (write) fail(env, `R${regno} cannot write into ${regTypeStr(r)}`);
      checkMemRegionAccess(env, regno, r, r.off, size, env.maps[r.mapIndex].keySize, false);
      return;
    case RegType.MAP_VALUE: {
      const m = env.maps[r.mapIndex];
      if (write && m.readOnly) fail(env, `write into map forbidden, value_size=${m.valueSize} off=${r.off} size=${size}`);
      checkMemRegionAccess(env, regno, r, r.off, size, m.valueSize, zeroOk);
      return;
    }
    case RegType.MEM:
      if (r.rdonly && write) fail(env, `R${regno} cannot write into ${regTypeStr(r)}`);
      checkMemRegionAccess(env, regno, r, r.off, size, r.memSize, zeroOk);
      return;
    case RegType.STACK:
      checkStackRangeInitialized(env, regno, r.off, size, zeroOk, write, raw);
      return;
    default:
      if (zeroOk && size === 0 && isNullScalar(r)) return;
      fail(env, `R${regno} type=${regTypeStr(r)} expected=fp`);
  }
}

/** check_mem_reg: `size` bytes at `regno` must be readable and writable (global function args). */
export function checkHelperMemArg(env: Env, regno: number, size: number): void {
  checkHelperMemAccess(env, regno, size, false, true, false);
  checkHelperMemAccess(env, regno, size, true, true, false);
}

function checkMemSizeReg(env: Env, regno: number, zeroOk: boolean, write: boolean, meta: CallMeta): void {
  const r = curRegs(env)[regno];
  const raw = tnumIsConst(r.varOff) ? meta.rawMode : false;
  if (r.smin < 0n) fail(env, `R${regno} min value is negative, either use unsigned or 'var &= const'`);
  if (r.umin === 0n && !zeroOk) fail(env, `R${regno} invalid zero-sized read: u64=[${r.umin},${r.umax}]`);
  if (r.umax >= BigInt(BPF_MAX_VAR_SIZ)) fail(env, `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
  checkHelperMemAccess(env, regno - 1, Number(r.umax), write, zeroOk, raw);
}

/** get_constant_map_key for array maps (NULL elision of bpf_map_lookup_elem). */
function constantMapKey(env: Env, key: Reg, keySize: number): bigint {
  if (!env.caps.bpfCapable || key.type !== RegType.STACK || !tnumIsConst(key.varOff)) return -1n;
  const stackOff = key.off + Number(BigInt.asIntN(64, key.varOff.value));
  const slot = -stackOff - 1;
  const spi = Math.floor(slot / BPF_REG_SIZE);
  const off = slot % BPF_REG_SIZE;
  const f = frameOf(env, key);
  const s = f.stack[spi];
  if (!s) return -1n;
  let zero = 0;
  for (let i = off; i >= 0 && s.types[i] === Stack.ZERO; i--) zero++;
  if (zero >= keySize) return 0n;
  if (s.types[BPF_REG_SIZE - 1] !== Stack.SPILL || s.spilled.type !== RegType.SCALAR) return -1n;
  let spill = 0;
  for (let i = off; i >= 0 && s.types[i] === Stack.SPILL; i--) spill++;
  if (spill !== keySize) return -1n;
  if (!tnumIsConst(s.spilled.varOff)) return -1n;
  return s.spilled.varOff.value;
}

function checkFuncArg(env: Env, proto: HelperProto, i: number, meta: CallMeta): void {
  const arg = proto.args[i];
  const regno = i + 1;
  const regs = curRegs(env);
  const r = regs[regno];
  if (arg === Arg.DONTCARE) return;
  if (r.type === RegType.NOT_INIT) fail(env, `R${regno} !read_ok`);
  if (arg === Arg.ANYTHING) {
    if (isPointerValue(env, r)) fail(env, `R${regno} leaks addr into helper function`);
    return;
  }
  const mayBeNull = arg === Arg.PTR_TO_MEM_RDONLY_OR_NULL || arg === Arg.PTR_TO_STACK_OR_NULL || arg === Arg.PTR_TO_MEM_OR_NULL_WRITE;
  if (!(isNullScalar(r) && mayBeNull)) {
    const exp = expectedTypes(arg);
    if (!exp.ok(r)) fail(env, `R${regno} type=${regTypeStr(r)} expected=${exp.names}`);
    // check_func_arg_reg_off
    if (arg === Arg.PTR_TO_CTX) checkPtrOffReg(env, regno, r, false);
    else if (arg === Arg.PTR_TO_RINGBUF_MEM_RELEASE) {
      if (r.off || !tnumIsConst(r.varOff) || r.varOff.value) {
        fail(env, `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`);
      }
    } else if (r.type !== RegType.SCALAR && r.type !== RegType.STACK && r.type !== RegType.PACKET &&
      r.type !== RegType.PACKET_META && r.type !== RegType.MAP_VALUE && r.type !== RegType.MAP_KEY && r.type !== RegType.MEM) {
      checkPtrOffReg(env, regno, r, false);
    }
  }
  if (arg === Arg.PTR_TO_RINGBUF_MEM_RELEASE || arg === Arg.PTR_TO_SOCK_COMMON_RELEASE) {
    if (!r.refObjId && !isNullScalar(r)) fail(env, `R${regno} must be referenced when passed to release function`);
    meta.releaseRegno = regno;
  }
  if (r.refObjId) {
    if (meta.refObjId) fail(env, `more than one arg with ref_obj_id R${regno} ${r.refObjId} ${meta.refObjId}`);
    meta.refObjId = r.refObjId;
  }
  switch (arg) {
    case Arg.CONST_MAP_PTR:
      meta.mapIndex = r.mapIndex;
      break;
    case Arg.PTR_TO_MAP_KEY: {
      const m = env.maps[meta.mapIndex];
      checkHelperMemAccess(env, regno, m.keySize, false, false, false);
      if (m.type === 2 || m.type === 6) meta.constMapKey = constantMapKey(env, r, m.keySize);
      break;
    }
    case Arg.PTR_TO_MAP_VALUE: case Arg.PTR_TO_UNINIT_MAP_VALUE: {
      const m = env.maps[meta.mapIndex];
      const uninit = arg === Arg.PTR_TO_UNINIT_MAP_VALUE;
      checkHelperMemAccess(env, regno, m.valueSize, uninit, false, uninit);
      break;
    }
    case Arg.PTR_TO_FUNC:
      meta.callbackInsn = r.subprog;
      break;
    case Arg.PTR_TO_MEM_RDONLY: case Arg.PTR_TO_MEM_RDONLY_OR_NULL: case Arg.PTR_TO_MEM: case Arg.PTR_TO_MEM_OR_NULL_WRITE:
      meta.rawMode = false;
      break;
    case Arg.PTR_TO_UNINIT_MEM:
      meta.rawMode = true;
      break;
    case Arg.PTR_TO_FIXED_U32_WRITE:
      checkHelperMemAccess(env, regno, 4, true, false, false);
      checkPtrAlignment(env, regno, r, 0, 4, true);
      break;
    case Arg.PTR_TO_FIXED_U64_WRITE:
      checkHelperMemAccess(env, regno, 8, true, false, true);
      checkPtrAlignment(env, regno, r, 0, 8, true);
      break;
    case Arg.CONST_SIZE: case Arg.CONST_SIZE_OR_ZERO: {
      const prev = proto.args[i - 1];
      const write = prev === Arg.PTR_TO_UNINIT_MEM || prev === Arg.PTR_TO_MEM || prev === Arg.PTR_TO_MEM_OR_NULL_WRITE;
      checkMemSizeReg(env, regno, arg === Arg.CONST_SIZE_OR_ZERO, write, meta);
      break;
    }
    case Arg.CONST_ALLOC_SIZE_OR_ZERO:
      if (!tnumIsConst(r.varOff)) fail(env, `R${regno} is not a known constant'`);
      meta.memSize = Number(r.varOff.value);
      break;
    case Arg.PTR_TO_SPIN_LOCK: {
      if (!tnumIsConst(r.varOff)) {
        fail(env, `R${regno} doesn't have constant offset. bpf_spin_lock has to be at the constant offset`);
      }
      const m = env.maps[r.mapIndex];
      const lockOff = spinLockOffset(env, r.mapIndex);
      if (lockOff === undefined) fail(env, `map '${m.name}' has to have BTF in order to use bpf_spin_lock`);
      if (lockOff === null) fail(env, `map '${m.name}' has no valid bpf_spin_lock`);
      const at = Number(r.varOff.value) + r.off;
      if (at !== lockOff) fail(env, `off ${at} doesn't point to 'struct bpf_spin_lock' that is at ${lockOff}`);
      meta.mapIndex = r.mapIndex;
      break;
    }
  }
}

/**
 * Offset of the `struct bpf_spin_lock` member of a map's value type (from BTF): null when the
 * value has none, undefined when the map has no BTF.
 */
export function spinLockOffset(env: Env, mapIndex: number): number | null | undefined {
  const m = env.maps[mapIndex];
  const btf = env.obj.btf;
  if (!btf || !m.btfValueTypeId) return undefined;
  const t = btf.skipModsAndTypedefs(m.btfValueTypeId);
  if (t.kind !== BtfKind.STRUCT) return null;
  for (const mem of t.members) {
    const mt = btf.skipModsAndTypedefs(mem.type);
    if (mt.kind === BtfKind.STRUCT && mt.name === "bpf_spin_lock") return mem.bitOffset / 8;
  }
  return null;
}

/** Invalidates packet pointers after a helper that may move the packet (clear_all_pkt_pointers). */
export function clearAllPktPointers(env: Env): void {
  forEachReg(env.cur, (r) => {
    if (r.type === RegType.PACKET || r.type === RegType.PACKET_META || r.type === RegType.PACKET_END) {
      const fresh = env.caps.allowPtrLeaks ? unknownScalar() : newReg();
      Object.assign(r, fresh);
    }
  });
}

export function checkHelperCall(env: Env, id: number): HelperCallResult {
  if (id < 0 || id >= BPF_FUNC_MAX_ID) fail(env, `invalid func unknown#${id}`);
  const proto = xdpHelperProto(id);
  const capOk = !proto || proto.cap === 0 || (proto.cap === 1 && env.caps.bpfCapable) || (proto.cap === 2 && env.caps.allowPtrLeaks);
  if (!proto || !capOk) fail(env, `program of this type cannot use helper ${helperName(id)}#${id}`);
  if (!env.obj.gplCompatible && proto.gplOnly) fail(env, "cannot call GPL-restricted function from non-GPL compatible program");
  const meta: CallMeta = {
    mapIndex: -1, constMapKey: -1n, rawMode: false, memSize: 0, releaseRegno: 0, refObjId: 0, callbackInsn: -1, nrLoopsMax: 0n,
  };
  for (let i = 0; i < proto.args.length; i++) checkFuncArg(env, proto, i, meta);
  const regs = curRegs(env);
  if (meta.releaseRegno) {
    if (meta.refObjId) {
      const rid = meta.refObjId;
      if (!env.cur.refs.some((x) => x.id === rid)) fail(env, `func ${proto.name}#${id} reference has not been acquired before`);
      env.cur.refs = env.cur.refs.filter((x) => x.id !== rid);
      forEachReg(env.cur, (r) => {
        if (r.refObjId === rid) Object.assign(r, env.caps.allowPtrLeaks ? unknownScalar() : newReg());
      });
    } else if (!isNullScalar(regs[meta.releaseRegno])) {
      fail(env, `func ${proto.name}#${id} reference has not been acquired before`);
    }
  }
  let callback: number | null = null;
  if (id === 12) {
    if (env.cur.lockMap >= 0) fail(env, "tail_call cannot be used inside bpf_spin_lock-ed region");
    if (env.cur.refs.length) {
      fail(env, ...env.cur.refs.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn}`), "tail_call would lead to reference leak");
    }
  }
  if (id === 181 || id === 164) {
    if (meta.callbackInsn < 0) fail(env, "kernel subsystem misconfigured verifier");
    callback = meta.callbackInsn;
  }
  if (id === 93) {
    if (env.cur.lockMap >= 0) fail(env, "Locking two bpf_spin_locks are not allowed");
    env.cur.lockMap = meta.mapIndex;
    env.cur.lockId = regs[1].id;
  }
  if (id === 94) {
    if (env.cur.lockMap < 0) fail(env, "bpf_spin_unlock without taking a lock");
    if (env.cur.lockMap !== meta.mapIndex || env.cur.lockId !== regs[1].id) fail(env, "bpf_spin_unlock of different lock");
    env.cur.lockMap = -1;
    env.cur.lockId = 0;
  }
  // Caller-saved registers are clobbered.
  for (let r = 0; r <= 5; r++) regs[r] = newReg();
  switch (proto.ret) {
    case Ret.INTEGER: {
      const r0 = unknownScalar();
      if (id === 8) {
        r0.umin = 0n; r0.umax = CPU_COUNT - 1n; r0.smin = 0n; r0.smax = CPU_COUNT - 1n;
        r0.u32min = 0n; r0.u32max = CPU_COUNT - 1n; r0.s32min = 0n; r0.s32max = CPU_COUNT - 1n;
        boundsSync(r0);
      }
      regs[0] = r0;
      break;
    }
    case Ret.VOID:
      break;
    case Ret.MAP_VALUE_OR_NULL: {
      const m = env.maps[meta.mapIndex];
      const r0 = pointerReg(RegType.MAP_VALUE);
      r0.mapIndex = meta.mapIndex;
      const elide = id === 1 && (m.type === 2 || m.type === 6) && meta.constMapKey >= 0n && meta.constMapKey < BigInt(m.maxEntries);
      r0.maybeNull = !elide;
      if (r0.maybeNull || typeof spinLockOffset(env, meta.mapIndex) === "number") r0.id = ++env.idGen;
      regs[0] = r0;
      break;
    }
    case Ret.SOCKET_OR_NULL: case Ret.SOCK_COMMON_OR_NULL: {
      const r0 = pointerReg(proto.ret === Ret.SOCKET_OR_NULL ? RegType.SOCKET : RegType.SOCK_COMMON);
      r0.maybeNull = true;
      ++env.idGen;
      const rid = ++env.idGen;
      r0.id = rid;
      r0.refObjId = rid;
      env.cur.refs.push({ id: rid, insn: env.insnIdx });
      regs[0] = r0;
      break;
    }
    case Ret.RINGBUF_MEM_OR_NULL: {
      const r0 = pointerReg(RegType.MEM);
      r0.ringbuf = true;
      r0.maybeNull = true;
      r0.memSize = meta.memSize;
      ++env.idGen; // the maybe-NULL id, replaced by the reference id as in the kernel
      const rid = ++env.idGen;
      r0.id = rid;
      r0.refObjId = rid;
      env.cur.refs.push({ id: rid, insn: env.insnIdx });
      regs[0] = r0;
      break;
    }
  }
  if (proto.mapTypes && meta.mapIndex >= 0 && !proto.mapTypes.includes(env.maps[meta.mapIndex].type)) {
    fail(env, `cannot pass map_type ${env.maps[meta.mapIndex].type} into func ${proto.name}#${id}`);
  }
  if (meta.mapIndex >= 0 && !mapAllowsHelper(env.maps[meta.mapIndex].type, id)) {
    fail(env, `cannot pass map_type ${env.maps[meta.mapIndex].type} into func ${proto.name}#${id}`);
  }
  return { callback, callbackMap: id === 164 ? meta.mapIndex : undefined, changesPktData: !!proto.changesPktData };
}
