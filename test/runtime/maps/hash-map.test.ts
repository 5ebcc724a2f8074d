// HASH and PERCPU_HASH: error codes for every flag case, a model-based check against a JS Map for
// many key sizes, the kernel's replace-by-extra-element pointer behaviour, per-CPU init, spin locks.

import { expect } from "chai";
import { BpfFault } from "../../../src/errors.js";
import { MapType } from "../../../src/loader/types.js";
import {
  BPF_ANY, BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT, type BpfMap,
} from "../../../src/runtime/maps/bpf-map.js";
import { BPF_F_NO_PREALLOC } from "../../../src/runtime/maps/map-flags.js";
import { hex, makeMap, prng, u32, walkKeys } from "./make-map.js";

type Step = ["update", number, number, number, number] | ["delete", number, number] | ["lookup", number, number | null];

/** [op, key, (value, flags,) expected rc or value] on a 3-entry HASH map with u32 keys and values. */
const SEQUENCE: Step[] = [
  ["lookup", 1, null],
  ["delete", 1, -ENOENT],
  ["update", 1, 10, BPF_NOEXIST, 0],
  ["update", 1, 11, BPF_NOEXIST, -EEXIST],
  ["update", 2, 20, BPF_EXIST, -ENOENT],
  ["update", 1, 12, BPF_EXIST, 0],
  ["update", 2, 20, BPF_ANY, 0],
  ["update", 3, 30, BPF_ANY, 0],
  ["update", 4, 40, BPF_ANY, -E2BIG],
  ["update", 4, 40, BPF_NOEXIST, -E2BIG],
  ["update", 4, 40, BPF_EXIST, -ENOENT],
  ["update", 3, 31, BPF_ANY, 0],
  ["update", 3, 32, 3, -EINVAL],
  ["update", 3, 32, 8, -EINVAL],
  ["update", 3, 32, BPF_F_LOCK, -EINVAL],
  ["lookup", 3, 31],
  ["delete", 2, 0],
  ["delete", 2, -ENOENT],
  ["update", 4, 40, BPF_NOEXIST, 0],
  ["lookup", 1, 12],
  ["lookup", 4, 40],
];

function runSequence(map: BpfMap, user: boolean): void {
  SEQUENCE.forEach((s, i) => {
    const where = `step ${i}: ${JSON.stringify(s)}`;
    if (s[0] === "update") {
      const rc = user ? map.userUpdate(u32(s[1]), u32(s[2]), s[3]) : map.update(u32(s[1]), 0, u32(s[2]), 0, s[3], 0);
      expect(rc, where).to.equal(s[4]);
    } else if (s[0] === "delete") {
      expect(user ? map.userDelete(u32(s[1])) : map.delete(u32(s[1]), 0, 0), where).to.equal(s[2]);
    } else {
      const v = user ? map.userLookup(u32(s[1])) : ((off) => (off < 0 ? null : map.valueRegion!.bytes.slice(off, off + 4)))(map.lookup(u32(s[1]), 0, 0));
      expect(hex(v), where).to.equal(s[2] === null ? null : hex(u32(s[2])));
    }
  });
}

