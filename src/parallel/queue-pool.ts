// Main-thread side of the queue workers: starts one worker_threads Worker per rx queue (queue q on
// CPU q), hands each the shared map buffers, and turns job/bench messages into promises.

import { Worker } from "node:worker_threads";
import { XdpsimError } from "../errors.js";
import type { BenchResult, PacketSet } from "../pipeline/bench-program.js";
import type { ParallelProgram } from "./parallel-setup.js";
import type { JobMessage, ResultMessage, WorkerInit } from "./worker-messages.js";

/** An error a worker reported while building its program (same stage as in the main thread). */
class WorkerError extends XdpsimError {}

interface Waiter {
  resolve: (v: never) => void;
  reject: (e: unknown) => void;
}

export class QueuePool {
  readonly workers: Worker[] = [];
  private readonly waiting: Waiter[][] = [];
  private failed: unknown = null;

  private constructor() {}

  /** Start `queues` workers and wait until each has built its program. */
  static async start(prog: ParallelProgram, queues: number, buffers: SharedArrayBuffer[], mapInit: unknown): Promise<QueuePool> {
    const pool = new QueuePool();
    const url = new URL("./queue-worker.js", import.meta.url);
    const ready: Promise<void>[] = [];
    for (let q = 0; q < queues; q++) {
      const init: WorkerInit = { prog, queue: q, buffers, mapInit };
      const w = new Worker(url, { workerData: init });
      pool.workers.push(w);
      pool.waiting.push([]);
      ready.push(new Promise<void>((resolve, reject) => {
        let started = false;
        w.on("message", (m: { kind: string; message?: string; stage?: string }) => {
          if (!started) {
            started = true;
            if (m.kind === "ready") resolve();
            else reject(m.stage ? new WorkerError(m.stage, m.message ?? "") : new Error(`queue ${q}: ${m.message}`));
            return;
          }
          pool.onMessage(q, m);
        });
        w.on("error", (e) => { reject(e); pool.fail(e); });
        w.on("exit", (code) => {
          if (!started) reject(new Error(`queue ${q} worker exited (${code}) before it was ready`));
          else if (pool.waiting[q].length) pool.fail(new Error(`queue ${q} worker exited (${code}) with work pending`));
        });
      }));
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  private onMessage(q: number, m: { kind: string; message?: string }): void {
    const w = this.waiting[q].shift();
    if (w === undefined) return;
    if (m.kind === "error") w.reject(new Error(`queue ${q}: ${m.message}`));
    else w.resolve(m as never);
  }

  private fail(e: unknown): void {
    this.failed ??= e;
    for (const list of this.waiting) for (const w of list.splice(0)) w.reject(e);
  }

  /** Run a job on queue q; answers arrive in submission order per queue. */
  run(q: number, job: JobMessage): Promise<ResultMessage> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<ResultMessage>((resolve, reject) => {
      this.waiting[q].push({ resolve: resolve as (v: never) => void, reject });
      this.workers[q].postMessage(job, [job.data.buffer, job.offs.buffer, job.lens.buffer, job.tsSec.buffer, job.tsNsec.buffer] as ArrayBuffer[]);
    });
  }

  /** benchProgram on queue q's share of the packets. */
  bench(q: number, set: PacketSet, repeat: number | undefined, gate: Int32Array, queues: number): Promise<BenchResult> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<{ result: BenchResult }>((resolve, reject) => {
      this.waiting[q].push({ resolve: resolve as (v: never) => void, reject });
      this.workers[q].postMessage({ kind: "bench", set, repeat, gate, queues });
    }).then((m) => m.result);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
