// The kernel's LRU element allocator for LRU hash maps, node for node: active/inactive/free lists
// with ref bits, lazy rotation, per-CPU local free and pending lists, stealing, and shrink targets.
// kernel/bpf/bpf_lru_list.c (6.18: llist local free list, target_free = clamp(n / ncpus / 2, 1, 128)).

import { allocMapBuffer, mapStorageAttached } from "./map-storage.js";

const ACTIVE = 0;
const INACTIVE = 1;
const FREE = 2;
const LOCAL_FREE = 3;
const LOCAL_PENDING = 4;

const LOCAL_FREE_TARGET = 128;
const LOCAL_NR_SCANS = LOCAL_FREE_TARGET;
const PERCPU_FREE_TARGET = 4;
const PERCPU_NR_SCANS = PERCPU_FREE_TARGET;

/** struct bpf_lru_list: three list heads (sentinel node ids), counts, next_inactive_rotation. */
interface LruList {
  heads: [number, number, number];
  counts: [number, number];
  nir: number;
}

/**
 * Element nodes are 0..nodes-1 (the hash map's element ids); list heads are sentinel ids after
 * them in the same prev/next arrays. `delFromHtab(node)` removes the node's element from the hash
 * table and returns whether it was there (htab_lru_map_delete_node).
 */
export class BpfLru {
  readonly nodes: number;
  readonly ncpus: number;
  /** BPF_F_NO_COMMON_LRU: one LRU list per CPU instead of the common list with local lists. */
  readonly percpu: boolean;
  readonly targetFree: number;
  private readonly nrScans: number;
  private readonly delFromHtab: (node: number) => boolean;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly type: Uint8Array;
  private readonly ref: Uint8Array;
  private readonly cpu: Int32Array;
  /** Common LRU: the global list; per-CPU LRU: lists[cpu]. */
  private readonly lists: LruList[] = [];
  /** Common LRU: per-CPU pending list heads, lockless free llists, next_steal, a temp list head. */
  private readonly pending: number[] = [];
  private readonly llHead: Int32Array;
  private readonly llNext: Int32Array;
  private readonly nextSteal: Int32Array;
  private readonly tmpFree: number;

  constructor(nodes: number, ncpus: number, percpu: boolean, delFromHtab: (node: number) => boolean) {
    this.nodes = nodes;
    this.ncpus = ncpus;
    this.percpu = percpu;
    this.delFromHtab = delFromHtab;
    this.nrScans = percpu ? PERCPU_NR_SCANS : LOCAL_NR_SCANS;
    this.targetFree = Math.min(Math.max(Math.floor(Math.floor(nodes / ncpus) / 2), 1), LOCAL_FREE_TARGET);
    const heads = percpu ? 3 * ncpus : 3 + ncpus + 1;
    this.prev = new Int32Array(allocMapBuffer((nodes + heads) * 4));
    this.next = new Int32Array(allocMapBuffer((nodes + heads) * 4));
    this.type = new Uint8Array(allocMapBuffer(nodes));
    this.ref = new Uint8Array(allocMapBuffer(nodes));
    this.cpu = new Int32Array(allocMapBuffer(nodes * 4));
    this.llHead = new Int32Array(allocMapBuffer(ncpus * 4));
    this.llNext = new Int32Array(allocMapBuffer(nodes * 4));
    this.nextSteal = new Int32Array(allocMapBuffer(ncpus * 4));
    let h = nodes;
    const nLists = percpu ? ncpus : 1;
    for (let i = 0; i < nLists; i++) {
      this.lists.push({ heads: [h, h + 1, h + 2], counts: [0, 0], nir: h + 1 });
      h += 3;
    }
    if (!percpu) for (let c = 0; c < ncpus; c++) this.pending.push(h++);
    this.tmpFree = h;
    if (!mapStorageAttached()) this.populate();
  }

  /** Scalars outside the typed arrays (list counts, next_inactive_rotation): 3 per list. */
  get scalarCount(): number {
    return 3 * this.lists.length;
  }

  /** Copy the list scalars to dst[at..] (shared maps keep them in shared memory between locks). */
  saveScalars(dst: Int32Array, at: number): void {
    for (const l of this.lists) {
      dst[at++] = l.counts[0];
      dst[at++] = l.counts[1];
      dst[at++] = l.nir;
    }
  }

  loadScalars(src: Int32Array, at: number): void {
    for (const l of this.lists) {
      l.counts[0] = src[at++];
      l.counts[1] = src[at++];
      l.nir = src[at++];
    }
  }

