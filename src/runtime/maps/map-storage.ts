// Where map families allocate their typed-array state. By default plain ArrayBuffers (single
// thread, unchanged fast path); inside withMapStorage() a SharedArrayBuffer allocator, so that worker
// threads (src/parallel/) can attach to the same storage in the same allocation order.

/** Hands out backing buffers in a fixed order; `attached` = buffers already hold live state. */
export interface MapStorage {
  /** A zero-filled (or, when attached, already initialised) buffer of exactly `bytes` bytes. */
  alloc(bytes: number): ArrayBufferLike;
  /** True in workers: the storage was initialised by the creating thread, constructors must not reset it. */
  readonly attached: boolean;
}

let current: MapStorage | null = null;

/** The storage in effect (null: private ArrayBuffers, the single-threaded default). */
export function currentMapStorage(): MapStorage | null {
  return current;
}

/** A buffer for map state: private unless a shared storage is in effect. */
export function allocMapBuffer(bytes: number): ArrayBufferLike {
  return current === null ? new ArrayBuffer(bytes) : current.alloc(bytes);
}

/** True when the storage in effect was initialised elsewhere (skip initial fills). */
export function mapStorageAttached(): boolean {
  return current !== null && current.attached;
}

/** Run `fn` (which creates maps synchronously) with `storage` in effect. */
export function withMapStorage<T>(storage: MapStorage, fn: () => T): T {
  const prev = current;
  current = storage;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** Creating side: every allocation is a new SharedArrayBuffer, remembered in order. */
export class SharedMapStorage implements MapStorage {
  readonly attached = false;
  readonly buffers: SharedArrayBuffer[] = [];
  alloc(bytes: number): SharedArrayBuffer {
    const b = new SharedArrayBuffer(bytes);
    this.buffers.push(b);
    return b;
  }
}

/** Attaching side (a worker): returns the creator's buffers in the same order, checking sizes. */
export class AttachedMapStorage implements MapStorage {
  readonly attached = true;
  private next = 0;
  constructor(private readonly buffers: readonly SharedArrayBuffer[]) {}
  alloc(bytes: number): SharedArrayBuffer {
    const b = this.buffers[this.next++];
    if (b === undefined || b.byteLength !== bytes) {
      throw new Error(`shared map storage #${this.next - 1}: expected ${bytes} bytes, have ${b === undefined ? "none" : b.byteLength}`);
    }
    return b;
  }
  /** Every buffer was claimed (the two sides created the same maps). */
  get complete(): boolean {
    return this.next === this.buffers.length;
  }
}

/**
 * A lock word in shared memory (kernel: the htab bucket raw spinlocks / lru lock; here one per map).
 * 0 free, 1 locked, 2 locked with waiters (Drepper's futex mutex); Atomics.wait parks a waiter.
 */
export function lockShared(ctl: Int32Array, at: number): void {
  let c = Atomics.compareExchange(ctl, at, 0, 1);
  if (c === 0) return;
  // Critical sections are a few hundred ns: spin (as the kernel's raw spinlocks do) before parking.
  for (let spin = 0; spin < 4096; spin++) {
    c = Atomics.compareExchange(ctl, at, 0, 1);
    if (c === 0) return;
  }
  if (c !== 2) c = Atomics.exchange(ctl, at, 2);
  while (c !== 0) {
    Atomics.wait(ctl, at, 2);
    c = Atomics.exchange(ctl, at, 2);
  }
}

export function unlockShared(ctl: Int32Array, at: number): void {
  if (Atomics.sub(ctl, at, 1) !== 1) {
    Atomics.store(ctl, at, 0);
    Atomics.notify(ctl, at, 1);
  }
}
