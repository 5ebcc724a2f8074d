// Helpers about the "current" task: XDP runs in NAPI softirq context, on an idle CPU that is the idle
// task (pid 0, comm "swapper/<cpu>", uid 0, root cgroup id 1), and signals cannot be sent from it.
// Kernel reference: kernel/bpf/helpers.c (bpf_get_current_*), kernel/trace/bpf_trace.c (bpf_send_signal).

import type { HelperFn } from "../runtime.js";
import { EPERM } from "../maps/bpf-map.js";
import { memArg, retInt } from "./helper-abi.js";

/** cgroup id of the root cgroup (cgroup v2), where the idle task lives. */
export const ROOT_CGROUP_ID = 1;

/** bpf_get_current_pid_tgid — helper 14: 0 (idle task). */
export const getCurrentPidTgid: HelperFn = (_rt, r) => retInt(r, 0);

/** bpf_get_current_uid_gid — helper 15: 0 (root). */
export const getCurrentUidGid: HelperFn = (_rt, r) => retInt(r, 0);

/** bpf_get_current_comm(char *buf, u32 size) — helper 16: strscpy_pad("swapper/<cpu>"). */
export const getCurrentComm: HelperFn = (rt, r) => {
  const size = r[4];
  const buf = memArg(rt, r, 1, size, true);
  const comm = `swapper/${rt.cpu}`;
  const n = Math.min(comm.length, size - 1);
  for (let i = 0; i < size; i++) buf.bytes[r[2] + i] = i < n ? comm.charCodeAt(i) : 0;
  retInt(r, 0);
};

/** bpf_get_current_cgroup_id — helper 80: the root cgroup. */
export const getCurrentCgroupId: HelperFn = (_rt, r) => retInt(r, ROOT_CGROUP_ID);

/** bpf_get_current_ancestor_cgroup_id(int level) — helper 123: root at level 0, none deeper (0). */
export const getCurrentAncestorCgroupId: HelperFn = (_rt, r) => retInt(r, r[2] === 0 ? ROOT_CGROUP_ID : 0);

/** bpf_send_signal / bpf_send_signal_thread(u32 sig) — helpers 109, 117: -EPERM (kernel thread). */
export const sendSignal: HelperFn = (_rt, r) => retInt(r, -EPERM);

/** Helper id → implementation for this family. */
export const TASK_CONTEXT_HELPERS: [number, HelperFn][] = [
  [14, getCurrentPidTgid],
  [15, getCurrentUidGid],
  [16, getCurrentComm],
  [80, getCurrentCgroupId],
  [109, sendSignal],
  [117, sendSignal],
  [123, getCurrentAncestorCgroupId],
];
