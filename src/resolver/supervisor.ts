/**
 * Runs jobs in the sandbox process and keeps it alive. The sandbox process is started with
 * the flags isolated-vm needs, fed batches, watched, and restarted when it dies or reports a
 * wedged thread. Jobs that were in flight when it died are suspects: they are re-run one at
 * a time, alone, before other work resumes, so that the job that kills the process again is
 * the one that gets the error, and its neighbours get their real results.
 *
 * Every batch has a deadline of its own here, in the user's process (see batchDeadlineMs):
 * should the sandbox process fail to answer in time for any reason, it is killed and its
 * work judged like a crash, so no job can stall the queue, suspects included.
 *
 * A new sandbox process gets no work until it reports ready (see ../protocol/handshake.ts).
 * One that reports isolated-vm unusable, or that fails to start MAX_FAILED_STARTS times in a
 * row (restarted after a growing pause), makes the sandbox unavailable: every job, queued
 * or later, is rejected with TASKRES_SANDBOX_UNAVAILABLE naming the cause and the fix, and
 * no process is started again. A function is never blamed for a process that never started.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { TaskresError } from '../core/errors.js';
import { findSandboxEntry } from './sandbox-entry.js';
import type { DynamicResource } from '../definition/task.js';
import { TaskFile } from '../definition/task-file.js';
import {
  MAX_EVALUATIONS_PER_BATCH,
  wedgeGraceMs,
  type BatchMeta,
  type BatchResult,
  type CrashReason,
  type EvaluationErrorCode,
  type EvaluationFailure,
  type FromSandbox,
  type SandboxSettings,
  type SourceEntry,
  type ToSandbox,
} from '../protocol/messages.js';
import { wallClockMs, type StartReport } from '../protocol/handshake.js';
import { ISOLATED_VM_NODE_FLAGS, type IsolatedVmProblem } from '../sandbox-worker/load-ivm.js';
import { crashFailure, judgeLostJobs } from '../protocol/verdicts.js';
import type { ResolvedOptions } from './options.js';
import type { EncodedArgs, FileEntry } from './encode-args.js';

export type { EvaluationFailure } from '../protocol/messages.js';

/**
 * The outcomes of one job's evaluations: evaluation `k` returned `values[offset + k]`,
 * unless `failures` holds `offset + k`. Read it synchronously: the view is reused.
 */
export interface JobOutcomes {
  values: Float64Array;
  offset: number;
  failures: ReadonlyMap<number, EvaluationFailure> | undefined;
}

/** One resolve call's sandbox work. */
export interface Job {
  dynamics: readonly DynamicResource[];
  /** The job's arguments: its distinct files and the JSON of its parameters (see EncodedArgs). */
  args: EncodedArgs;
  /** JSON array of the retry context per dynamic resource; only for tasks whose functions name it. */
  contextJson?: string | undefined;
  /** Receives the outcomes of its evaluations, one per dynamic resource, in order. */
  settle(outcomes: JobOutcomes): void;
  /**
   * Receives an error that is about the sandbox, not about the job's functions
   * (TASKRES_SANDBOX_UNAVAILABLE). A job without it gets the error through `settle`, as the
   * failure of each of its evaluations.
   */
  fail?(error: TaskresError): void;
  /** True when the caller no longer wants the job: it is failed with TASKRES_ABORTED instead of being sent. */
  cancelled?(): boolean;
}

/** Flags every sandbox process gets: isolated-vm requires `--no-node-snapshot` on Node 20+. */
export const SANDBOX_NODE_FLAGS: readonly string[] = ISOLATED_VM_NODE_FLAGS;
const MAX_JOBS_PER_BATCH = 1024;
/**
 * While every thread has a batch, queued jobs are held back until there are this many: a
 * small batch sent then would only wait in the sandbox, and callers awaiting one resolution
 * at a time would fragment into many tiny batches, each paying the fixed cost of a batch.
 * Held jobs go out with the next batch that comes back.
 */
const MIN_JOBS_TO_PIPELINE = 256;
/**
 * The parsed batch lives in the isolate's heap beside the functions' own data: keep it
 * small next to memoryLimitMiB (a job larger than this goes alone).
 */
const MAX_BATCH_CHARS = 512 * 1024;
const STDERR_TAIL_CHARS = 2000;
/** Slack for a slow or loaded machine (work is sent only once the sandbox reported ready). */
const SANDBOX_START_ALLOWANCE_MS = 5000;
/**
 * How long a new sandbox process may take to report ready before it is killed and counted
 * as a failed start: far more than a start takes (~0.3 s), even on a loaded 2-core machine.
 */
