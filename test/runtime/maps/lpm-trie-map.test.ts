// LPM_TRIE: longest-prefix lookups, the kernel's post-order get_next_key, update/delete error codes,
// and a model check against brute-force longest match over random IPv4 prefixes.

import { expect } from "chai";
import { MapType } from "../../../src/loader/types.js";
import { BPF_ANY, BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, EEXIST, EINVAL, ENOENT, ENOSPC } from "../../../src/runtime/maps/bpf-map.js";
import { BPF_F_NO_PREALLOC } from "../../../src/runtime/maps/map-flags.js";
import { hex, lpmKey, makeMap, prng, u32, walkKeys } from "./make-map.js";

const V4 = { type: MapType.LPM_TRIE, keySize: 8, valueSize: 4, flags: BPF_F_NO_PREALLOC } as const;

function cidr(key: Uint8Array): string {
  const plen = new DataView(key.buffer, key.byteOffset).getUint32(0, true);
  return `${[...key.subarray(4)].join(".")}/${plen}`;
}

function parse(c: string): Uint8Array {
  const [addr, plen] = c.split("/");
  return lpmKey(Number(plen), ...addr.split(".").map(Number));
}

describe("maps: LPM_TRIE", () => {
  // lpm_trie.c's own example, plus a default route and an unrelated /8.
  const routes: [string, number][] = [
    ["192.168.0.0/16", 1], ["192.168.0.0/24", 2], ["192.168.128.0/24", 3], ["192.168.1.0/24", 5],
    ["10.0.0.0/8", 8], ["0.0.0.0/0", 99],
  ];

  function routed(): ReturnType<typeof makeMap> {
    const r = makeMap({ ...V4, maxEntries: 16 });
    for (const [c, v] of routes) expect(r.map.userUpdate(parse(c), u32(v), BPF_ANY), c).to.equal(0);
    return r;
  }

  const lookups: [string, number | null][] = [
    ["192.168.1.5/32", 5], ["192.168.0.77/32", 2], ["192.168.2.1/32", 1], ["192.168.128.9/32", 3],
    ["192.168.200.1/32", 1], ["10.1.2.3/32", 8], ["8.8.8.8/32", 99], ["192.168.0.0/23", 1],
    ["192.168.0.0/16", 1], ["192.168.0.0/15", 99], ["0.0.0.0/0", 99],
  ];
  for (const [addr, want] of lookups) {
    it(`longest prefix match: ${addr} → ${want}`, () => {
      const { map } = routed();
      const off = map.lookup(parse(addr), 0, 0);
      expect(off < 0 ? null : new DataView(map.valueRegion!.bytes.buffer).getUint32(off, true)).to.equal(want);
      expect(hex(map.userLookup(parse(addr)))).to.equal(want === null ? null : hex(u32(want)));
    });
  }

  it("a prefix length above the key's bits finds nothing", () => {
    const { map } = routed();
    expect(map.lookup(lpmKey(33, 192, 168, 1, 1), 0, 0)).to.equal(-1);
  });

  it("without a default route an unmatched address finds nothing", () => {
    const { map } = makeMap({ ...V4, maxEntries: 4 });
    map.userUpdate(parse("10.0.0.0/8"), u32(1), BPF_ANY);
    expect(map.lookup(parse("11.0.0.1/32"), 0, 0)).to.equal(-1);
  });

  it("get_next_key is post-order: more specific prefixes before the ones containing them", () => {
    const { map } = routed();
    expect(walkKeys(map).map(cidr)).to.deep.equal([
      "10.0.0.0/8", "192.168.0.0/24", "192.168.1.0/24", "192.168.128.0/24", "192.168.0.0/16", "0.0.0.0/0",
    ]);
    expect(cidr(map.userNextKey(parse("192.168.1.0/24"))!)).to.equal("192.168.128.0/24");
    expect(cidr(map.userNextKey(parse("1.1.1.1/7"))!)).to.equal("10.0.0.0/8"); // unknown key: leftmost
    expect(map.userNextKey(parse("0.0.0.0/0"))).to.equal(null);
  });

  it("an intermediate node is never returned and becomes a real entry when its prefix is added", () => {
    const { map } = routed(); // 192.168.0.0/23 exists as an intermediate node
    expect(map.userDelete(parse("192.168.0.0/23"))).to.equal(-ENOENT);
    expect(map.userUpdate(parse("192.168.0.0/23"), u32(23), BPF_EXIST)).to.equal(-ENOENT);
    expect(map.userUpdate(parse("192.168.0.0/23"), u32(23), BPF_NOEXIST)).to.equal(0);
    expect(walkKeys(map).map(cidr)).to.include("192.168.0.0/23");
    expect(hex(map.userLookup(parse("192.168.1.200/32")))).to.equal(hex(u32(5)));
    expect(hex(map.userLookup(parse("192.168.0.0/23")))).to.equal(hex(u32(23)));
  });

  const errors: [string, () => number, number][] = [
    ["NOEXIST on an existing prefix", () => routed().map.userUpdate(parse("10.0.0.0/8"), u32(0), BPF_NOEXIST), -EEXIST],
    ["EXIST on a missing prefix", () => routed().map.userUpdate(parse("10.0.0.0/9"), u32(0), BPF_EXIST), -ENOENT],
    ["EXIST on an existing prefix", () => routed().map.userUpdate(parse("10.0.0.0/8"), u32(0), BPF_EXIST), 0],
    ["BPF_F_LOCK", () => routed().map.update(parse("10.0.0.0/8"), 0, u32(0), 0, BPF_F_LOCK, 0), -EINVAL],
    ["flags 3", () => routed().map.userUpdate(parse("10.0.0.0/8"), u32(0), 3), -EINVAL],
    ["update prefixlen 33", () => routed().map.userUpdate(lpmKey(33, 1, 2, 3, 4), u32(0), BPF_ANY), -EINVAL],
    ["delete prefixlen 33", () => routed().map.userDelete(lpmKey(33, 1, 2, 3, 4)), -EINVAL],
    ["delete a missing prefix", () => routed().map.userDelete(parse("10.0.0.0/9")), -ENOENT],
    ["insert into a full trie", () => {
      const { map } = makeMap({ ...V4, maxEntries: 2 });
      map.userUpdate(parse("1.0.0.0/8"), u32(1), BPF_ANY);
      map.userUpdate(parse("2.0.0.0/8"), u32(2), BPF_ANY);
      return map.userUpdate(parse("3.0.0.0/8"), u32(3), BPF_ANY);
    }, -ENOSPC],
    ["replace in a full trie", () => {
      const { map } = makeMap({ ...V4, maxEntries: 1 });
      map.userUpdate(parse("1.0.0.0/8"), u32(1), BPF_ANY);
      return map.userUpdate(parse("1.0.0.0/8"), u32(2), BPF_ANY);
    }, 0],
  ];
  for (const [name, run, rc] of errors) it(`${name} → ${rc}`, () => expect(run()).to.equal(rc));

  it("keeps key bits beyond the prefix length as given (get_next_key returns them)", () => {
    const { map } = makeMap({ ...V4, maxEntries: 4 });
    map.userUpdate(lpmKey(16, 10, 1, 2, 3), u32(1), BPF_ANY);
    expect(hex(map.userNextKey(null))).to.equal(hex(lpmKey(16, 10, 1, 2, 3)));
    map.userUpdate(lpmKey(16, 10, 1, 9, 9), u32(2), BPF_EXIST);
    expect(hex(map.userNextKey(null))).to.equal(hex(lpmKey(16, 10, 1, 9, 9)));
    expect(hex(map.userLookup(lpmKey(32, 10, 1, 200, 1)))).to.equal(hex(u32(2)));
  });

  it("matches brute-force longest-prefix match over 3000 random updates, deletes and lookups", () => {
    const max = 48;
    const { map } = makeMap({ ...V4, maxEntries: max });
    const model = new Map<string, { plen: number; addr: number; value: number }>();
    const rnd = prng(4242);
    const norm = (addr: number, plen: number): number => (plen === 0 ? 0 : (addr >>> (32 - plen)) << (32 - plen)) >>> 0;
    const keyOf = (addr: number, plen: number): Uint8Array => lpmKey(plen, addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255);
    const randomAddr = (): number => ((rnd.below(4) << 30) | (rnd.below(4) << 22) | rnd.next() % 4096) >>> 0;
    for (let i = 0; i < 3000; i++) {
      const plen = [0, 2, 8, 10, 16, 20, 24, 31, 32][rnd.below(9)];
      const addr = norm(randomAddr(), plen);
      const id = `${addr}/${plen}`;
      const op = rnd.below(3);
      if (op === 0) {
        const want = model.has(id) || model.size < max ? 0 : -ENOSPC;
        const rc = map.userUpdate(keyOf(addr, plen), u32(i), BPF_ANY);
        if (rc !== want) expect(rc, `update ${id}`).to.equal(want);
        if (rc === 0) model.set(id, { plen, addr, value: i });
      } else if (op === 1) {
        const rc = map.userDelete(keyOf(addr, plen));
        const want = model.delete(id) ? 0 : -ENOENT;
        if (rc !== want) expect(rc, `delete ${id}`).to.equal(want);
      } else {
        const probe = randomAddr();
        let best: { plen: number; value: number } | null = null;
        for (const e of model.values()) if (norm(probe, e.plen) === e.addr && (!best || e.plen > best.plen)) best = e;
        const got = hex(map.userLookup(keyOf(probe, 32)));
        const want = best ? hex(u32(best.value)) : null;
        if (got !== want) expect(got, `lookup ${probe}`).to.equal(want);
      }
    }
    const walked = walkKeys(map);
    expect(walked.map(cidr).sort()).to.deep.equal([...model.values()].map((e) => cidr(keyOf(e.addr, e.plen))).sort());
    // Post-order: no key comes after a key that contains it.
    const seen: Uint8Array[] = [];
    for (const k of walked) {
      const v = new DataView(k.buffer);
      const [addr, plen] = [v.getUint32(4, false), v.getUint32(0, true)];
      for (const s of seen) {
        const sv = new DataView(s.buffer);
        const [saddr, splen] = [sv.getUint32(4, false), sv.getUint32(0, true)];
        if (splen < plen) expect(norm(addr, splen) === saddr, `${cidr(s)} before ${cidr(k)}`).to.equal(false);
      }
      seen.push(k);
    }
  });

  it("IPv6 keys (key_size 20) and data sizes that are not a multiple of 4 (key_size 7)", () => {
    const { map } = makeMap({ ...V4, keySize: 20, valueSize: 1, maxEntries: 4 });
    const k6 = (plen: number, h: string): Uint8Array => new Uint8Array([...u32(plen), ...Buffer.from(h.padEnd(32, "0"), "hex")]);
    map.userUpdate(k6(32, "20010db8"), new Uint8Array([1]), BPF_ANY);
    map.userUpdate(k6(48, "20010db8abcd"), new Uint8Array([2]), BPF_ANY);
    expect(hex(map.userLookup(k6(128, "20010db8abcd0000000000000000beef")))).to.equal("02");
    expect(hex(map.userLookup(k6(128, "20010db8ffff0000000000000000beef")))).to.equal("01");
    const { map: m7 } = makeMap({ ...V4, keySize: 7, maxEntries: 4 });
    m7.userUpdate(new Uint8Array([20, 0, 0, 0, 0xab, 0xcd, 0xe0]), u32(7), BPF_ANY);
    expect(hex(m7.userLookup(new Uint8Array([24, 0, 0, 0, 0xab, 0xcd, 0xef])))).to.equal(hex(u32(7)));
    expect(m7.userLookup(new Uint8Array([24, 0, 0, 0, 0xab, 0xcd, 0x0f]))).to.equal(null);
  });
});