  /** Back to the freshly populated state (bpf_lru_populate): every node free. */
  populate(): void {
    for (let i = this.nodes; i < this.prev.length; i++) this.prev[i] = this.next[i] = i;
    for (const l of this.lists) {
      l.counts[0] = l.counts[1] = 0;
      l.nir = l.heads[INACTIVE];
    }
    this.llHead.fill(-1);
    for (let c = 0; c < this.ncpus; c++) this.nextSteal[c] = c;
    this.ref.fill(0);
    if (!this.percpu) {
      const free = this.lists[0].heads[FREE];
      for (let i = 0; i < this.nodes; i++) {
        this.type[i] = FREE;
        this.cpu[i] = 0;
        this.listAdd(i, free);
      }
      return;
    }
    const per = Math.floor(this.nodes / this.ncpus);
    let i = 0;
    for (let c = 0; c < this.ncpus && i < this.nodes; c++) {
      do {
        this.cpu[i] = c;
        this.type[i] = FREE;
        this.listAdd(i, this.lists[c].heads[FREE]);
        i++;
      } while (i < this.nodes && i % per !== 0);
    }
  }

  /** bpf_lru_node_set_ref (a program's lookup or an update replacing a key). */
  setRef(node: number): void {
    if (!this.ref[node]) this.ref[node] = 1;
  }

  /** bpf_lru_pop_free on `cpu`: a free node (possibly evicting others), or -1. */
  popFree(cpu: number): number {
    return this.percpu ? this.percpuPopFree(cpu) : this.commonPopFree(cpu);
  }

  /** bpf_lru_push_free: give a node back (deleted or replaced element, or an unused new one). */
  pushFree(node: number): void {
    if (this.percpu) {
      this.move(this.lists[this.cpu[node]], node, FREE);
      return;
    }
    if (this.type[node] === LOCAL_PENDING) {
      this.type[node] = LOCAL_FREE;
      this.ref[node] = 0;
      this.listDel(node);
      this.llPush(this.cpu[node], node);
      return;
    }
    this.move(this.lists[0], node, FREE);
  }

  // ---- list_head primitives ----
  private listDel(x: number): void {
    const p = this.prev[x], n = this.next[x];
    this.next[p] = n;
    this.prev[n] = p;
  }

  private listAdd(x: number, head: number): void {
    const n = this.next[head];
    this.next[head] = x;
    this.prev[x] = head;
    this.next[x] = n;
    this.prev[n] = x;
  }

  private listMove(x: number, head: number): void {
    this.listDel(x);
    this.listAdd(x, head);
  }

  private llPush(cpu: number, node: number): void {
    this.llNext[node] = this.llHead[cpu];
    this.llHead[cpu] = node;
  }

  private llPop(cpu: number): number {
    const node = this.llHead[cpu];
    if (node >= 0) this.llHead[cpu] = this.llNext[node];
    return node;
  }

  // ---- bpf_lru_list.c ----
  private countInc(l: LruList, t: number): void {
    if (t < 2) l.counts[t]++;
  }

  private countDec(l: LruList, t: number): void {
    if (t < 2) l.counts[t]--;
  }

  /** __bpf_lru_node_move_to_free */
  private moveToFree(l: LruList, node: number, freeHead: number, tgt: number): void {
    if (node === l.nir) l.nir = this.prev[l.nir];
    this.countDec(l, this.type[node]);
    this.type[node] = tgt;
    this.listMove(node, freeHead);
  }

  /** __bpf_lru_node_move_in (local pending list → LRU list) */
  private moveIn(l: LruList, node: number, tgt: number): void {
    this.countInc(l, tgt);
    this.type[node] = tgt;
    this.ref[node] = 0;
    this.listMove(node, l.heads[tgt]);
  }

  /** __bpf_lru_node_move */
  private move(l: LruList, node: number, tgt: number): void {
    if (this.type[node] !== tgt) {
      this.countDec(l, this.type[node]);
      this.countInc(l, tgt);
      this.type[node] = tgt;
    }
    this.ref[node] = 0;
    if (node === l.nir) l.nir = this.prev[l.nir];
    this.listMove(node, l.heads[tgt]);
  }

  private rotateActive(l: LruList): void {
    const active = l.heads[ACTIVE];
    const first = this.next[active];
    let i = 0;
    let node = this.prev[active];
    while (node !== active) {
      const tmp = this.prev[node];
      this.move(l, node, this.ref[node] ? ACTIVE : INACTIVE);
      if (++i === this.nrScans || node === first) break;
      node = tmp;
    }
  }

  private rotateInactive(l: LruList): void {
    const inactive = l.heads[INACTIVE];
    if (this.next[inactive] === inactive) return;
    let last = this.next[l.nir];
    if (last === inactive) last = this.next[last];
    let cur = l.nir;
    let nxt = inactive;
    let i = 0;
    while (i < this.nrScans) {
      if (cur === inactive) {
        cur = this.prev[cur];
        continue;
      }
      const node = cur;
      nxt = this.prev[cur];
      if (this.ref[node]) this.move(l, node, ACTIVE);
      if (cur === last) break;
      cur = nxt;
      i++;
    }
    l.nir = nxt;
  }

