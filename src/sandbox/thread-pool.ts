/**
 * The sandbox process's worker threads: a fixed number, each running one batch at a time in
 * its own isolate. It replaces a general-purpose pool because the sandbox needs little of
 * one and pays for what it does not use: loading a pool library took ~40 ms of every cold
 * start in the process and again in each thread, and each batch crossed its queue, its async
 * hooks and a wake-up of the thread.
 *
 * Each thread gets batches on a MessagePort of its own, answers on it, and after each batch
 * keeps polling that port for a short while (SPIN_MS) before it goes back to sleep, so that a
 * caller who sends the next batch as soon as the last one is answered finds the thread awake.
 *
 * A thread that dies under a batch fails that batch only (`onFailed`) and is replaced; a thread
 * that dies or cannot start otherwise is reported through `onThreadError` (the process then
 * crashes and is restarted by the resolver, as before).
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { StartPhases } from './handshake.js';
import type { BatchResult, BatchTask, WorkerData } from './protocol.js';

/** Messages from the pool to a thread. */
export type ToThread = { t: 'batch'; id: number; task: BatchTask };

/** Messages from a thread to the pool. */
export type FromThread =
  | { t: 'up'; specifier: string; phases: StartPhases }
  | { t: 'done'; id: number; result: BatchResult }
  | { t: 'failed'; id: number; message: string };

/** What a thread is started with, besides the sandbox's WorkerData. */
export interface ThreadData extends WorkerData {
  port: MessagePort;
}

/** How long a thread keeps polling for the next batch after answering one (see the module doc). */
export const SPIN_MS = 0.5;

interface Thread {
  worker: Worker;
  port: MessagePort;
  up: boolean;
  /** The batch it runs, if any. */
  running: number | undefined;
}

/** Callbacks of the pool's owner. */
export interface PoolEvents {
  /** Every thread has started (the first time) with these phases, the slowest thread's. */
  onUp(specifier: string, phases: StartPhases): void;
  onDone(id: number, result: BatchResult): void;
  /** The batch failed in its thread (it threw, or the thread died under it). */
  onFailed(id: number, message: string): void;
  /** A thread failed outside any batch (at start, or idle). */
  onThreadError(message: string, started: boolean): void;
}

/** A fixed set of sandbox threads with a queue of batches. */
export class ThreadPool {
  private readonly threads: Thread[] = [];
  private readonly queue: { id: number; task: BatchTask }[] = [];
  private upCount = 0;
  private allUp = false;
  private closed = false;
  private readonly phases: StartPhases = {};

  constructor(
    private readonly filename: URL,
    private readonly workerData: WorkerData,
    count: number,
    private readonly events: PoolEvents,
  ) {
    for (let i = 0; i < count; i++) this.threads.push(this.spawn());
  }

  /** Runs a batch on the first idle thread, or queues it. */
  run(id: number, task: BatchTask): void {
    const thread = this.threads.find((t) => t.up && t.running === undefined);
    if (thread) this.dispatch(thread, id, task);
    else this.queue.push({ id, task });
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private spawn(): Thread {
    const { port1, port2 } = new MessageChannel();
    const data: ThreadData = { ...this.workerData, port: port2 };
    const worker = new Worker(this.filename, { workerData: data, transferList: [port2] });
    const thread: Thread = { worker, port: port1, up: false, running: undefined };
    port1.on('message', (message: FromThread) => this.onMessage(thread, message));
    worker.on('error', (error: unknown) => this.onLost(thread, describe(error)));
    worker.on('exit', (code) => this.onLost(thread, `it exited with code ${code}`));
    return thread;
  }

  private dispatch(thread: Thread, id: number, task: BatchTask): void {
    thread.running = id;
    thread.port.postMessage({ t: 'batch', id, task } satisfies ToThread);
  }

  private onMessage(thread: Thread, message: FromThread): void {
    if (!this.threads.includes(thread)) return;
    switch (message.t) {
      case 'up':
        thread.up = true;
        if (!this.allUp) {
          for (const [name, at] of Object.entries(message.phases)) this.phases[name] = Math.max(this.phases[name] ?? 0, at);
          if (++this.upCount === this.threads.length) {
            this.allUp = true;
            this.events.onUp(message.specifier, this.phases);
          }
        }
        break;
      case 'done':
      case 'failed':
        thread.running = undefined;
        if (message.t === 'done') this.events.onDone(message.id, message.result);
        else this.events.onFailed(message.id, message.message);
        break;
    }
    const next = thread.up && thread.running === undefined ? this.queue.shift() : undefined;
    if (next) this.dispatch(thread, next.id, next.task);
  }

  /** A thread died: its batch fails, and it is replaced; outside a batch, the owner hears of it. */
  private onLost(thread: Thread, message: string): void {
    const index = this.threads.indexOf(thread);
    if (index < 0 || this.closed) return;
    const { running } = thread;
    const wasUp = thread.up;
    thread.port.close();
    void thread.worker.terminate();
    if (running === undefined || !this.allUp) {
      this.threads.splice(index, 1);
      this.events.onThreadError(message, wasUp);
      return;
    }
    this.threads[index] = this.spawn();
    this.events.onFailed(running, message);
  }
}

function describe(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 300);
}
