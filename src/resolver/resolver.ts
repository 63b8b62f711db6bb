/**
 * `createResolver`: computes a task's resources from its arguments. Static values are checked
 * here, in the user's process; resource functions run in the sandbox process, and what they
 * return is validated here with zod against the resolver's limits.
 */
import { TaskresError, type ResourceName } from '../core/errors.js';
import { describeValue } from '../core/text.js';
import { describeExpected, outOfRangeHint, rangeSchema } from '../core/resource-range.js';
import { describeResourceFunction, getTaskDefinition, type DynamicResource, type TaskArgs, type TaskDefinition } from '../definition/task.js';
import { RESOURCE_NAMES, copyResources, markDefaulted, type Resources } from '../core/units.js';
import { encodeArgs, type EncodedArgs, type FileList } from './encode-args.js';
import { missingSizeHint, pathStringHint } from './path-string-hint.js';
import { resolveOptions, type ResolvedOptions, type ResolverOptions } from './options.js';
import { Supervisor, failJob, type EvaluationFailure, type Job, type JobOutcomes } from './supervisor.js';
import { OPEN_REQUEST_SCOPE, READ_GROUP_STOPS, SUBMIT_SANDBOX_JOB, type RequestScope, type RequestScopeTarget, type SandboxJobTarget } from './sandbox-jobs.js';
import { groupOf, unwatchAbort, watchAbort, type AbortWatcher } from './abort-watch.js';
import { ManyCall, type ArgsSource, type ItemResolver } from './many-call.js';
import { applyRetryPlan, encodeRetryContext, planRetry, readRetryContext, type RetryContext, type RetryPlan } from './retry.js';

/**
 * Per-call options of {@link Resolver.resolve}, and of each {@link Resolver.resolveMany} item.
 */
export interface ResolveCallOptions {
  /** Which attempt this is (1-based); see {@link RetryContext}. Omitted: attempt 1. */
  attempt?: number;
  /** What happened to the previous attempt; see {@link RetryContext}. */
  previous?: RetryContext['previous'];
  /**
   * When it aborts, the call rejects at once with `TASKRES_ABORTED`, wherever its work is
   * (queued, running, or queued again after a sandbox restart): work the sandbox has not taken
   * yet is never run, and the outcome of work it already runs is dropped.
   */
  signal?: AbortSignal;
}

/** One item of {@link Resolver.resolveMany}. */
export interface ResolveRequest extends ResolveCallOptions {
  task: unknown;
  args: unknown;
}

/** The outcome of one item of {@link Resolver.resolveMany}, like `Promise.allSettled`. */
export type ResolveOutcome = { status: 'fulfilled'; value: Resources } | { status: 'rejected'; reason: TaskresError };

/** Computes task resources; see {@link createResolver}. */
export interface Resolver {
  /**
   * Resolves one task's resources for `args` (exactly the task's parameters). When the task's
   * function type names its parameters (one object pattern), `args` is typed from it
   * ({@link TaskArgs}), so a missing or misspelt parameter is a compile error; otherwise
   * `args` is `unknown` and checked at run time only.
   *
   * `options.attempt` and `options.previous` say which attempt this is and what happened to
   * the previous one (see {@link RetryContext}): the task's `retry` option escalates from them,
   * and resource functions that name `attempt` or `previous` receive them. Bad input is
   * `TASKRES_INVALID_ARGS`; a pointless retry is `TASKRES_RETRY_EXHAUSTED`. `options.signal`
   * cancels the call (`TASKRES_ABORTED`).
   */
  resolve<T>(task: T, args: TaskArgs<T>, options?: ResolveCallOptions): Promise<Resources>;
  /** Resolves many, batched; outcomes in input order, each settled on its own. */
  resolveMany(requests: readonly ResolveRequest[]): Promise<ResolveOutcome[]>;
  /**
   * Waits for work in flight, then stops the sandbox. Later calls reject with `TASKRES_CLOSED`.
   * The sandbox is not restarted while closing: should it be lost (a function wedged it), the
   * functions it observed running get their errors and the work it still had rejects with
   * `TASKRES_CLOSED`. So close() returns once the work in flight has answered, or at the latest
   * about 2 × timeoutMs + 1 s after a thread wedged, plus 2 s to stop the process.
   */
  close(): Promise<void>;
  /** The options in force, defaults applied. */
  readonly options: Readonly<Omit<ResolvedOptions, 'fileSize' | 'fileSizes' | 'onWarning'>>;
  /** How many times the sandbox process has been started (1 + restarts). */
  readonly sandboxStarts: number;
}

