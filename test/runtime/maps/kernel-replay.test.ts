// Replays the operations record-kernel-maps.py ran against the real kernel (kernel-maps.json) on the
// simulated maps and compares every result: creation errors, syscall-side and program-side ops.
// Hash-family get_next_key order is the one documented difference (the kernel's is randomly seeded).

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { LoadError } from "../../../src/errors.js";
import { MapType, type MapSpec } from "../../../src/loader/types.js";
import { AddressSpace } from "../../../src/runtime/memory.js";
import type { BpfMap, QueueStackMap, RingbufMap } from "../../../src/runtime/maps/bpf-map.js";
import { createMap } from "../../../src/runtime/maps/create-map.js";
import { QueueStack } from "../../../src/runtime/maps/queue-stack-map.js";
import { makeSpec } from "./make-map.js";

interface MapDef { type: number; keySize: number; valueSize: number; maxEntries: number; flags: number }
interface Op { op: string; [k: string]: unknown }
interface Scenario { name: string; map: MapDef; create: string; ops: Op[] }
interface Fixture { kernel: string; ncpus: number; create: { name: string; map: MapDef; create: string }[]; scenarios: Scenario[] }

const fixture: Fixture = JSON.parse(
  readFileSync(new URL("../../../../test/runtime/maps/kernel-maps.json", import.meta.url), "utf8"),
);

const ERRNO: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 7: "E2BIG", 9: "EBADF", 11: "EAGAIN", 12: "ENOMEM", 16: "EBUSY", 17: "EEXIST",
  19: "ENODEV", 22: "EINVAL", 28: "ENOSPC", 75: "EOVERFLOW", 95: "ENOTSUP", 524: "ENOTSUPP",
};