  private rotate(l: LruList): void {
    if (l.counts[INACTIVE] < l.counts[ACTIVE]) this.rotateActive(l);
    this.rotateInactive(l);
  }

  private shrinkInactive(l: LruList, tgt: number, freeHead: number, tgtType: number): number {
    const inactive = l.heads[INACTIVE];
    let n = 0;
    let i = 0;
    let node = this.prev[inactive];
    while (node !== inactive) {
      const tmp = this.prev[node];
      if (this.ref[node]) {
        this.move(l, node, ACTIVE);
      } else if (this.delFromHtab(node)) {
        this.moveToFree(l, node, freeHead, tgtType);
        if (++n === tgt) break;
      }
      if (++i === this.nrScans) break;
      node = tmp;
    }
    return n;
  }

  /** __bpf_lru_list_shrink: shrink the inactive list, else force one node out ignoring ref bits. */
  private shrink(l: LruList, tgt: number, freeHead: number, tgtType: number): number {
    const n = this.shrinkInactive(l, tgt, freeHead, tgtType);
    if (n) return n;
    const inactive = l.heads[INACTIVE];
    const force = this.next[inactive] !== inactive ? inactive : l.heads[ACTIVE];
    let node = this.prev[force];
    while (node !== force) {
      const tmp = this.prev[node];
      if (this.delFromHtab(node)) {
        this.moveToFree(l, node, freeHead, tgtType);
        return 1;
      }
      node = tmp;
    }
    return 0;
  }

  private localFlush(l: LruList, cpu: number): void {
    const ph = this.pending[cpu];
    let node = this.prev[ph];
    while (node !== ph) {
      const tmp = this.prev[node];
      this.moveIn(l, node, this.ref[node] ? ACTIVE : INACTIVE);
      node = tmp;
    }
  }

  /** bpf_lru_list_pop_free_to_local: refill cpu's local free list with up to target_free nodes. */
  private popFreeToLocal(cpu: number): void {
    const l = this.lists[0];
    this.localFlush(l, cpu);
    this.rotate(l);
    const freeHead = l.heads[FREE];
    let nfree = 0;
    let node = this.next[freeHead];
    while (node !== freeHead) {
      const tmp = this.next[node];
      this.moveToFree(l, node, this.tmpFree, LOCAL_FREE);
      if (++nfree === this.targetFree) break;
      node = tmp;
    }
    if (nfree < this.targetFree) this.shrink(l, this.targetFree - nfree, this.tmpFree, LOCAL_FREE);
    node = this.next[this.tmpFree];
    while (node !== this.tmpFree) {
      const tmp = this.next[node];
      this.listDel(node);
      this.llPush(cpu, node);
      node = tmp;
    }
    this.prev[this.tmpFree] = this.next[this.tmpFree] = this.tmpFree;
  }

  private addPending(cpu: number, node: number): void {
    this.cpu[node] = cpu;
    this.type[node] = LOCAL_PENDING;
    this.ref[node] = 0;
    this.listAdd(node, this.pending[cpu]);
  }

  /** __local_list_pop_pending: steal the oldest pending node (ref bits honoured, then forced). */
  private popPending(cpu: number): number {
    const ph = this.pending[cpu];
    for (let force = 0; force < 2; force++) {
      for (let node = this.prev[ph]; node !== ph; node = this.prev[node]) {
        if ((!this.ref[node] || force) && this.delFromHtab(node)) {
          this.listDel(node);
          return node;
        }
      }
    }
    return -1;
  }

  private commonPopFree(cpu: number): number {
    let node = this.llPop(cpu);
    if (node < 0) {
      this.popFreeToLocal(cpu);
      node = this.llPop(cpu);
    }
    if (node >= 0) {
      this.addPending(cpu, node);
      return node;
    }
    const first = this.nextSteal[cpu];
    let steal = first;
    do {
      node = this.llPop(steal);
      if (node < 0) node = this.popPending(steal);
      steal = (steal + 1) % this.ncpus;
    } while (node < 0 && steal !== first);
    this.nextSteal[cpu] = steal;
    if (node < 0) return -1;
    this.addPending(cpu, node);
    return node;
  }

  private percpuPopFree(cpu: number): number {
    const l = this.lists[cpu];
    this.rotate(l);
    const freeHead = l.heads[FREE];
    if (this.next[freeHead] === freeHead) this.shrink(l, PERCPU_FREE_TARGET, freeHead, FREE);
    if (this.next[freeHead] === freeHead) return -1;
    const node = this.next[freeHead];
    this.ref[node] = 0;
    this.move(l, node, INACTIVE);
    return node;
  }
}