/**
 * Creates a resolver. It starts one sandbox process (Node with `--no-node-snapshot`) with a
 * pool of `threads` worker threads, each running resource functions in an isolated-vm isolate
 * with `timeoutMs` and `memoryLimitMiB`.
 */
export function createResolver(options: ResolverOptions = {}): Resolver {
  return new SandboxedResolver(resolveOptions(options));
}

/** Where a resolution's outcome goes: one sink per resolve or resolveMany call. */
interface Sink {
  fulfill(index: number, value: Resources): void;
  reject(index: number, reason: TaskresError): void;
}

/** The sink of one `resolve` call: its promise's two functions, no closures of ours. */
class OneCall implements Sink {
  constructor(
    private readonly onValue: (value: Resources) => void,
    private readonly onError: (reason: TaskresError) => void,
  ) {}

  fulfill(_index: number, value: Resources): void {
    this.onValue(value);
  }

  reject(_index: number, reason: TaskresError): void {
    this.onError(reason);
  }
}

/** A checked, encoded resolution that needs the sandbox (see SandboxedResolver.prepare). */
interface Prepared {
  definition: TaskDefinition;
  encoded: EncodedArgs;
  context: RetryContext | undefined;
  plan: RetryPlan | undefined;
  statics: Resources;
  signal: AbortSignal | undefined;
  /** See groupOf in ./abort-watch.ts. */
  group: object | undefined;
}

/**
 * A resolution waiting for the sandbox: one small object per request, holding one flat
 * string of its parameters (pending resolutions are what the user's process keeps in memory
 * while a large resolveMany runs).
 */
class PendingResolution implements Job, EncodedArgs, AbortWatcher, ArgsSource {
  readonly contextJson: string | undefined;
  // Its encoded arguments are fields of its own, not an object beside it: one object fewer
  // for each of the many jobs a large resolveMany keeps waiting.
  readonly files: FileList;
  readonly paramsJson: string;
  readonly stringParams: readonly string[] | undefined;
  arrival = 0;
  /** Resolutions sharing a signal, or a request scope's group, rank together after a stop (see ./scheduler.ts). */
  readonly group: object | undefined;
  /** Set once the sink has heard of it: later outcomes (an abort, a late batch) are dropped. */
  private done = false;

  constructor(
    private readonly resolver: SandboxedResolver,
    readonly definition: TaskDefinition,
    readonly statics: Resources,
    encoded: EncodedArgs,
    readonly sink: Sink,
    readonly index: number,
    readonly retryPlan: RetryPlan | undefined,
    context: RetryContext | undefined,
    private readonly signal: AbortSignal | undefined,
    group: object | undefined,
  ) {
    this.files = encoded.files;
    this.paramsJson = encoded.paramsJson;
    this.stringParams = encoded.stringParams;
    // The per-item retry context travels as its own JSON beside the arguments.
    this.contextJson = definition.readsRetryContext ? encodeRetryContext(definition, context) : undefined;
    this.group = group;
    // Whatever state its work is in, an abort settles it now; the supervisor drops it later.
    if (signal) watchAbort(signal, this);
  }

  /** Its signal aborted. */
  aborted(): void {
    this.fail(new TaskresError('TASKRES_ABORTED', 'Aborted through its signal before its functions had answered; anything they still return is dropped.'));
    this.resolver.noticeAbort();
  }

  get dynamics(): readonly DynamicResource[] {
    return this.definition.dynamics;
  }

  /** Its encoded arguments: its own fields. */
  get args(): EncodedArgs {
    return this;
  }

  argsOf(): EncodedArgs {
    return this;
  }

  cancelled(): boolean {
    return this.done || this.signal?.aborted === true;
  }

