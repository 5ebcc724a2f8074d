// bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf over the shared BPF printf engine, and the
// trace_pipe rendering of the lines they produce (rt.trace / rt.onTrace).
// Kernel reference: kernel/trace/bpf_trace.c (bpf_trace_printk, bpf_trace_vprintk), kernel/bpf/helpers.c (bpf_snprintf).

import { BpfFault } from "../../errors.js";
import type { HelperFn, Runtime, TraceLine } from "../runtime.js";
import { EINVAL } from "../maps/bpf-map.js";
import { bprintf, MAX_BPRINTF_BUF, MAX_BPRINTF_VARARGS, MAX_TRACE_PRINTK_VARARGS } from "./bprintf.js";
import { memArg, retInt } from "./helper-abi.js";
import { divU64, modU64 } from "./time-random-helpers.js";

/**
 * The task trace lines are attributed to: XDP runs in NAPI softirq context, on an idle CPU the
 * current task is the idle task (pid 0, shown as `<idle>` by the tracer, comm `swapper/<cpu>`).
 */
export const TRACE_TASK = "<idle>";
export const TRACE_PID = 0;
/** irqs-off / need-resched / hardirq-softirq / preempt-depth / migrate-disable: softirq, depth 1. */
export const TRACE_FLAGS = "..s1.";

const utf8 = new TextDecoder("utf-8");

/**
 * A trace line as `cat /sys/kernel/tracing/trace_pipe` prints it, without the newline the tracer
 * puts after every message:
 * `          <idle>-0       [000] ..s1. 1700000000.123456: bpf_trace_printk: hello`
 * (task right-aligned in 16 columns, pid left-aligned in 7, CPU in 3 digits, time in seconds with
 * microseconds). The time is the line's capture time unless given. A message that itself ends in
 * "\n" then shows as a line followed by an empty one, as in the kernel.
 */
export function formatTraceLine(line: TraceLine, timeHi = line.timeHi ?? 0, timeLo = line.timeLo ?? 0): string {
  const secs = divU64(timeHi, timeLo, 1_000_000_000);
  const usec = Math.floor(modU64(timeHi, timeLo, 1_000_000_000) / 1000);
  return `${TRACE_TASK.padStart(16)}-${String(TRACE_PID).padEnd(7)} [${String(line.cpu).padStart(3, "0")}] ${TRACE_FLAGS} ` +
    `${String(secs).padStart(5)}.${String(usec).padStart(6, "0")}: bpf_trace_printk: ${line.text}`;
}

/** Record a formatted message (up to its first NUL, at most 1023 bytes) as a trace line. */
function emit(rt: Runtime, bytes: Uint8Array): void {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  const line: TraceLine = { cpu: rt.cpu, text: utf8.decode(bytes.subarray(0, end)), timeHi: rt.timeHi, timeLo: rt.timeLo };
  rt.trace.push(line);
  if (rt.onTrace !== null) rt.onTrace(line);
}

/** Length of the NUL-terminated format in [off, off + size), or -1 when it has no NUL. */
function fmtLength(bytes: Uint8Array, off: number, size: number): number {
  for (let i = 0; i < size; i++) if (bytes[off + i] === 0) return i;
  return -1;
}

/** Reader for u64 argument i of an array of `n` u64 values in simulated memory. */
function arrayArgs(bytes: Uint8Array, off: number, n: number): (i: number) => bigint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (i) => (i < n ? dv.getBigUint64(off + 8 * i, true) : 0n);
}

/**
 * bpf_trace_printk(fmt, u32 fmt_size, u64 a1, u64 a2, u64 a3) — helper 6 (GPL): fmt must hold a NUL
 * within fmt_size; at most 3 conversions. Returns the formatted length (-EINVAL, -ENOSPC on errors).
 */
export const tracePrintk: HelperFn = (rt, r) => {
  const size = r[4];
  const fmt = memArg(rt, r, 1, size, false);
  const len = fmtLength(fmt.bytes, r[2], size);
  if (len < 0) return retInt(r, -EINVAL);
  const res = bprintf(rt, fmt.bytes, r[2], len,
    (i) => (BigInt(r[7 + 2 * i]) << 32n) | BigInt(r[6 + 2 * i]), MAX_TRACE_PRINTK_VARARGS, MAX_BPRINTF_BUF - 1);
  if (typeof res === "number") return retInt(r, res);
  emit(rt, res.bytes);
  retInt(r, res.len);
};

/** data_len checks shared by trace_vprintk and snprintf: a multiple of 8, at most 12 values, data set. */
function varargsOk(r: Uint32Array, dataReg: number, dataLen: number): boolean {
  return (dataLen & 7) === 0 && dataLen <= MAX_BPRINTF_VARARGS * 8 && (dataLen === 0 || (r[2 * dataReg] | r[2 * dataReg + 1]) !== 0);
}

/** bpf_trace_vprintk(fmt, u32 fmt_size, const void *data, u32 data_len) — helper 177 (GPL). */
export const traceVprintk: HelperFn = (rt, r) => {
  const size = r[4];
  const fmt = memArg(rt, r, 1, size, false);
  const dataLen = r[8];
  if (!varargsOk(r, 3, dataLen)) return retInt(r, -EINVAL);
  const data = dataLen === 0 ? null : memArg(rt, r, 3, dataLen, false);
  const len = fmtLength(fmt.bytes, r[2], size);
  if (len < 0) return retInt(r, -EINVAL);
  const args = data === null ? () => 0n : arrayArgs(data.bytes, r[6], dataLen / 8);
  const res = bprintf(rt, fmt.bytes, r[2], len, args, dataLen / 8, MAX_BPRINTF_BUF - 1);
  if (typeof res === "number") return retInt(r, res);
  emit(rt, res.bytes);
  retInt(r, res.len);
};

/**
 * bpf_snprintf(char *str, u32 str_size, const char *fmt, u64 *data, u32 data_len) — helper 165 (GPL):
 * writes at most str_size - 1 bytes and a NUL; returns the untruncated length + 1 (the NUL).
 */
export const snprintf: HelperFn = (rt, r) => {
  const strSize = r[4];
  const str = memArg(rt, r, 1, strSize, true);
  const dataLen = r[10];
  if (!varargsOk(r, 4, dataLen)) return retInt(r, -EINVAL);
  const data = dataLen === 0 ? null : memArg(rt, r, 4, dataLen, false);
  const fmt = rt.mem.check(r[7], r[6], 1, false);
  const len = fmtLength(fmt.bytes, r[6], fmt.end - r[6]);
  if (len < 0) throw new BpfFault("bpf_snprintf: R3 is not a NUL-terminated string");
  const args = data === null ? () => 0n : arrayArgs(data.bytes, r[8], dataLen / 8);
  const res = bprintf(rt, fmt.bytes, r[6], len, args, dataLen / 8, strSize === 0 ? 0 : strSize - 1);
  if (typeof res === "number") return retInt(r, res);
  if (strSize > 0) {
    str.bytes.set(res.bytes, r[2]);
    str.bytes[r[2] + res.bytes.length] = 0;
  }
  retInt(r, res.len + 1);
};

/** Helper id → implementation for this family. */
export const TRACE_PRINTK_HELPERS: [number, HelperFn][] = [
  [6, tracePrintk],
  [165, snprintf],
  [177, traceVprintk],
];
