/**
 * Coalesces the single resolves of concurrent HTTP requests into one `resolveMany` per
 * event-loop turn. The requests that one turn's socket reads parse each reach the resolver in
 * a callback of their own; left alone, each becomes a batch of one job with its own IPC
 * message, sandbox relay and worker wake-up, and at 64 connections that per-batch cost, not
 * the evaluations, is what the server spends its time on. Gathered until the turn's I/O is
 * done (`setImmediate` runs after the poll phase that read them), they travel as one batch.
 *
 * Nothing about an item changes: its task, args, retry context and abort signal are passed as
 * they are, and each caller gets its own item's outcome (resolveMany settles items on their
 * own, so one item's failure is not another's).
 */
import type { ResolveOutcome, ResolveRequest, Resolver } from 'taskres';

/** Gathers `resolve` calls of one event-loop turn into one `resolver.resolveMany`. */
export class ResolveCoalescer {
  private requests: ResolveRequest[] = [];
  private callers: ((outcome: ResolveOutcome) => void)[] = [];
  private failers: ((error: unknown) => void)[] = [];
  private scheduled = false;
  private readonly flushBound = (): void => this.flush();

  constructor(private readonly resolver: Resolver) {}

  /** Resolves one item in the next batch; the outcome is this item's alone. */
  resolve(request: ResolveRequest): Promise<ResolveOutcome> {
    return new Promise<ResolveOutcome>((resolve, reject) => {
      this.requests.push(request);
      this.callers.push(resolve);
      this.failers.push(reject);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushBound);
      }
    });
  }

  private flush(): void {
    const { requests, callers, failers } = this;
    this.requests = [];
    this.callers = [];
    this.failers = [];
    this.scheduled = false;
    // resolveMany settles every item as an outcome; it rejects only for a malformed call,
    // which would be every item's failure.
    this.resolver.resolveMany(requests).then(
      (outcomes) => {
        for (let i = 0; i < callers.length; i++) callers[i]!(outcomes[i]!);
      },
      (error: unknown) => {
        for (const fail of failers) fail(error);
      },
    );
  }
}