  /** Settles from the outcomes of its evaluations; never throws (it runs in the supervisor's handlers). */
  settle(outcomes: JobOutcomes): void {
    if (!this.finish()) return;
    try {
      this.resolver.complete(this, outcomes);
    } catch (error) {
      this.sink.reject(this.index, asTaskresError(error, 'Settling the outcome of its functions failed', 'TASKRES_FUNCTION_THREW'));
    }
  }

  /** Rejects with an error that is nobody's function's fault (the sandbox cannot run, an abort, a close). */
  fail(error: TaskresError): void {
    if (this.finish()) this.sink.reject(this.index, error);
  }

  /** True the first time: the resolution is now settled. */
  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.signal) unwatchAbort(this.signal, this);
    return true;
  }
}

/** A request's signal and the group its work ranks in (see OPEN_REQUEST_SCOPE in ./sandbox-jobs.ts). */
interface Scope {
  readonly signal: AbortSignal;
  readonly group: object;
}

class SandboxedResolver implements Resolver, SandboxJobTarget, RequestScopeTarget, ItemResolver {
  private readonly supervisor: Supervisor;
  private closed = false;
  // Checked per resolver: static values pass the default limits at definition time, but a
  // resolver may have narrower ones. A static value outside them is checked (and throws, or
  // is clamped and reported) on every resolution.
  private readonly checkedStatics = new WeakMap<TaskDefinition, Resources>();
  private closing: Promise<void> | undefined;
  // Built once per resolver: every value a function returns is validated with zod against them.
  private readonly schemas: Readonly<Record<ResourceName, ReturnType<typeof rangeSchema>>>;

  constructor(private readonly resolved: ResolvedOptions) {
    this.supervisor = new Supervisor(resolved);
    this.schemas = Object.fromEntries(RESOURCE_NAMES.map((r) => [r, rangeSchema(resolved.limits[r])])) as Record<ResourceName, ReturnType<typeof rangeSchema>>;
    this.supervisor.warmUp();
  }

  get options(): Resolver['options'] {
    const { fileSize: _a, fileSizes: _b, onWarning: _c, ...rest } = this.resolved;
    return rest;
  }

  get sandboxStarts(): number {
    return this.supervisor.starts;
  }

  resolve(task: unknown, args: unknown, options?: unknown): Promise<Resources> {
    return this.resolveIn(undefined, task, args, options);
  }

  resolveMany(requests: readonly ResolveRequest[]): Promise<ResolveOutcome[]> {
    return this.resolveManyIn(undefined, requests);
  }

  /** `resolve`, in a request scope when `scope` is given (its signal and group; the call may not bring a signal of its own). */
  resolveIn(scope: Scope | undefined, task: unknown, args: unknown, options?: unknown): Promise<Resources> {
    return new Promise<Resources>((resolve, reject) => {
      const sink = new OneCall(resolve, reject);
      let call: { retry: unknown; signal: unknown };
      try {
        call = readCallOptions(options);
      } catch (error) {
        sink.reject(0, asTaskresError(error, 'Reading the options of a resolve call threw'));
        return;
      }
      this.start(task, args, sink, 0, call.retry, call.signal, scope);
    });
  }