describe("maps: HASH", () => {
  for (const [name, flags] of [["preallocated", 0], ["BPF_F_NO_PREALLOC", BPF_F_NO_PREALLOC]] as const) {
    for (const side of ["program", "syscall"] as const) {
      it(`${name}, ${side} side: NOEXIST/EXIST/full/delete/flags error codes`, () => {
        runSequence(makeMap({ type: MapType.HASH, maxEntries: 3, flags }, 2).map, side === "syscall");
      });
    }
  }

  for (const keySize of [1, 2, 3, 4, 5, 6, 8, 12, 13, 16, 20, 36]) {
    it(`matches a JS Map model over 4000 random operations (key_size ${keySize})`, () => {
      const max = 64;
      const { map } = makeMap({ type: MapType.HASH, keySize, valueSize: 4, maxEntries: max }, 2);
      const model = new Map<string, number>();
      const rnd = prng(keySize * 7919);
      const keyOf = (n: number): Uint8Array => Uint8Array.from({ length: keySize }, (_, j) => (n >>> ((j % 3) * 3)) * 31 + j);
      const mem = new Uint8Array(64);
      for (let i = 0; i < 4000; i++) {
        const n = rnd.below(160);
        const key = keyOf(n);
        const k = hex(key)!;
        const off = rnd.below(8);
        mem.set(key, off);
        const op = rnd.below(10);
        // Plain comparisons (chai only on a mismatch: it costs more than the map operations).
        const check = (got: unknown, want: unknown, what: string): void => {
          if (got !== want) expect(got, `op ${i}: ${what} ${k}`).to.equal(want);
        };
        if (op < 4) {
          const want = model.has(k) || model.size < max ? 0 : -E2BIG;
          check(map.update(mem, off, u32(i), 0, BPF_ANY, rnd.below(2)), want, "update");
          if (want === 0) model.set(k, i);
        } else if (op < 6) {
          check(map.delete(mem, off, 0), model.delete(k) ? 0 : -ENOENT, "delete");
        } else {
          const got = map.lookup(mem, off, 0);
          const v = model.get(k);
          check(got < 0 ? null : hex(map.valueRegion!.bytes.subarray(got, got + 4)), v === undefined ? null : hex(u32(v)), "lookup");
        }
      }
      const walked = walkKeys(map).map((k) => hex(k)!);
      expect(walked.length).to.equal(model.size);
      expect([...walked].sort()).to.deep.equal([...model.keys()].sort());
      expect(map.dump().map((e) => `${hex(e.key)}=${hex(e.value!)}`).sort()).to.deep.equal(
        [...model].map(([k, v]) => `${k}=${hex(u32(v))}`).sort(),
      );
    });
  }

  it("replacing a key moves it to this CPU's spare element: an earlier pointer keeps the old value", () => {
    const { map } = makeMap({ type: MapType.HASH, maxEntries: 2 }, 2);
    expect(map.update(u32(7), 0, u32(1), 0, BPF_ANY, 0)).to.equal(0);
    const before = map.lookup(u32(7), 0, 0);
    expect(map.update(u32(7), 0, u32(2), 0, BPF_ANY, 0)).to.equal(0);
    const after = map.lookup(u32(7), 0, 0);
    expect(after).to.not.equal(before);
    const bytes = map.valueRegion!.bytes;
    expect([hex(bytes.subarray(before, before + 4)), hex(bytes.subarray(after, after + 4))]).to.deep.equal(["01000000", "02000000"]);
  });

  it("reads keys from any source array (stack, packet, map value…) and at any offset, alternating", () => {
    const { map } = makeMap({ type: MapType.HASH, keySize: 6, maxEntries: 4 });
    const key = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const sources = [new Uint8Array(16), new Uint8Array(32), new Uint8Array(new ArrayBuffer(64), 8, 40)];
    sources.forEach((s, i) => s.set(key, i * 3 + 1));
    expect(map.update(sources[0], 1, u32(9), 0, BPF_ANY, 0)).to.equal(0);
    for (let round = 0; round < 6; round++) {
      const i = round % 3;
      expect(map.lookup(sources[i], i * 3 + 1, 0), `source ${i}`).to.be.at.least(0);
      expect(map.lookup(sources[i], i * 3, 0), `source ${i}, shifted`).to.equal(-1);
    }
  });

  it("a key running past the end of its buffer is a fault, not a host read", () => {
    const { map } = makeMap({ type: MapType.HASH, keySize: 8, maxEntries: 4 });
    expect(() => map.lookup(new Uint8Array(10), 4, 0)).to.throw(BpfFault, /invalid memory access/);
  });

  it("a key not in the map restarts get_next_key at the first entry; an empty map has none", () => {
    const { map } = makeMap({ type: MapType.HASH, maxEntries: 8 });
    expect(map.userNextKey(null)).to.equal(null);
    for (const k of [5, 6, 7]) map.userUpdate(u32(k), u32(k), BPF_ANY);
    const first = map.userNextKey(null);
    expect(hex(map.userNextKey(u32(99)))).to.equal(hex(first));
    expect(walkKeys(map)).to.have.length(3);
  });

  it("BPF_F_LOCK with a spin lock updates in place and skips the lock word", () => {
    const { map } = makeMap({ type: MapType.HASH, valueSize: 8, spinLockOffset: 0, maxEntries: 2 });
    expect(map.update(u32(1), 0, new Uint8Array(8).fill(1), 0, BPF_ANY, 0)).to.equal(0);
    const off = map.lookup(u32(1), 0, 0);
    map.valueRegion!.bytes.fill(0x77, off, off + 4);
    expect(map.update(u32(1), 0, new Uint8Array(8).fill(2), 0, BPF_F_LOCK, 0)).to.equal(0);
    expect(map.lookup(u32(1), 0, 0)).to.equal(off);
    expect(hex(map.valueRegion!.bytes.subarray(off, off + 8))).to.equal("7777777702020202");
    expect(hex(map.userLookup(u32(1)))).to.equal("0000000002020202");
    expect(map.update(u32(2), 0, new Uint8Array(8), 0, BPF_F_LOCK | BPF_EXIST, 0)).to.equal(-ENOENT);
    expect(map.update(u32(2), 0, new Uint8Array(8), 0, BPF_F_LOCK, 0)).to.equal(0);
  });

  it("reset() empties the map", () => {
    const { map } = makeMap({ type: MapType.HASH, maxEntries: 2 });
    map.userUpdate(u32(1), u32(1), BPF_ANY);
    map.userUpdate(u32(2), u32(2), BPF_ANY);
    map.reset();
    expect(map.dump()).to.deep.equal([]);
    expect(map.userUpdate(u32(3), u32(3), BPF_ANY)).to.equal(0);
    expect(map.userUpdate(u32(4), u32(4), BPF_ANY)).to.equal(0);
  });
});

