/**
 * From validated request bodies to outcomes: find the task, read the files of the args, and
 * call the resolver, each evaluation in its caller's turn (see ./fair-share.ts). The retry
 * context (`attempt`, `previous`) reaches the resolver here and only here (see {@link retryContext}).
 */
import { TaskresError, isTaskresError, type Resolver, type Resources, type RetryContext, type Task } from 'taskres';
import { OPEN_REQUEST_SCOPE, READ_GROUP_STOPS, type RequestScope, type RequestScopeTarget } from '../resolver/sandbox-jobs.js';
import { ResolveCoalescer } from './coalesce.js';
import type { FairShare } from './fair-share.js';
import { problem, problemFromError, type Problem } from './problems.js';
import type { RequestFiles } from './files-root.js';
import type { StopRecord } from './stop-record.js';
import type { ResolveBodyInput } from './schemas.js';
import { UnknownTaskError, type TaskCatalog } from './tasks.js';

/** A clamp warning as the API reports it. */
export interface ApiWarning {
  code: string;
  taskName: string;
  resource: string;
  value: number;
  limit: number;
}

/** One answered item. */
export type ItemOutcome = { status: 'fulfilled'; resources: Resources; warnings: ApiWarning[] } | { status: 'rejected'; error: Problem };

/**
 * The resolver's third argument for an item (contract: Retries), or undefined for a plain first
 * attempt: the one place `attempt`/`previous` are passed on. The resolver validates the
 * context (e.g. `previous` without `attempt` is its TASKRES_INVALID_ARGS).
 */
export function retryContext(item: ResolveBodyInput): RetryContext | undefined {
  if (item.attempt === undefined && item.previous === undefined) return undefined;
  return { attempt: item.attempt as number, ...(item.previous === undefined ? {} : { previous: item.previous }) };
}

/**
 * One object per caller with requests in flight. After a sandbox stop the resolver ranks the
 * waiting work of the group charged with it after everyone else's (src/resolver/scheduler.ts):
 * a caller whose items wedge the sandbox goes last whatever request it sends next, and
 * another caller's item, even one admitted after them, goes first. A caller's object is
 * dropped when its last request ends; what outlives it is the caller's {@link StopRecord}, to
 * which each request, as it ends, adds the stops charged to the group since the last look.
 */
export class CallerGroups {
  private readonly groups = new Map<string, { group: object; requests: number; seenStops: number }>();

  constructor(private readonly record: StopRecord) {}

  /** The caller's object, for a request that starts; pair with {@link leave}. */
  enter(caller: string): object {
    let entry = this.groups.get(caller);
    if (!entry) this.groups.set(caller, (entry = { group: {}, requests: 0, seenStops: 0 }));
    entry.requests++;
    return entry.group;
  }

  /**
   * A request of the caller ended (`work`: its work, whose scope reads the group's stops from
   * the resolver). Read once its outcomes are in: the resolver counts a stop before it settles
   * the outcomes of the jobs charged with it, so the record has it before the answer is sent.
   */
  leave(caller: string, work: RequestWork): void {
    const entry = this.groups.get(caller);
    if (!entry) return;
    const stops = work.scope[READ_GROUP_STOPS]();
    this.record.add(caller, stops - entry.seenStops);
    entry.seenStops = stops;
    if (--entry.requests <= 0) this.groups.delete(caller);
  }
}

/** Outcomes that cost the sandbox a whole evaluation budget (time or memory). */
const COSTLY = new Set(['TASKRES_TIMEOUT', 'TASKRES_MEMORY_LIMIT']);

/**
 * One request's work: aborted when its answer is no longer wanted (the request timed out or
 * its client went away) or when its items have cost too much, so that what it queued and the
 * sandbox has not taken yet is never run (TASKRES_ABORTED) and cannot hold back other callers.
 */
export class RequestWork {
  readonly controller = new AbortController();
  why: 'budget' | 'deadline' | 'disconnected' | undefined;
  /** What {@link Resolution.turn} answers for its items not run (one rejection, shared). */
  notRun: Promise<never> | undefined;
  /**
   * The resolver as this request sees it, for every route (resolve and CWL): each resolution
   * and each CWL evaluation follows the request's signal and ranks in its caller's group.
   */
  readonly scope: RequestScope;
  /** Its evaluations that ran out of time or memory (see {@link Resolution.charge}). */
  costly = 0;

  /**
   * @param resolver the server's resolver.
   * @param group its caller's object (see {@link CallerGroups}): the resolver ranks the work of
   *   every request in it as one, after a sandbox stop.
   */
  constructor(resolver: Resolver, group: object) {
    // The resolver's internal door (src/resolver/sandbox-jobs.ts): not public API.
    this.scope = (resolver as unknown as RequestScopeTarget)[OPEN_REQUEST_SCOPE](this.controller.signal, group);
  }

  abort(why: 'budget' | 'deadline' | 'disconnected'): void {
    if (this.why) return;
    this.why = why;
    this.controller.abort();
  }
}

/** Turns request items into outcomes with one resolver. */
export class Resolution {
  /**
   * Evaluations of one request that may time out or run out of memory before the rest of it is
   * abandoned: each holds a thread for a whole timeoutMs, and a request of 1,000 endless
   * functions would otherwise hold every thread for minutes while other callers wait.
   */
  readonly costlyBudget: number;
  /** Single resolves of one event-loop turn travel as one batch. */
  private readonly singles: ResolveCoalescer;
  /** Each caller's group (see {@link CallerGroups}). */
  readonly callers: CallerGroups;