  /** `resolveMany`, in a request scope when `scope` is given (each item as in `resolveIn`; the call's segments carry the scope's signal and group). */
  resolveManyIn(scope: Scope | undefined, requests: readonly ResolveRequest[]): Promise<ResolveOutcome[]> {
    if (!Array.isArray(requests)) {
      return Promise.reject(new TaskresError('TASKRES_INVALID_ARGS', `resolveMany expects an array of { task, args }, received ${typeof requests}.`));
    }
    if (requests.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const sink = new ManyCall(requests.length, resolve, this);
      for (let index = 0; index < requests.length; index++) {
        let task: unknown;
        let args: unknown;
        let attempt: unknown;
        let previous: unknown;
        let signal: unknown;
        try {
          const item = requests[index];
          task = item?.task;
          args = item?.args;
          attempt = item?.attempt;
          previous = item?.previous;
          signal = item?.signal;
        } catch (error) {
          sink.reject(index, asTaskresError(error, `Reading request ${index} of resolveMany threw`));
          continue;
        }
        const retry = attempt === undefined && previous === undefined ? undefined : previous === undefined ? { attempt } : { attempt, previous };
        this.startItem(task, args, sink, index, retry, signal, scope);
      }
      const last = sink.finish();
      if (last) this.supervisor.submit(last);
    });
  }

  /** See sandbox-jobs.ts. */
  [SUBMIT_SANDBOX_JOB](job: Job): void {
    this.submitIn(undefined, job);
  }

  /** See sandbox-jobs.ts. */
  [OPEN_REQUEST_SCOPE](signal: AbortSignal, group: object): RequestScope {
    if (!(signal instanceof AbortSignal) || typeof group !== 'object' || group === null) {
      throw new TaskresError('TASKRES_INVALID_ARGS', 'A request scope needs an AbortSignal and a group object.');
    }
    return new ScopedResolver(this, { signal, group });
  }

  /** Stops charged to the jobs of `group` so far (see READ_GROUP_STOPS in ./sandbox-jobs.ts). */
  stopsCharged(group: object): number {
    return this.supervisor.stopsCharged(group);
  }

  /** A sandbox job, in a request scope when `scope` is given (then it follows the scope's signal and ranks in its group). */
  submitIn(scope: Scope | undefined, job: Job): void {
    if (this.closed) throw new TaskresError('TASKRES_CLOSED', 'This resolver was closed; create a new one with createResolver().');
    if (scope === undefined) {
      this.supervisor.submit(job);
      return;
    }
    if (scope.signal.aborted) throw new TaskresError('TASKRES_ABORTED', 'Not run: its signal was aborted before it started.');
    this.supervisor.submit(new ScopedJob(this, job, scope));
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.supervisor.close();
    return this.closing;
  }

  /** Starts one resolution; the sink hears of it exactly once, possibly at once. */
  private start(task: unknown, args: unknown, sink: Sink, index: number, retry: unknown, signal: unknown, scope: Scope | undefined): void {
    try {
      const item = this.prepare(task, args, sink, index, retry, signal, scope);
      if (item) this.supervisor.submit(new PendingResolution(this, item.definition, item.statics, item.encoded, sink, index, item.plan, item.context, item.signal, item.group));
    } catch (error) {
      sink.reject(index, asTaskresError(error, `Reading the task or args of a resolve call threw`));
    }
  }

  /** Starts item `index` of a resolveMany call: as start, the item waiting in the call's columns (many-call.ts). */
  private startItem(task: unknown, args: unknown, call: ManyCall, index: number, retry: unknown, signal: unknown, scope: Scope | undefined): void {
    // Its files are appended to the call's list as they are encoded: cut back unless it waits.
    const files = call.filesTarget();
    const filesFrom = files.length;
    try {
      const item = this.prepare(task, args, call, index, retry, signal, scope, files);
      if (!item) {
        files.length = filesFrom;
        return;
      }
      const { definition } = item;
      const contextJson = definition.readsRetryContext ? encodeRetryContext(definition, item.context) : undefined;
      const ended = call.add(index, definition, item.statics, item.encoded, filesFrom, item.plan, contextJson, item.signal, item.group);
      if (ended) this.supervisor.submit(ended);
    } catch (error) {
      files.length = filesFrom;
      call.reject(index, asTaskresError(error, `Reading the task or args of a resolve call threw`));
    }
  }

  /**
   * Checks and encodes one resolution: what its sandbox work needs, or undefined when it was
   * settled at once (a task without functions). Throws what the resolution rejects with.
   */
  private prepare(
    task: unknown,
    args: unknown,
    sink: Sink,
    index: number,
    retry: unknown,
    signal: unknown,
    scope: Scope | undefined,
    filesOut?: (string | number | undefined)[],
  ): Prepared | undefined {
    if (this.closed) throw new TaskresError('TASKRES_CLOSED', 'This resolver was closed; create a new one with createResolver().');
    if (scope !== undefined) {
      if (signal !== undefined) throw new TaskresError('TASKRES_INVALID_ARGS', "A call in a request scope takes the scope's signal, not one of its own.");
      signal = scope.signal;
    }
    const definition = getTaskDefinition(task);
    if (!definition) {
      throw new TaskresError(
        'TASKRES_INVALID_ARGS',
        `resolve expects a task made with a preset, customTask or defineTask, received ${task === null ? 'null' : typeof task === 'function' ? `the plain function '${(task as { name?: string }).name || 'anonymous'}'` : typeof task}.`,
      );
    }
    const encoded = encodeArgs(definition, args, filesOut);
    const context = retry === undefined ? undefined : readRetryContext(retry, definition.name);
    const plan = context === undefined ? undefined : planRetry(definition, context, this.resolved.limits);
    const statics = this.staticsOf(definition);
    if (definition.dynamics.length === 0) {
      sink.fulfill(index, this.marked(definition, statics, plan ? this.escalate(definition, copyResources(statics), plan) : copyResources(statics)));
      return undefined;
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TaskresError('TASKRES_INVALID_ARGS', `signal must be an AbortSignal, received ${typeof signal}.`);
    if (signal?.aborted) throw new TaskresError('TASKRES_ABORTED', 'Not run: its signal was aborted before it started.');
    // Read once, here (inside the caller's guard), never in the supervisor's handlers.
    return { definition, encoded, context, plan, statics, signal, group: groupOf(signal, scope?.group) };
  }

  /** A resolution was aborted: the supervisor may have less to wait for. */
  noticeAbort(): void {
    this.supervisor.noticeAbort();
  }

  /** The outcome of a resolveMany item whose functions ran (see many-call.ts); never throws. */
  outcomeOf(definition: TaskDefinition, statics: Resources, outcomes: JobOutcomes, plan: RetryPlan | undefined, args: ArgsSource, item: number): ResolveOutcome {
    let result: Resources;
    try {
      result = this.finish(definition, statics, outcomes, args, item);
      if (plan) result = this.escalate(definition, result, plan);
    } catch (error) {
      return { status: 'rejected', reason: asTaskresError(error, 'Checking the outcome of its functions failed', 'TASKRES_FUNCTION_THREW') };
    }
    try {
      return { status: 'fulfilled', value: this.marked(definition, statics, result) };
    } catch (error) {
      return { status: 'rejected', reason: asTaskresError(error, 'Settling the outcome of its functions failed', 'TASKRES_FUNCTION_THREW') };
    }
  }

  /** Settles a resolution whose functions ran. */
  complete(pending: PendingResolution, outcomes: JobOutcomes): void {
    let result: Resources;
    try {
      result = this.finish(pending.definition, pending.statics, outcomes, pending, 0);
      if (pending.retryPlan) result = this.escalate(pending.definition, result, pending.retryPlan);
    } catch (error) {
      // Hints were added where each failure was described (evaluationError), from recorded facts.
      pending.sink.reject(pending.index, asTaskresError(error, 'Checking the outcome of its functions failed', 'TASKRES_FUNCTION_THREW'));
      return;
    }
    pending.sink.fulfill(pending.index, this.marked(pending.definition, pending.statics, result));
  }

  /** `result` carrying which of its values are defaults the task never declared (see markDefaulted). */
  private marked(definition: TaskDefinition, statics: Resources, result: Resources): Resources {
    const { defaulted } = definition;
    if (defaulted.length === 0) return result;
    // A default raised by a retry is no longer the default.
    const still = defaulted.every((r) => result[r] === statics[r]) ? defaulted : defaulted.filter((r) => result[r] === statics[r]);
    return markDefaulted(result, still);
  }

  /** The static part of a task's result, checked against the limits once per task. */
  private staticsOf(definition: TaskDefinition): Resources {
    let statics = this.checkedStatics.get(definition);
    if (!statics) {
      statics = {} as Resources;
      let clamped = false;
      for (const resource of RESOURCE_NAMES) {
        const declared = definition.statics[resource];
        const value = resource === 'storage' && declared !== undefined && definition.defaulted.includes('storage') ? this.resolved.defaultStorageGiB : declared;
        // Dynamic resources get a placeholder, so results list resources in the usual order.
        statics[resource] = value === undefined ? 0 : this.check(definition, resource, value, undefined);
        clamped ||= value !== undefined && statics[resource] !== value;
      }
      if (definition.gpuType) statics.gpuType = definition.gpuType;
      // A clamped value is reported on every resolution, so it is not cached.
      if (!clamped) this.checkedStatics.set(definition, statics);
    }
    return statics;
  }

  /** Adds the function results to the static values, checking each against the limits. */
  private finish(definition: TaskDefinition, statics: Resources, outcomes: JobOutcomes, args: ArgsSource, item: number): Resources {
    const result = copyResources(statics);
    const { dynamics } = definition;
    for (let k = 0; k < dynamics.length; k++) {
      const dynamic = dynamics[k]!;
      const failure = outcomes.failures?.get(outcomes.offset + k);
      if (failure) throw this.evaluationError(definition, dynamic, failure, args.argsOf(item));
      result[dynamic.resource] = this.check(definition, dynamic.resource, outcomes.values[outcomes.offset + k]!, dynamic);
    }
    return result;
  }

  /** Raises resources to what the task's `retry` option asks for this attempt. */
  private escalate(definition: TaskDefinition, result: Resources, plan: RetryPlan): Resources {
    return applyRetryPlan(result, plan, (resource, value, from) =>
      this.check(definition, resource, value, `The ${resource} of task '${definition.name}' escalated by its retry option (from ${from}) is`),
    );
  }

  /** `what` is the function that computed the value, or what a message calls a value no function computed. */
  private check(definition: TaskDefinition, resource: ResourceName, value: number, what: DynamicResource | string | undefined): number {
    // -0 passes a range check but would print as 0 and compare oddly downstream.
    if (this.schemas[resource].safeParse(value).success) return value === 0 ? 0 : value;
    const limit = this.resolved.limits[resource];
    if (this.resolved.overLimit === 'clamp' && Number.isSafeInteger(value) && value > limit.max) {
      try {
        this.resolved.onWarning({ code: 'TASKRES_CLAMPED', taskName: definition.name, resource, value, limit: limit.max });
      } catch (error) {
        throw asTaskresError(error, 'The onWarning callback threw', 'TASKRES_INVALID_SPEC');
      }
      return limit.max;
    }
    const source =
      typeof what === 'string' ? what : what ? `${describeResourceFunction(resource, what.functionName, definition.name)} returned` : `The static ${resource} of task '${definition.name}' is`;
    throw new TaskresError(
      'TASKRES_INVALID_VALUE',
      `${source} ${describeValue(value)}; expected ${describeExpected(resource, limit)}${outOfRangeHint(resource, limit, value)}.`,
      { taskName: definition.name, resource },
    );
  }

  private evaluationError(definition: TaskDefinition, dynamic: DynamicResource, outcome: EvaluationFailure, args: EncodedArgs): TaskresError {
    const what = describeResourceFunction(dynamic.resource, dynamic.functionName, definition.name);
    const detail = outcome.detail ? ` (${outcome.detail})` : '';
    const { hintsFor } = this.resolved;
    const hint =
      outcome.code === 'TASKRES_FUNCTION_THREW'
        ? pathStringHint(dynamic, outcome.detail, args, hintsFor)
        : outcome.code === 'TASKRES_FILE_SIZE'
          ? missingSizeHint(args, hintsFor, this.resolved.fileSize !== undefined || this.resolved.fileSizes !== undefined)
          : '';
    const messages: Partial<Record<TaskresError['code'], string>> = {
      TASKRES_FUNCTION_THREW: `${what} threw: ${outcome.detail}`,
      TASKRES_TIMEOUT: `${what} ran longer than timeoutMs (${this.resolved.timeoutMs} ms)${detail}; make it faster or raise timeoutMs`,
      TASKRES_MEMORY_LIMIT:
        outcome.limit === 'processMemoryLimitMiB'
          ? `${what} was running when the sandbox process went over processMemoryLimitMiB (${this.resolved.processMemoryLimitMiB})${detail}; use less memory, or raise processMemoryLimitMiB`
          : `${what} used more memory than the sandbox allows (memoryLimitMiB ${this.resolved.memoryLimitMiB})${detail}; use less, or raise memoryLimitMiB`,
      TASKRES_INVALID_VALUE: `${what} returned ${outcome.detail}; expected ${describeExpected(dynamic.resource, this.resolved.limits[dynamic.resource])}`,
      TASKRES_FILE_SIZE: `${what} could not get a file size: ${outcome.detail}`,
    };
    return new TaskresError(outcome.code, `${messages[outcome.code] ?? `${what} failed: ${outcome.detail}`}.${hint}`, {
      taskName: definition.name,
      resource: dynamic.resource,
    });
  }
}