describe("maps: PERCPU_HASH", () => {
  const ncpus = 4;

  it("a program insert on cpu c sets that CPU's value and zeroes the others; updates touch only cpu c", () => {
    const { map } = makeMap({ type: MapType.PERCPU_HASH, valueSize: 4, maxEntries: 2 }, ncpus);
    expect(map.update(u32(9), 0, u32(0x11), 0, BPF_ANY, 2)).to.equal(0);
    expect(map.dump()[0].values!.map(hex)).to.deep.equal(["00000000", "00000000", "11000000", "00000000"]);
    expect(map.update(u32(9), 0, u32(0x22), 0, BPF_EXIST, 0)).to.equal(0);
    expect(map.dump()[0].values!.map(hex)).to.deep.equal(["22000000", "00000000", "11000000", "00000000"]);
  });

  it("lookup(cpu) points at the CPU's slot of the element; cpu ≥ ncpus is NULL; updates stay in place", () => {
    const { map } = makeMap({ type: MapType.PERCPU_HASH, valueSize: 12, maxEntries: 2 }, ncpus);
    map.userUpdate(u32(1), new Uint8Array(16 * ncpus), BPF_ANY);
    const base = map.lookup(u32(1), 0, 0);
    expect([1, 2, 3].map((c) => map.lookup(u32(1), 0, c) - base)).to.deep.equal([16, 32, 48]);
    expect(map.lookup(u32(1), 0, ncpus)).to.equal(-1);
    map.update(u32(1), 0, new Uint8Array(12), 0, BPF_ANY, 0);
    expect(map.lookup(u32(1), 0, 0)).to.equal(base);
  });

  it("syscall values are ncpus × round_up(value_size, 8) bytes", () => {
    const { map } = makeMap({ type: MapType.PERCPU_HASH, valueSize: 4, maxEntries: 2 }, 2);
    const v = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(map.userUpdate(u32(1), v, BPF_ANY)).to.equal(0);
    expect(hex(map.userLookup(u32(1)))).to.equal(hex(v));
  });

  const flags: [string, number, boolean, number][] = [
    ["program BPF_F_LOCK", BPF_F_LOCK, false, -EINVAL],
    ["syscall BPF_F_LOCK", BPF_F_LOCK, true, -EINVAL],
    ["program flags 3", 3, false, -EINVAL],
    ["syscall NOEXIST on existing", BPF_NOEXIST, true, -EEXIST],
    ["program EXIST on existing", BPF_EXIST, false, 0],
  ];
  for (const [name, f, user, rc] of flags) {
    it(`${name} → ${rc}`, () => {
      const { map } = makeMap({ type: MapType.PERCPU_HASH, valueSize: 4, maxEntries: 2 }, 2);
      map.userUpdate(u32(1), new Uint8Array(16), BPF_ANY);
      expect(user ? map.userUpdate(u32(1), new Uint8Array(16), f) : map.update(u32(1), 0, u32(5), 0, f, 0)).to.equal(rc);
    });
  }

  it("is full at max_entries (-E2BIG), replacing still works", () => {
    const { map } = makeMap({ type: MapType.PERCPU_HASH, valueSize: 4, maxEntries: 2 }, 2);
    expect([1, 2, 3].map((k) => map.update(u32(k), 0, u32(k), 0, BPF_ANY, 0))).to.deep.equal([0, 0, -E2BIG]);
    expect(map.update(u32(2), 0, u32(5), 0, BPF_ANY, 0)).to.equal(0);
  });
});
