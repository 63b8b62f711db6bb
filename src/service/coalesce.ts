/**
 * Coalesces the single resolves of concurrent HTTP requests into one batch per event-loop
 * turn. The requests that one turn's socket reads parse each reach the resolver in a callback
 * of their own, and the resolver batches per microtask: left alone, each becomes a batch of
 * one job with its own IPC message, sandbox relay and worker wake-up, and at 64 connections
 * that per-batch cost, not the evaluations, is what the server spends its time on. Gathered
 * until the turn's I/O is done (`setImmediate` runs after the poll phase that read them) and
 * handed to the resolver in one synchronous pass, they travel as one batch.
 *
 * Each item is its own `resolve` call, so each caller hears of its own item when the sandbox
 * batch that ran it comes back, not when the last item of the turn does (a turn's items are
 * spread over the idle threads, and a function that runs until its timeout holds back only
 * its own batch). Each is resolved through its own request's scope (its signal and caller
 * group: see RequestWork in ./resolution.ts), with its task, args and retry context as they are.
 */
import type { ResolveCallOptions, ResolveOutcome, ResolveRequest, Resolver, TaskresError } from 'taskres';

/** One caller waiting for the next batch. */
interface Waiting {
  scope: Resolver;
  request: ResolveRequest;
  settle(outcome: ResolveOutcome): void;
}

/** Gathers `resolve` calls of one event-loop turn into one batch of the resolver. */
export class ResolveCoalescer {
  private waiting: Waiting[] = [];
  private readonly flushBound = (): void => this.flush();

  /**
   * Resolves one item in the next batch, through `scope` (the resolver as its request sees it);
   * the outcome is this item's alone, as soon as it settles.
   */
  resolve(scope: Resolver, request: ResolveRequest): Promise<ResolveOutcome> {
    return new Promise<ResolveOutcome>((settle) => {
      if (this.waiting.length === 0) setImmediate(this.flushBound);
      this.waiting.push({ scope, request, settle });
    });
  }

  private flush(): void {
    const waiting = this.waiting;
    this.waiting = [];
    // One synchronous pass: the resolver sends what is submitted in one turn as one batch.
    for (const { scope, request, settle } of waiting) {
      scope.resolve(request.task, request.args as never, callOptions(request)).then(
        (value) => settle({ status: 'fulfilled', value }),
        (reason: TaskresError) => settle({ status: 'rejected', reason }),
      );
    }
  }
}

/** The per-call options of an item: only those it has (an `attempt: undefined` would be a retry context). */
function callOptions(request: ResolveRequest): ResolveCallOptions | undefined {
  const { attempt, previous, signal } = request;
  if (attempt === undefined && previous === undefined && signal === undefined) return undefined;
  const options: ResolveCallOptions = {};
  if (attempt !== undefined) options.attempt = attempt;
  if (previous !== undefined) options.previous = previous;
  if (signal !== undefined) options.signal = signal;
  return options;
}