function rcName(rc: number): string {
  return rc >= 0 ? "OK" : (ERRNO[-rc] ?? `E${-rc}`);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function bytes(h: unknown): Uint8Array {
  return typeof h === "string" ? new Uint8Array(Buffer.from(h, "hex")) : new Uint8Array(0);
}

function specOf(name: string, def: MapDef): MapSpec {
  return makeSpec({ name, ...def });
}

/** Families whose get_next_key order is the kernel's exactly (the hash families' is seed-dependent). */
const HASHED = new Set<number>([MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH]);

/**
 * Known, documented differences: (scenario, op index) → what the simulator answers and why.
 * xskmap: the kernel resolves the value as an fd; fd 3 is an open non-socket file (ENOTSOCK) in the
 * recording process, while the simulator has no fds at all and answers EBADF for every value.
 */
const DEVIATIONS: { scenario: string; op: number; sim: string; why: string }[] = [
  { scenario: "xskmap", op: 1, sim: "EBADF", why: "no file descriptors in the simulator: every socket fd is bad" },
];

function replay(sc: Scenario): void {
  const mem = new AddressSpace();
  const map: BpfMap = createMap(specOf(sc.name, sc.map), mem, fixture.ncpus, { devices: [{ ifindex: 1 }] });
  const hashed = HASHED.has(sc.map.type);
  const vs = sc.map.valueSize;
  sc.ops.forEach((op, i) => {
    const where = `${sc.name} op #${i} ${JSON.stringify(op)}`;
    const dev = DEVIATIONS.find((d) => d.scenario === sc.name && d.op === i);
    const rc = (got: string): void => {
      expect(got, where).to.equal(dev ? dev.sim : op.rc);
    };
    switch (op.op) {
      case "update":
        if (map instanceof QueueStack) rc(rcName(map.userUpdate(new Uint8Array(0), bytes(op.value), op.flags as number)));
        else rc(rcName(map.userUpdate(bytes(op.key), bytes(op.value), op.flags as number)));
        break;
      case "push":
        rc(rcName((map as QueueStackMap).userUpdate(new Uint8Array(0), bytes(op.value), op.flags as number)));
        break;
      case "lookup":
      case "peek": {
        const v = map.userLookup(bytes(op.key));
        if (op.rc === "OK") expect(v && hex(v), where).to.equal(op.value);
        else expect(v, where).to.equal(null);
        break;
      }
      case "pop": {
        const v = (map as QueueStack).userPop();
        if (op.rc === "OK") expect(v && hex(v), where).to.equal(op.value);
        else expect(v, where).to.equal(null);
        break;
      }
      case "delete":
        rc(rcName(map.userDelete(bytes(op.key))));
        break;
      case "next": {
        const n = map.userNextKey(op.key === null ? null : bytes(op.key));
        if (op.rc !== "OK") expect(n, where).to.equal(null);
        else if (!hashed) expect(n && hex(n), where).to.equal(op.next);
        else expect(n && map.userLookup(n), `${where}: next key exists`).to.not.equal(null);
        break;
      }
      case "dump": {
        // Same walk as the script: get_next_key from null, then a lookup of each key.
        const keys: string[] = [];
        const entries: [string, string][] = [];
        for (let k = map.userNextKey(null); k !== null && keys.length < 100000; k = map.userNextKey(k)) {
          keys.push(hex(k));
          const v = map.userLookup(k);
          if (v) entries.push([hex(k), hex(v)]);
        }
        const want = op.entries as [string, string][];
        if (hashed) {
          expect([...entries].sort(), where).to.deep.equal([...want].sort());
        } else {
          expect(keys, where).to.deep.equal(op.keys);
          expect(entries, where).to.deep.equal(want);
        }
        break;
      }
      case "prog_lookup": {
        const off = map.lookup(bytes(op.key), 0, 0);
        expect(off >= 0, where).to.equal(op.found);
        if (off >= 0) expect(hex(map.valueRegion!.bytes.subarray(off, off + vs)), where).to.equal(op.out);
        break;
      }
      case "prog_update":
        rc(rcName(map.update(bytes(op.key), 0, bytes(op.value), 0, op.flags as number, 0)));
        break;
      case "prog_delete":
        rc(rcName(map.delete(bytes(op.key), 0, 0)));
        break;
      case "prog_push":
        rc(rcName((map as QueueStackMap).push(bytes(op.value), 0, op.flags as number)));
        break;
      case "prog_pop":
      case "prog_peek": {
        const out = new Uint8Array(vs).fill(0xaa);
        const q = map as QueueStackMap;
        rc(rcName(op.op === "prog_pop" ? q.pop(out, 0) : q.peek(out, 0)));
        expect(hex(out), where).to.equal(op.out);
        break;
      }
      case "rb_output": {
        const data = bytes(op.data);
        rc(rcName((map as RingbufMap).output(data, 0, data.length, op.flags as number)));
        break;
      }
      case "rb_reserve": {
        const rb = map as RingbufMap;
        const size = op.size as number;
        const off = rb.reserve(size, op.flags as number);
        expect(off >= 0, where).to.equal(op.reserved);
        if (off >= 0) {
          if (size > 0) {
            rb.dataRegion.bytes[off] = 0xa5;
            rb.dataRegion.bytes[off + size - 1] = 0x5a;
          }
          rb.commit(off, op.discard as boolean, 0);
        }
        break;
      }
      case "rb_query":
        expect((map as RingbufMap).query(op.flags as number), where).to.equal(op.result);
        break;
      case "rb_ring": {
        const rb = map as RingbufMap;
        expect(rb.query(3), `${where} prod`).to.equal(op.prod);
        expect(rb.query(2), `${where} cons`).to.equal(op.cons);
        expect(hex(rb.dataRegion.bytes.subarray(0, sc.map.maxEntries)), where).to.equal(op.data);
        break;
      }
      case "rb_drain":
        expect((map as RingbufMap).drain().map(hex), where).to.deep.equal(op.records);
        break;
      default:
        throw new Error(`${where}: unknown op`);
    }
  });
}

describe(`maps: replay of the real kernel's behaviour (${fixture.kernel}, ${fixture.ncpus} CPUs)`, () => {
  describe("BPF_MAP_CREATE checks", () => {
    for (const c of fixture.create) {
      it(`${c.name}: ${c.create}`, () => {
        const make = (): BpfMap => createMap(specOf(c.name, c.map), new AddressSpace(), fixture.ncpus);
        if (c.create === "OK") expect(make).to.not.throw();
        else expect(make).to.throw(LoadError, new RegExp(`\\b${c.create}\\b`));
      });
    }
  });

  for (const sc of fixture.scenarios) {
    it(`${sc.name}: ${sc.ops.length} operations`, () => replay(sc));
  }

  it("documents every deviation it allows", () => {
    for (const d of DEVIATIONS) {
      const sc = fixture.scenarios.find((s) => s.name === d.scenario);
      expect(sc?.ops[d.op], `${d.scenario} #${d.op}`).to.not.equal(undefined);
      expect(d.why).to.not.equal("");
    }
  });
});
