/**
 * Per-caller fairness for the sandbox's threads. The resolver sends jobs to the sandbox in the
 * order they come (one queue for everyone), so a caller who sends 10,000 items at once would
 * make every other caller wait behind all of them. Here, evaluations wait per caller, and at
 * most `window` of them (a few per sandbox thread) are handed to the resolver at a time, taken
 * from the callers with work waiting in turn (round robin, one each). While k callers have
 * work waiting, each gets 1/k of what starts; a caller alone gets the whole sandbox.
 *
 * A caller's evaluation therefore waits behind at most `window` evaluations already handed
 * over, plus one per other waiting caller, however much any caller has queued.
 */

/** A first-in, first-out queue with O(1) take (Array.shift is linear in the queue). */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(): T {
    const item = this.items[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** Evaluations handed to the resolver at once, per sandbox thread. */
export const FAIR_WINDOW_PER_THREAD = 128;

/** Hands work to the resolver fairly between callers; see the module comment. */
export class FairShare {
  /** Callers with work waiting, in turn order (a Map keeps insertion order). */
  private readonly waiting = new Map<string, Queue<() => void>>();
  private running = 0;

  /** @param window most evaluations handed over at once. */
  constructor(readonly window: number) {}

  /** Runs `job` (one evaluation) for `caller` when its turn comes; settles as the job does. */
  run<T>(caller: string, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        job()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.pump();
          });
      };
      let queue = this.waiting.get(caller);
      if (!queue) this.waiting.set(caller, (queue = new Queue()));
      queue.push(start);
      this.pump();
    });
  }

  /** Evaluations waiting for `caller` (not yet handed over). */
  waitingFor(caller: string): number {
    return this.waiting.get(caller)?.length ?? 0;
  }

  /** Evaluations handed over and not yet settled. */
  get inFlight(): number {
    return this.running;
  }

  private pump(): void {
    while (this.running < this.window && this.waiting.size > 0) {
      const [caller, queue] = this.waiting.entries().next().value!;
      const start = queue.take();
      // The caller goes to the back of the turn order (or leaves it when it has nothing left).
      this.waiting.delete(caller);
      if (queue.length > 0) this.waiting.set(caller, queue);
      start();
    }
  }
}
