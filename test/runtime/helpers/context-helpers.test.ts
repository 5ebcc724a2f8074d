// Helpers about the execution context: spin locks (validated no-ops), the idle task as "current"
// (pid 0, swapper/<cpu>, root cgroup, -EPERM for signals) and socket lookups (no sockets: NULL).

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { addr } from "../../../src/runtime/memory.js";
import { call, CTX, makeRuntime, mapSpec, putStack, s64, stack } from "./call-helper.js";

const SPIN_LOCK = 93, SPIN_UNLOCK = 94;
const PID_TGID = 14, UID_GID = 15, COMM = 16, CGROUP_ID = 80, ANCESTOR_CGROUP_ID = 123, SEND_SIGNAL = 109, SEND_SIGNAL_THREAD = 117;
const SK_LOOKUP_TCP = 84, SK_LOOKUP_UDP = 85, SK_RELEASE = 86, SKC_LOOKUP_TCP = 99, TCP_CHECK_SYNCOOKIE = 100;

describe("bpf_spin_lock / bpf_spin_unlock", () => {
  const rt = makeRuntime([mapSpec(0, "locked", MapType.ARRAY, 4, 16, 1)]);
  const value = () => addr(rt.maps[0].valueRegion!.id, Number(call(rt, 1, addr(rt.maps[0].handleRegion.id, 0), putStack(rt, 0, new Uint8Array(4))) & 0xffffffffn));

  it("accept a lock inside a map value", () => {
    const v = value();
    expect(s64(call(rt, SPIN_LOCK, v))).to.equal(0);
    expect(s64(call(rt, SPIN_UNLOCK, v))).to.equal(0);
  });
  it("fault on a lock outside map values", () => {
    expect(() => call(rt, SPIN_LOCK, stack(8))).to.throw(/does not point into a map value/);
    expect(() => call(rt, SPIN_UNLOCK, 0)).to.throw(/invalid memory access/);
  });
});

describe("current task (the idle task in NAPI softirq context)", () => {
  const rt = makeRuntime([], { ncpus: 2, cpu: 1 });
  const cases: [string, () => bigint, number][] = [
    ["pid/tgid 0", () => call(rt, PID_TGID), 0],
    ["uid/gid 0", () => call(rt, UID_GID), 0],
    ["cgroup id: root", () => call(rt, CGROUP_ID), 1],
    ["ancestor level 0: root", () => call(rt, ANCESTOR_CGROUP_ID, 0), 1],
    ["ancestor level 1: none", () => call(rt, ANCESTOR_CGROUP_ID, 1), 0],
    ["send_signal → -EPERM", () => call(rt, SEND_SIGNAL, 9), -1],
    ["send_signal_thread → -EPERM", () => call(rt, SEND_SIGNAL_THREAD, 9), -1],
  ];
  for (const [name, fn, want] of cases) it(name, () => expect(s64(fn())).to.equal(want));

  it("comm is swapper/<cpu>, NUL-padded and truncated like strscpy_pad", () => {
    rt.stackRegion.bytes.fill(0xaa, 0, 32);
    expect(s64(call(rt, COMM, stack(0), 16))).to.equal(0);
    expect(Buffer.from(rt.stackRegion.bytes.subarray(0, 16)).toString("latin1")).to.equal("swapper/1" + "\0".repeat(7));
    expect(s64(call(rt, COMM, stack(0), 4))).to.equal(0);
    expect(Array.from(rt.stackRegion.bytes.subarray(0, 5))).to.deep.equal([0x73, 0x77, 0x61, 0, 0x70]) // "swa\0", byte 4 untouched;
  });
});

describe("socket helpers (the simulated host has no sockets)", () => {
  const rt = makeRuntime();
  it("lookups return NULL", () => {
    const tuple = putStack(rt, 0, new Uint8Array(12));
    for (const id of [SK_LOOKUP_TCP, SK_LOOKUP_UDP, SKC_LOOKUP_TCP]) expect(call(rt, id, CTX, tuple, 12, -1n, 0)).to.equal(0n);
  });
  it("helpers that need a socket fault", () => {
    expect(() => call(rt, SK_RELEASE, 0)).to.throw(/no sockets/);
    expect(() => call(rt, TCP_CHECK_SYNCOOKIE, 0, 0, 20, 0, 20)).to.throw(/no sockets/);
  });
});