  /** @param stops each caller's record of the sandbox stops charged to its work (see ./stop-record.ts). */
  constructor(
    private readonly resolver: Resolver,
    private readonly catalog: TaskCatalog,
    private readonly files: RequestFiles,
    private readonly fair: FairShare,
    readonly stops: StopRecord,
  ) {
    this.callers = new CallerGroups(stops);
    this.costlyBudget = Math.max(4, 2 * resolver.options.threads);
    this.singles = new ResolveCoalescer();
  }

  /** The work of a request of `caller` that starts; pair with `callers.leave(caller, work)` when it ends. */
  begin(caller: string): RequestWork {
    return new RequestWork(this.resolver, this.callers.enter(caller));
  }

  /**
   * Runs one evaluation of a request (`start`) in its caller's turn (./fair-share.ts), unless
   * the request was given up by then: TASKRES_ABORTED, without running it.
   */
  turn<T>(caller: string, work: RequestWork, start: () => Promise<T>): Promise<T> {
    const { signal } = work.controller;
    // What the resolver says of an item whose request was given up before its turn came, made
    // once: a request given up with 1,000 items queued made 1,000 errors and their stacks.
    return this.fair.run(caller, () => (signal.aborted ? (work.notRun ??= Promise.reject(new TaskresError('TASKRES_ABORTED', 'Not run: its signal was aborted before it started.'))) : start()));
  }

  /** Counts an item's failure against its request's budget: past {@link costlyBudget}, the rest of the request is not run. */
  charge(work: RequestWork, reason: unknown): void {
    if (isTaskresError(reason) && COSTLY.has(reason.code) && ++work.costly >= this.costlyBudget) work.abort('budget');
  }

  /** Resolves one item; rejects with a Problem-ready error (TaskresError or UnknownTaskError). */
  async one(item: ResolveBodyInput, work: RequestWork, caller: string): Promise<Resources> {
    const prepared = this.prepare(item, caller);
    const { task, args } = prepared instanceof Promise ? await prepared : prepared;
    const outcome = await this.fair.run(caller, () => this.singles.resolve(work.scope, { task, args, ...retryContext(item) }));
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  }

  /**
   * Resolves many (batched in the sandbox); outcomes in input order. Each item settles on its
   * own, so the request is abandoned as soon as its costly failures pass {@link costlyBudget}.
   */
  async many(items: readonly ResolveBodyInput[], instance: string, work: RequestWork, caller: string): Promise<ItemOutcome[]> {
    const outcomes = new Array<ItemOutcome>(items.length);
    const running: Promise<void>[] = [];
    const fulfilled = (i: number) => (value: Resources) => {
      outcomes[i] = { status: 'fulfilled', resources: value, warnings: [] };
    };
    const rejected = (i: number) => (reason: TaskresError) => {
      this.charge(work, reason);
      outcomes[i] = { status: 'rejected', error: this.problem(reason, instance, work) };
    };
    // One item after another: each measures at most a few files at once, so a request holds
    // a bounded number of descriptors however many files it names. Items whose task is loaded
    // and whose files carry sizes are prepared without waiting (no promise per item).
    const prepared: (Prepared | undefined)[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      try {
        // A request given up on stops preparing (checking specs, measuring files) too.
        if (work.why) throw new TaskresError('TASKRES_ABORTED', 'The request was given up before this item was prepared.');
        const found = this.prepare(items[i]!, caller);
        prepared[i] = found instanceof Promise ? await found : found;
      } catch (error) {
        outcomes[i] = { status: 'rejected', error: this.problem(error, instance) };
      }
    }
    for (let i = 0; i < items.length; i++) {
      const ready = prepared[i];
      if (ready === undefined) continue;
      const options = retryContext(items[i]!);
      // One resolve per item, as before fairness: each settles and is aborted on its own
      // (through the coalescer, 1,000 endless items held the threads 6 times longer).
      running.push(this.turn(caller, work, () => work.scope.resolve(ready.task, ready.args as never, options)).then(fulfilled(i), rejected(i)));
    }
    await Promise.all(running);
    return outcomes;
  }

  /** The problem for an item's failure. */
  problem(error: unknown, instance: string, work?: RequestWork): Problem {
    if (error instanceof UnknownTaskError) return problem('TASKRES_NOT_FOUND', error.message, instance);
    if (isTaskresError(error) && error.code === 'TASKRES_ABORTED') {
      const why =
        work?.why === 'budget'
          ? `${this.costlyBudget} evaluations of this request ran out of time or memory, so its remaining items were not run (a request may hold the sandbox only so long); send them again in a request of their own`
          : 'the request was given up (its time ran out or its client went away) before this item ran';
      return problem('TASKRES_ABORTED', `Not run: ${why}.`, instance, { taskName: error.taskName });
    }
    return problemFromError(error, instance);
  }

  /**
   * The task and the revived args of an item: at once for a loaded task whose files carry
   * their sizes (the common case, kept free of promises), else once the inline spec is checked
   * or the files inside the root are measured. Throws (or rejects) as catalog.get and
   * files.revive do, the task's problem first.
   */
  private prepare(item: ResolveBodyInput, caller: string): Prepared | Promise<Prepared> {
    if (typeof item.task !== 'string') return this.prepareInline(item, caller);
    const task = this.catalog.named(item.task);
    const args = this.files.revive(item.args);
    return args instanceof Promise ? args.then((revived) => ({ task, args: revived })) : { task, args };
  }

  private async prepareInline(item: ResolveBodyInput, caller: string): Promise<Prepared> {
    const task = await this.catalog.get(item.task, caller);
    return { task, args: await this.files.revive(item.args) };
  }
}

/** An item ready for the resolver. */
interface Prepared {
  task: Task;
  args: unknown;
}
