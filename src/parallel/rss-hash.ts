// Receive-side scaling as a NIC does it: Toeplitz hash of the IPv4/IPv6 5-tuple (2-tuple for other
// IP protocols and fragments), 128-entry indirection table filled i % N (ethtool_rxfh_indir_default),
// indexed by hash & 127. Spec: Microsoft "RSS hashing functions" / "Verifying the RSS hash calculation"
// (default key below, verification vectors in test/parallel/rss-hash.test.ts); include/linux/ethtool.h.

/** The common default RSS key (Microsoft's verification key, also many NIC drivers' default). */
export const DEFAULT_RSS_KEY = Uint8Array.from(
  "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa".match(/../g)!.map((h) => parseInt(h, 16)),
);

/** Indirection table size (ETH_RXFH_INDIR_NO_CHANGE aside, the usual 128 entries). */
export const RSS_INDIR_SIZE = 128;

/**
 * Toeplitz hash of input[off, off+len) with `key` (≥ len + 4 bytes): for every input bit set (most
 * significant first) XOR in the 32-bit window of the key starting at that bit position.
 */
export function toeplitzHash(key: Uint8Array, input: Uint8Array, off: number, len: number): number {
  let result = 0;
  let window = ((key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3]) >>> 0;
  for (let i = 0; i < len; i++) {
    const b = input[off + i];
    const next = i + 4 < key.length ? key[i + 4] : 0;
    for (let bit = 7; bit >= 0; bit--) {
      if ((b >> bit) & 1) result ^= window;
      window = ((window << 1) | ((next >> bit) & 1)) >>> 0;
    }
  }
  return result >>> 0;
}

/** ethtool_rxfh_indir_default: entry i → queue i % n. */
export function defaultIndirectionTable(queues: number): Uint8Array {
  const t = new Uint8Array(RSS_INDIR_SIZE);
  for (let i = 0; i < RSS_INDIR_SIZE; i++) t[i] = i % queues;
  return t;
}

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

/**
 * RSS hash of an Ethernet frame, or -1 when it is not IP (such packets go to queue 0). Up to two
 * VLAN tags are skipped; IPv6 extension headers are not walked (the next header must be TCP/UDP for
 * the 4-tuple, else the 2-tuple is hashed); IPv4 fragments hash the 2-tuple as NICs do.
 */
export class RssHasher {
  readonly key: Uint8Array;
  readonly indir: Uint8Array;
  private readonly tuple = new Uint8Array(36);

  constructor(queues: number, key: Uint8Array = DEFAULT_RSS_KEY) {
    this.key = key;
    this.indir = defaultIndirectionTable(queues);
  }

  hash(buf: Uint8Array, off: number, len: number): number {
    if (len < 14) return -1;
    let p = off + 12;
    const end = off + len;
    let type = (buf[p] << 8) | buf[p + 1];
    p += 2;
    for (let tags = 0; tags < 2 && (type === ETH_P_8021Q || type === ETH_P_8021AD); tags++) {
      if (p + 4 > end) return -1;
      type = (buf[p + 2] << 8) | buf[p + 3];
      p += 4;
    }
    const t = this.tuple;
    if (type === ETH_P_IP) {
      if (p + 20 > end || buf[p] >> 4 !== 4) return -1;
      const ihl = (buf[p] & 15) * 4;
      const proto = buf[p + 9];
      const frag = ((buf[p + 6] & 0x3f) << 8) | buf[p + 7]; // MF bit + fragment offset
      for (let i = 0; i < 8; i++) t[i] = buf[p + 12 + i];
      const l4 = p + ihl;
      if (frag === 0 && ihl >= 20 && (proto === IPPROTO_TCP || proto === IPPROTO_UDP) && l4 + 4 <= end) {
        for (let i = 0; i < 4; i++) t[8 + i] = buf[l4 + i];
        return toeplitzHash(this.key, t, 0, 12);
      }
      return toeplitzHash(this.key, t, 0, 8);
    }
    if (type === ETH_P_IPV6) {
      if (p + 40 > end || buf[p] >> 4 !== 6) return -1;
      const nh = buf[p + 6];
      for (let i = 0; i < 32; i++) t[i] = buf[p + 8 + i];
      const l4 = p + 40;
      if ((nh === IPPROTO_TCP || nh === IPPROTO_UDP) && l4 + 4 <= end) {
        for (let i = 0; i < 4; i++) t[32 + i] = buf[l4 + i];
        return toeplitzHash(this.key, t, 0, 36);
      }
      return toeplitzHash(this.key, t, 0, 32);
    }
    return -1;
  }

  /** Receive queue of a frame: indir[hash & 127], queue 0 for non-IP. */
  queue(buf: Uint8Array, off: number, len: number): number {
    const h = this.hash(buf, off, len);
    return h < 0 ? 0 : this.indir[h & (RSS_INDIR_SIZE - 1)];
  }
}