export const START_TIMEOUT_MS = 20_000;
/** Failed starts in a row (died, or silent past START_TIMEOUT_MS, before ready) after which the sandbox is unavailable. */
export const MAX_FAILED_STARTS = 3;
/** The pause before the next start after `failedStarts` failed ones in a row: 0.25 s, then 1 s. */
export function restartDelayMs(failedStarts: number): number {
  return 250 * 4 ** (failedStarts - 1);
}

/**
 * How long the sandbox process may take to answer a batch of `evaluations` before it is
 * killed, once it runs: each evaluation may use timeoutMs twice (a shared slice, then alone
 * after a neighbour's failure), and the process's own watchdog (which catches wedged threads
 * sooner) gets its grace first. A batch sent while others are in flight may first wait for
 * them: its deadline adds theirs (see Supervisor.send).
 */
export function batchDeadlineMs(evaluations: number, timeoutMs: number): number {
  return evaluations * (2 * timeoutMs + 30) + 2 * wedgeGraceMs(timeoutMs) + SANDBOX_START_ALLOWANCE_MS;
}

/** A batch in the sandbox process. */
interface InFlight {
  jobs: Job[];
  /** Its own batchDeadlineMs, without the wait for batches ahead of it. */
  budgetMs: number;
  overdue: NodeJS.Timeout;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts, feeds, watches and restarts the sandbox process. */
export class Supervisor {
  private child: ChildProcess | undefined;
  private crashReason: { reason: CrashReason; detail: string; starting?: true } | undefined;
  private stderrTail = '';
  private readonly queue: Job[] = [];
  private readonly suspects: Job[] = [];
  private readonly inFlight = new Map<number, InFlight>();
  private nextBatchId = 0;
  private flushScheduled = false;
  private readonly settings: SandboxSettings;
  private readonly maxBatchesInFlight: number;
  private idleWaiters: (() => void)[] = [];
  /** True once the current sandbox process has reported ready (its first thread is up). */
  private ready = false;
  /** True once every thread of the current sandbox process is up. */
  private allThreadsUp = false;
  /** Starts in a row that failed before ready. */
  private failedStarts = 0;
  private startTimer: NodeJS.Timeout | undefined;
  /** Set while waiting out restartDelayMs before the next start. */
  private restartTimer: NodeJS.Timeout | undefined;
  /** Why the sandbox cannot run; once set, every job is rejected and nothing is started. */
  private unavailable: TaskresError | undefined;
  /** Sandbox processes started so far (1 + restarts). */
  starts = 0;
  /**
   * The steps of the last start, in ms since the start was asked for (`forked`, the sandbox
   * process's own steps, `readyReceived`, `firstBatchDone`): for the benchmark and doctor.
   */
  startPhases: Record<string, number> | undefined;
  private startAskedMs = 0;

  constructor(private readonly options: ResolvedOptions) {
    this.settings = {
      threads: options.threads,
      timeoutMs: options.timeoutMs,
      memoryLimitMiB: options.memoryLimitMiB,
      processMemoryLimitMiB: options.processMemoryLimitMiB,
      sizeMode: options.fileSizes ? 'host-batch' : options.fileSize ? 'host-single' : 'local',
    };
    this.maxBatchesInFlight = options.threads * 2;
  }

  /** Starts the sandbox process now (it would start on the first job anyway). */
  warmUp(): void {
    this.ensureChild();
    this.updateRef();
  }

  /** Queues a job. */
  submit(job: Job): void {
    if (this.unavailable) {
      failJob(job, this.unavailable);
      return;
    }
    this.queue.push(job);
    this.scheduleFlush();
  }

  /** True when no job is queued or running. */
  get idle(): boolean {
    return this.queue.length === 0 && this.suspects.length === 0 && this.inFlight.size === 0;
  }