/** A resolver seen through one request (see OPEN_REQUEST_SCOPE in ./sandbox-jobs.ts). */
class ScopedResolver implements RequestScope {
  constructor(
    private readonly resolver: SandboxedResolver,
    private readonly scope: Scope,
  ) {}

  get options(): Resolver['options'] {
    return this.resolver.options;
  }

  get sandboxStarts(): number {
    return this.resolver.sandboxStarts;
  }

  resolve(task: unknown, args: unknown, options?: unknown): Promise<Resources> {
    return this.resolver.resolveIn(this.scope, task, args, options);
  }

  resolveMany(requests: readonly ResolveRequest[]): Promise<ResolveOutcome[]> {
    return this.resolver.resolveManyIn(this.scope, requests);
  }

  close(): Promise<void> {
    return Promise.reject(new TaskresError('TASKRES_INVALID_ARGS', 'A request scope does not own its resolver: close the resolver itself.'));
  }

  [SUBMIT_SANDBOX_JOB](job: Job): void {
    this.resolver.submitIn(this.scope, job);
  }

  [READ_GROUP_STOPS](): number {
    return this.resolver.stopsCharged(this.scope.group);
  }
}

/**
 * A sandbox job given through a request scope: it ranks in the scope's group, and when the
 * scope's signal aborts it is failed at once with TASKRES_ABORTED (wherever it is) and
 * dropped by the supervisor; the job's own outcome, if it comes later, is dropped here.
 */
