// QUEUE and STACK: FIFO/LIFO order, overflow (-E2BIG, or BPF_EXIST dropping the oldest), flag
// errors, empty pop/peek zeroing the destination, and the syscall-side mapping (peek/push/pop).

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { BPF_ANY, BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EINVAL, ENOENT } from "../../../src/runtime/maps/bpf-map.js";
import type { QueueStack } from "../../../src/runtime/maps/queue-stack-map.js";
import { hex, makeMap, u32 } from "./make-map.js";

type Step = ["push", number, number, number] | ["pop" | "peek", number | null];

function run(type: MapType, steps: Step[]): void {
  const { map } = makeMap<QueueStack>({ type, keySize: 0, valueSize: 4, maxEntries: 3 });
  steps.forEach((s, i) => {
    const where = `step ${i}: ${JSON.stringify(s)}`;
    if (s[0] === "push") {
      expect(map.push(u32(s[1]), 0, s[2]), where).to.equal(s[3]);
      return;
    }
    const out = new Uint8Array(4).fill(0xaa);
    const rc = s[0] === "pop" ? map.pop(out, 0) : map.peek(out, 0);
    expect(rc, where).to.equal(s[1] === null ? -ENOENT : 0);
    expect(hex(out), where).to.equal(hex(u32(s[1] ?? 0))); // empty: the buffer is zeroed
  });
}

describe("maps: QUEUE / STACK", () => {
  const common: Step[] = [
    ["pop", null], ["peek", null],
    ["push", 1, BPF_ANY, 0], ["push", 2, BPF_ANY, 0], ["push", 3, BPF_ANY, 0],
    ["push", 4, BPF_ANY, -E2BIG],
    ["push", 4, BPF_NOEXIST, -EINVAL], ["push", 4, BPF_F_LOCK, -EINVAL], ["push", 4, 3, -EINVAL], ["push", 4, 2 ** 33, -EINVAL],
  ];

  it("QUEUE pops oldest first; a full BPF_EXIST push drops the head", () => {
    run(MapType.QUEUE, [...common,
      ["peek", 1], ["push", 4, BPF_EXIST, 0], ["peek", 2],
      ["pop", 2], ["pop", 3], ["push", 5, BPF_ANY, 0], ["pop", 4], ["pop", 5], ["pop", null]]);
  });

  it("STACK pops newest first; a full BPF_EXIST push drops the bottom", () => {
    run(MapType.STACK, [...common,
      ["peek", 3], ["push", 4, BPF_EXIST, 0], ["peek", 4],
      ["pop", 4], ["pop", 3], ["push", 5, BPF_ANY, 0], ["pop", 5], ["pop", 2], ["pop", null]]);
  });

  it("wraps around its ring many times", () => {
    const { map } = makeMap<QueueStack>({ type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 5 });
    const out = new Uint8Array(4);
    let next = 0;
    for (let i = 0; i < 100; i++) {
      expect(map.push(u32(i), 0, BPF_ANY)).to.equal(0);
      if (i % 2 === 1) {
        map.pop(out, 0);
        expect(new DataView(out.buffer).getUint32(0, true)).to.equal(next++);
      }
      expect(map.length).to.be.at.most(5);
      if (map.length === 5) while (map.length > 1) map.pop(out, 0), next++;
    }
  });

  it("syscall side: lookup = peek, update = push, lookup-and-delete = pop, delete/next-key fail", () => {
    const { map } = makeMap<QueueStack>({ type: MapType.STACK, keySize: 0, valueSize: 2, maxEntries: 2 });
    const none = new Uint8Array(0);
    expect(map.userLookup(none)).to.equal(null);
    expect(map.userUpdate(none, new Uint8Array([1, 2]), BPF_ANY)).to.equal(0);
    expect(map.userUpdate(none, new Uint8Array([3, 4]), BPF_ANY)).to.equal(0);
    expect(map.userUpdate(none, new Uint8Array([5, 6]), BPF_ANY)).to.equal(-E2BIG);
    expect(hex(map.userLookup(none))).to.equal("0304");
    expect(map.dump().map((e) => hex(e.value!))).to.deep.equal(["0304", "0102"]);
    expect(hex(map.userPop())).to.equal("0304");
    expect(map.userDelete(none)).to.equal(-EINVAL);
    expect(map.userNextKey(null)).to.equal(null);
    expect(map.dumpable).to.equal(false);
    expect(map.valueRegion).to.equal(null);
    map.reset();
    expect(map.userPop()).to.equal(null);
  });

  it("the generic element ops are refused like the kernel's queue_stack map ops", () => {
    const { map } = makeMap<QueueStack>({ type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 2 });
    expect(map.lookup(new Uint8Array(0), 0, 0)).to.equal(-1);
    expect(map.update(new Uint8Array(0), 0, u32(1), 0, BPF_ANY, 0)).to.equal(-EINVAL);
    expect(map.delete(new Uint8Array(0), 0, 0)).to.equal(-EINVAL);
  });
});