  /** Waits for every job to settle, then stops the sandbox process. */
  async close(): Promise<void> {
    if (!this.idle) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    clearTimeout(this.restartTimer);
    clearTimeout(this.startTimer);
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // An idle resolver's child is unref'd; close() waits for its exit, so the child must keep
    // the process alive until then (else a close right after createResolver, before the child
    // listens, ends the process with the promise unsettled once the SIGKILL timer has fired).
    child.ref();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (child.connected) child.send({ t: 'close' } satisfies ToSandbox);
      else child.kill('SIGKILL');
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const waiting = this.suspects.length > 0 || this.queue.length > 0;
    // Work waits for a sandbox process that has said it is ready (ensureChild starts one).
    if (waiting && this.ensureChild() && this.ready) {
      if (this.suspects.length > 0) {
        // Suspects run alone, one at a time; other work waits so no innocent job shares their fate.
        if (this.inFlight.size === 0) this.send([this.suspects.shift()!]);
      } else {
        while (this.queue.length > 0 && this.inFlight.size < this.maxBatchesInFlight) {
          const idleThreads = this.options.threads - this.inFlight.size;
          if (idleThreads <= 0 && this.queue.length < MIN_JOBS_TO_PIPELINE) break;
          const batch = this.takeBatch(idleThreads);
          if (batch.length > 0) this.send(batch);
        }
      }
    }
    this.updateRef();
    if (this.idle) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private takeBatch(idleThreads: number): Job[] {
    // Spread queued work over the idle threads instead of one batch taking it all.
    const share = Math.min(MAX_JOBS_PER_BATCH, Math.ceil(this.queue.length / Math.max(1, idleThreads)));
    let count = 0;
    let evaluations = 0;
    let chars = 0;
    while (count < share && count < this.queue.length) {
      const next = this.queue[count]!;
      if (next.cancelled?.()) {
        this.queue.splice(count, 1);
        failJob(next, new TaskresError('TASKRES_ABORTED', 'Not run: its signal was aborted before the sandbox took it.'));
        continue;
      }
      const size = encodedChars(next);
      if (count > 0 && (evaluations + next.dynamics.length > MAX_EVALUATIONS_PER_BATCH || chars + size > MAX_BATCH_CHARS)) break;
      evaluations += next.dynamics.length;
      chars += size;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private send(jobs: Job[]): void {
    const child = this.child!;
    const id = this.nextBatchId++;
    const task = encodeBatch(jobs);
    const evaluations = jobs.reduce((sum, job) => sum + job.dynamics.length, 0);
    const budgetMs = batchDeadlineMs(evaluations, this.options.timeoutMs);
    // Slow but legal batches already sent may hold every thread first: wait for them too,
    // so that a healthy sandbox is never killed for a batch that was merely queued.
    let aheadMs = 0;
    for (const batch of this.inFlight.values()) aheadMs += batch.budgetMs;
    const deadlineMs = budgetMs + aheadMs;
    const overdue = setTimeout(() => this.onOverdue(child, id, evaluations, deadlineMs), deadlineMs);
    overdue.unref();
    this.inFlight.set(id, { jobs, budgetMs, overdue });
    child.send({ t: 'batch', id, task } satisfies ToSandbox);
  }

  /** The sandbox process did not answer a batch in time: kill it; its work is judged on exit. */
  private onOverdue(child: ChildProcess, id: number, evaluations: number, deadlineMs: number): void {
    if (child !== this.child || !this.inFlight.has(id)) return;
    this.crashReason = { reason: 'wedged', detail: `the sandbox did not answer a batch of ${evaluations} evaluation${evaluations === 1 ? '' : 's'} within ${deadlineMs} ms` };
    child.kill('SIGKILL');
  }

  /** Takes a batch out of flight. */
  private land(id: number): Job[] | undefined {
    const batch = this.inFlight.get(id);
    if (!batch) return undefined;
    clearTimeout(batch.overdue);
    this.inFlight.delete(id);
    return batch.jobs;
  }

  /** The sandbox process, started if need be; undefined while a restart waits or when unavailable. */
  private ensureChild(): ChildProcess | undefined {
    if (this.child) return this.child;
    if (this.unavailable || this.restartTimer) return undefined;
    const found = findSandboxEntry();
    if (!('entry' in found)) {
      this.giveUp(found);
      return undefined;
    }
    const entry = found.entry;
    this.startAskedMs = wallClockMs();
    this.startPhases = undefined;
    const child = fork(entry, [], {
      execArgv: [...SANDBOX_NODE_FLAGS],
      // Date and Number formatting must not tell a function the host's time zone or locale.
      env: { ...process.env, TZ: 'UTC', LANG: 'C', LC_ALL: 'C' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.starts++;
    const forkedMs = wallClockMs() - this.startAskedMs;
    this.child = child;
    this.ready = false;
    this.allThreadsUp = false;
    this.crashReason = undefined;
    this.stderrTail = '';
    this.startTimer = setTimeout(() => {
      if (child !== this.child || this.allThreadsUp) return;
      this.crashReason = { reason: 'exited', detail: `it did not report ready within ${START_TIMEOUT_MS} ms`, starting: true };
      child.kill('SIGKILL');
    }, START_TIMEOUT_MS);
    this.startTimer.unref();
    liveChildren.add(child);
    installExitHook();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on('message', (message: FromSandbox | StartReport) => this.onMessage(child, message));
    // 'close' comes after the IPC channel has delivered everything, including why it died.
    child.on('close', (code, signal) => this.onExit(child, code, signal));
    child.on('error', () => child.kill('SIGKILL'));
    child.send({ t: 'init', settings: this.settings } satisfies ToSandbox);
    this.startPhases = { forked: forkedMs };
    return child;
  }

  private onMessage(child: ChildProcess, message: FromSandbox | StartReport): void {
    if (child !== this.child) return;
    switch (message.t) {
      case 'ready':
        if (this.startPhases) {
          for (const [name, at] of Object.entries(message.phases)) this.startPhases[name] = at - this.startAskedMs;
          this.startPhases.readyReceived = wallClockMs() - this.startAskedMs;
        }
        this.ready = true;
        this.flush();
        return;
      case 'threads-up':
        // Only a start whose every thread came up counts as a good one (see onFailedStart).
        if (this.startPhases) {
          for (const [name, at] of Object.entries(message.phases)) this.startPhases[`last${name[0]!.toUpperCase()}${name.slice(1)}`] = at - this.startAskedMs;
        }
        clearTimeout(this.startTimer);
        this.allThreadsUp = true;
        this.failedStarts = 0;
        return;
      case 'unavailable':
        // isolated-vm cannot load for this Node: no restart can change that.
        this.giveUp(message.problem);
        return;
      case 'done': {
        const jobs = this.land(message.id);
        if (!jobs) return;
        if (this.startPhases && this.startPhases.firstBatchDone === undefined) this.startPhases.firstBatchDone = wallClockMs() - this.startAskedMs;
        // A batch whose arguments did not fit together: each job runs alone.
        if (message.result.retryAlone && jobs.length > 1) this.suspects.push(...jobs);
        else this.queue.unshift(...settleBatch(jobs, message.result));
        this.flush();
        return;
      }
      case 'failed': {
        // A worker thread died under the batch; the process lives on.
        const jobs = this.land(message.id);
        if (!jobs) return;
        this.blame(jobs, { reason: 'exited', detail: `a sandbox thread failed: ${message.message}` });
        this.flush();
        return;
      }
      case 'size':
        void this.answerSize(child, message.id, message.paths);
        return;
      case 'crash':
        this.crashReason = message.starting ? { reason: message.reason, detail: message.detail, starting: true } : { reason: message.reason, detail: message.detail };
        return;
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    liveChildren.delete(child);
    if (child !== this.child) return;
    this.child = undefined;
    clearTimeout(this.startTimer);
    if (!this.ready || this.crashReason?.starting) {
      // A thread that could not start is no function's doing: work in flight runs again, unjudged.
      this.queue.unshift(...[...this.inFlight.keys()].flatMap((id) => this.land(id) ?? []));
      this.onFailedStart(this.crashReason?.detail ?? `it exited (${signal ?? `code ${code}`})${lastLine(this.stderrTail)}`);
      return;
    }
    const cause = this.crashReason ?? {
      reason: 'exited' as const,
      detail: `the sandbox process exited (${signal ?? `code ${code}`})${lastLine(this.stderrTail)}`,
    };
    const jobs = [...this.inFlight.keys()].flatMap((id) => this.land(id) ?? []);
    this.blame(jobs, cause);
    this.flush();
  }

  /** A sandbox process ended before it was ready: start another after a pause, or give up. */
  private onFailedStart(detail: string): void {
    if (this.unavailable) return;
    this.failedStarts++;
    if (this.failedStarts >= MAX_FAILED_STARTS) {
      this.giveUp({
        cause: `the sandbox process failed to start ${this.failedStarts} times in a row (last time: ${detail.slice(0, 300)})`,
        fix: 'run `npx taskres doctor` to see why; create a new resolver once it is fixed',
      });
      return;
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.flush();
    }, restartDelayMs(this.failedStarts));
    this.flush();
  }

  /** The sandbox cannot run: every job now and later is rejected, and nothing is restarted. */
  private giveUp(problem: IsolatedVmProblem): void {
    if (this.unavailable) return;
    this.unavailable = new TaskresError('TASKRES_SANDBOX_UNAVAILABLE', `taskres cannot start its sandbox, so no resource function can run: ${problem.cause}: ${problem.fix}.`);
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const jobs = [...this.suspects.splice(0), ...[...this.inFlight.keys()].flatMap((id) => this.land(id) ?? []), ...this.queue.splice(0)];
    for (const job of jobs) failJob(job, this.unavailable);
    this.flush();
  }

  /** Decides who gets the error for lost work: a job that was alone, or else suspects. */
  private blame(jobs: Job[], cause: { reason: CrashReason; detail: string }): void {
    if (judgeLostJobs(jobs.length) === 'fail') {
      const [job] = jobs as [Job];
      const failure = crashFailure(cause);
      job.settle({ values: new Float64Array(job.dynamics.length), offset: 0, failures: new Map(job.dynamics.map((_, k) => [k, failure])) });
      return;
    }
    this.suspects.push(...jobs);
  }

  private async answerSize(child: ChildProcess, id: number, paths: string[]): Promise<void> {
    let answer: { sizes: number[] } | { error: string };
    try {
      answer = await this.lookUpSizes(paths);
    } catch {
      answer = { error: 'the size provider failed' };
    }
    if (child === this.child && child.connected) child.send({ t: 'size-reply', id, ...answer } satisfies ToSandbox);
  }

  /**
   * Asks the user's provider. Whatever it throws or returns (objects without prototypes,
   * getters that throw, Proxies, thenables) becomes one typed failure for the evaluation
   * that asked; nothing it does may reject unhandled in the user's process.
   */
  private async lookUpSizes(paths: string[]): Promise<{ sizes: number[] } | { error: string }> {
    const form = this.options.fileSizes ? 'fileSizes' : 'fileSize';
    let returned: unknown;
    try {
      const files = paths.map((path) => new TaskFile(path));
      returned = this.options.fileSizes ? await this.options.fileSizes(files) : await Promise.all(files.map((file) => this.options.fileSize!(file)));
    } catch (thrown) {
      return { error: `the ${form} provider failed: ${describeThrown(thrown)}` };
    }
    try {
      if (!Array.isArray(returned)) return { error: `the fileSizes provider must return an array of ${paths.length} sizes, received ${typeof returned}` };
      const length: unknown = returned.length;
      if (length !== paths.length) return { error: `the fileSizes provider must return ${paths.length} sizes, one per file, received ${String(Number(length))}` };
      const sizes: number[] = [];
      for (let i = 0; i < paths.length; i++) {
        const size: unknown = returned[i];
        if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
          return { error: `the ${form} provider returned ${typeof size === 'number' ? String(size).slice(0, 40) : `a ${typeof size}`} for ${paths[i]!.slice(0, 100)}; expected a whole number of bytes >= 0` };
        }
        sizes.push(size === 0 ? 0 : size);
      }
      return { sizes };
    } catch {
      return { error: `the ${form} provider returned a value that could not be read` };
    }
  }

  private updateRef(): void {
    // Jobs waiting out a restart pause keep the user's process alive; an idle resolver does not.
    if (this.idle) this.restartTimer?.unref();
    else this.restartTimer?.ref();
    const child = this.child;
    if (!child) return;
    // An idle resolver must not keep the user's process alive; work in flight must.
    const channel = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
    const stderr = child.stderr as unknown as { ref?(): void; unref?(): void } | null;
    if (this.idle) {
      child.unref();
      channel?.unref();
      stderr?.unref?.();
    } else {
      child.ref();
      channel?.ref();
      stderr?.ref?.();
    }
  }
}

/** Rejects a job with a sandbox error, through `fail` when the job has it. */
function failJob(job: Job, error: TaskresError): void {
  if (job.fail) {
    job.fail(error);
    return;
  }
  // The error is carried as each evaluation's failure; the code is the sandbox's, not one of
  // the evaluation codes, so it is never mistaken for something the function did.
  const failure = { code: error.code as EvaluationErrorCode, detail: error.message.replace(/\.$/, '') };
  job.settle({ values: new Float64Array(job.dynamics.length), offset: 0, failures: new Map(job.dynamics.map((_, k) => [k, failure])) });
}

/** Characters a job adds to a batch at most (its files count in full, as if no other job shared them). */
function encodedChars(job: Job): number {
  let chars = job.args.paramsJson.length + (job.contextJson?.length ?? 0) + 16;
  const { files } = job.args;
  for (let k = 0; k < files.length; k++) chars += files[k]![0].length + files[k]![1].length + 32;
  return chars;
}

/**
 * Encodes jobs into the two strings of a batch (see BatchMeta and BatchPayload). Each
 * distinct file is encoded once, in the batch's file table; a job lists its files as indexes
 * into it, in the order of its own markers.
 */
export function encodeBatch(jobs: Job[]): { meta: string; payload: string } {
  const sources: SourceEntry[] = [];
  const sourceIndex = new Map<string, number>();
  // Jobs of one task share their dynamics array: encode its source list once per batch.
  const sourceLists = new Map<readonly DynamicResource[], string>();
  const table: FileEntry[] = [];
  const byPath = new Map<string, number>();
  let byKey: Map<string, number> | undefined;
  let fileTable = '';
  let jobEntries = '';
  let count = 0;
  for (let j = 0; j < jobs.length; j++) {
    const job = jobs[j]!;
    let list = sourceLists.get(job.dynamics);
    if (list === undefined) {
      list = `[${job.dynamics
        .map((dynamic) => {
          let index = sourceIndex.get(dynamic.source);
          if (index === undefined) {
            index = sources.length;
            sourceIndex.set(dynamic.source, index);
            sources.push({ source: dynamic.source, ...dynamic.binding });
          }
          return index;
        })
        .join(',')}]`;
      sourceLists.set(job.dynamics, list);
    }
    count += job.dynamics.length;
    const { files, paramsJson } = job.args;
    let fileList = '';
    for (let k = 0; k < files.length; k++) {
      const file = files[k]!;
      // A file is the same entry only with the same path, name and given size. Looked up by
      // path first (a path string reused across jobs hashes once); a path that comes with
      // another name or size goes by the whole key.
      let index = byPath.get(file[0]);
      if (index === undefined || !sameFile(table[index]!, file)) {
        const key = `${file[0]}\u0000${file[1]}\u0000${file[2] ?? ''}`;
        index = index === undefined ? undefined : (byKey ??= new Map()).get(key);
        if (index === undefined) {
          index = table.length;
          table.push(file);
          fileTable += `${index > 0 ? ',' : ''}${JSON.stringify(file)}`;
          if (!byPath.has(file[0])) byPath.set(file[0], index);
          else (byKey ??= new Map()).set(key, index);
        }
      }
      fileList += k > 0 ? `,${index}` : `${index}`;
    }
    // [sources, files, params(, context)]: the job's source list, its files as table indexes,
    // its parameters, and its retry context when its functions read one.
    jobEntries += `${j > 0 ? ',[' : '['}${list},[${fileList}],${paramsJson}${job.contextJson === undefined ? ']' : `,${job.contextJson}]`}`;
  }
  const meta: BatchMeta = { sources, count, jobs: jobs.length };
  return { meta: JSON.stringify(meta), payload: `{"files":[${fileTable}],"jobs":[${jobEntries}]}` };
}

function sameFile(a: FileEntry, b: FileEntry): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}

/**
 * Settles the jobs of a batch from its result; returns the jobs it has no outcomes for (a batch
 * that stopped early after a costly failure), to be queued again ahead of newer work.
 */
function settleBatch(jobs: Job[], result: BatchResult): Job[] {
  const { values, errors } = result;
  const completed = result.completed ?? Number.POSITIVE_INFINITY;
  let failures: Map<number, EvaluationFailure> | undefined;
  if (errors.length > 0) {
    failures = new Map();
    for (const [index, code, detail] of errors) failures.set(index, { code, detail });
  }
  const view: JobOutcomes = { values, offset: 0, failures };
  for (let j = 0; j < jobs.length; j++) {
    const job = jobs[j]!;
    if (view.offset + job.dynamics.length > completed) return jobs.slice(j);
    job.settle(view);
    view.offset += job.dynamics.length;
  }
  return [];
}

/** A short description of what a provider threw; reading it may itself throw. */
function describeThrown(thrown: unknown): string {
  try {
    if (typeof thrown === 'object' && thrown !== null) {
      const message: unknown = (thrown as { message?: unknown }).message;
      if (typeof message === 'string') return message.slice(0, 200);
      return 'it threw an object without a message';
    }
    return typeof thrown === 'string' ? thrown.slice(0, 200) : `it threw ${typeof thrown === 'symbol' ? 'a symbol' : String(thrown).slice(0, 40)}`;
  } catch {
    return 'it threw a value that could not be read';
  }
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').pop()?.trim();
  return line ? `: ${line.slice(0, 160)}` : '';
}

/** Kills every sandbox process when the user's process exits without closing its resolvers. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}