class ScopedJob implements Job, AbortWatcher {
  readonly group: object;
  private done = false;

  constructor(
    private readonly resolver: SandboxedResolver,
    private readonly job: Job,
    private readonly scope: Scope,
  ) {
    this.group = scope.group;
    watchAbort(scope.signal, this);
  }

  get dynamics(): Job['dynamics'] {
    return this.job.dynamics;
  }

  get args(): Job['args'] {
    return this.job.args;
  }

  get contextJson(): string | undefined {
    return this.job.contextJson;
  }

  aborted(): void {
    this.fail(new TaskresError('TASKRES_ABORTED', 'Aborted through its signal before its evaluation had answered; anything it still returns is dropped.'));
    this.resolver.noticeAbort();
  }

  cancelled(): boolean {
    return this.done || this.scope.signal.aborted || this.job.cancelled?.() === true;
  }

  settle(outcomes: JobOutcomes): void {
    if (this.finish()) this.job.settle(outcomes);
  }

  fail(error: TaskresError): void {
    if (this.finish()) failJob(this.job, error);
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    unwatchAbort(this.scope.signal, this);
    return true;
  }
}

/**
 * The retry context and signal of a resolve call's options (`{ attempt?, previous?, signal? }`):
 * the retry context is what remains without `signal`, checked later by readRetryContext.
 */
function readCallOptions(options: unknown): { retry: unknown; signal: unknown } {
  if (typeof options !== 'object' || options === null || !Object.hasOwn(options, 'signal')) return { retry: options, signal: undefined };
  const { signal, ...retry } = options as Record<string, unknown>;
  return { retry: Object.keys(retry).length === 0 ? undefined : retry, signal };
}

/** `error` itself when it is a TaskresError, else one wrapping what it says (the contract: every error is one). */
function asTaskresError(error: unknown, what: string, code: TaskresError['code'] = 'TASKRES_INVALID_ARGS'): TaskresError {
  if (error instanceof TaskresError) return error;
  let detail: string;
  try {
    detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    detail = 'a value that could not be read';
  }
  return new TaskresError(code, `${what}: ${detail.slice(0, 200)}.`);
}
