/**
 * Runs jobs in the sandbox process and keeps it alive: the one place that ties together the
 * process handle (./sandbox-process.ts), the start policy (./start-policy.ts), the queue and
 * its batches (./scheduler.ts), the deadlines (./deadlines.ts), blame (./blame.ts) and the
 * size-provider bridge (./size-provider.ts).
 *
 * When the sandbox process is lost, the stop is charged to what the process observed running
 * as it went down (see ./blame.ts), and to no one else; all other work in flight is queued
 * again and runs on the fresh process together, in batches, as before. Nothing is re-run one
 * at a time behind a suspect.
 *
 * A job is settled exactly once whatever state it is in (queued, in flight, queued again): its
 * AbortSignal rejects it at once (./resolver.ts), later outcomes for it are dropped, and
 * `close()` never restarts the sandbox: work that would need a new process rejects with
 * TASKRES_CLOSED, so close() is bounded by the work in flight (see deadlines.ts).
 *
 * No handler here may throw into Node's event loop (it would kill the user's process): every
 * event is delivered through a guard that settles the jobs being handled with an error.
 *
 * A new sandbox process gets no work until it reports ready (see ../protocol/handshake.ts).
 * One that reports isolated-vm unusable, or that fails to start MAX_FAILED_STARTS times in a
 * row (restarted after a growing pause), makes the sandbox unavailable: every job, queued
 * or later, is rejected with TASKRES_SANDBOX_UNAVAILABLE naming the cause and the fix, and
 * no process is started again. A function is never blamed for a process that never started.
 */
import { TaskresError } from '../core/errors.js';
import { findSandboxEntry } from './sandbox-entry.js';
import type { DynamicResource } from '../definition/task.js';
import {
  MAX_EVALUATIONS_PER_BATCH,
  type CrashReason,
  type EvaluationErrorCode,
  type EvaluationFailure,
  type FromSandbox,
  type ObservedCall,
  type SandboxSettings,
} from '../protocol/messages.js';
import { wallClockMs, type StartReport } from '../protocol/handshake.js';
import type { IsolatedVmProblem } from '../sandbox-worker/load-ivm.js';
import { crashFailure } from '../protocol/verdicts.js';
import type { ResolvedOptions } from './options.js';
import type { EncodedArgs } from './encode-args.js';
import { BatchEncoder, encodedChars, type JobOutcomes } from '../protocol/batch-codec.js';
import { encodeWorks, evaluationsOf, expand, isCancelled, itemsOf, settleWorks, JobRange, type Work } from './job-range.js';
import { SandboxProcess } from './sandbox-process.js';
import { START_TIMEOUT_MS, StartPolicy } from './start-policy.js';
import { MIN_JOBS_TO_PIPELINE, WorkQueue } from './scheduler.js';
import { batchDeadlineAfterMs, batchDeadlineMs } from './deadlines.js';
import { finishedBeforeLoss, judgeLoss, type LostBatch } from './blame.js';
import { lookUpSizes } from './size-provider.js';

export type { EvaluationFailure } from '../protocol/messages.js';
export { SANDBOX_NODE_FLAGS } from './sandbox-process.js';
export { MAX_FAILED_STARTS, START_TIMEOUT_MS, restartDelayMs } from './start-policy.js';
export { batchDeadlineMs } from './deadlines.js';

export type { JobOutcomes } from '../protocol/batch-codec.js';

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
  /** Its order of arrival in the queue, set by the queue (see scheduler.ts: requeueUnproven). */
  arrival?: number;
  /**
   * Jobs of one caller's request share it (their AbortSignal, or their request scope's group:
   * see groupOf in ./abort-watch.ts): stops charged to one of them rank the others after other
   * groups' work (./scheduler.ts).
   */
  readonly group?: object | undefined;
}

/** A batch in the sandbox process. */
interface InFlight {
  jobs: Work[];
  /** Its own batchDeadlineMs, without the wait for batches ahead of it. */
  budgetMs: number;
  overdue: NodeJS.Timeout;
}

/** What the current sandbox process said about its end, if anything. */
interface CrashReport {
  reason: CrashReason;
  detail: string;
  /** A thread could not start: judged as a failed start, no function blamed. */
  starting?: true;
  /** The calls in progress it saw as it went down; undefined when it saw nothing (see blame.ts). */
  observed?: ObservedCall[];
}

/** Starts, feeds, watches and restarts the sandbox process. */
export class Supervisor {
  private process: SandboxProcess | undefined;
  private crash: CrashReport | undefined;
  private readonly queue = new WorkQueue({ maxEvaluations: MAX_EVALUATIONS_PER_BATCH, charsOf: encodedChars });
  private readonly inFlight = new Map<number, InFlight>();
  /** Unexplained losses each job was exposed to (see blame.ts). */
  private readonly strikes = new WeakMap<Job, number>();
  /** The work an event handler is settling: a handler that throws fails it (see handlerThrew). */
  private settling: readonly Work[] = [];
  private nextBatchId = 0;
  private flushScheduled = false;
  private readonly settings: SandboxSettings;
  private readonly maxBatchesInFlight: number;
  private idleWaiters: (() => void)[] = [];
  /** True once the current sandbox process has reported ready (its first thread is up). */
  private ready = false;
  /** True once every thread of the current sandbox process is up. */
  private allThreadsUp = false;
  private readonly startPolicy = new StartPolicy();
  private startTimer: NodeJS.Timeout | undefined;
  /** Set while waiting out restartDelayMs before the next start. */
  private restartTimer: NodeJS.Timeout | undefined;
  /** Why the sandbox cannot run; once set, every job is rejected and nothing is started. */
  private unavailable: TaskresError | undefined;
  /** Set by close(): no sandbox process is started again. */
  private closing = false;
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
    this.ensureProcess();
    this.updateRef();
  }

  /**
   * Stops (lost sandbox processes) charged to the jobs of `group` so far, counted when the
   * loss is judged, before the charged jobs' outcomes reach their callers.
   */
  stopsCharged(group: object): number {
    return this.queue.stopsCharged(group);
  }

  /** Queues a job, or a range of a resolveMany call's items (see job-range.ts). */
  submit(work: Work): void {
    if (this.unavailable) {
      failWork(work, this.unavailable);
      return;
    }
    this.queue.push(work);
    this.scheduleFlush();
  }

  /** True when no job is queued or running. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight.size === 0;
  }

  /**
   * Waits for the jobs submitted so far to settle, then stops the sandbox process. The
   * sandbox is not restarted from now on: work lost with it, or queued while there is none,
   * rejects with TASKRES_CLOSED, so this returns once the batches in flight have answered or
   * the process was lost (deadlines.ts: wedgeDetectedWithinMs), plus CLOSE_KILL_AFTER_MS.
   * Batches whose every job was aborted are not waited for: stopping the process ends them.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.flush();
    if (!this.doneForClose()) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    clearTimeout(this.restartTimer);
    clearTimeout(this.startTimer);
    // What is still in flight was abandoned by its callers: nothing waits for it.
    for (const { overdue } of this.inFlight.values()) clearTimeout(overdue);
    this.inFlight.clear();
    const process = this.process;
    this.process = undefined;
    await process?.close();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.guarded(() => this.flush());
    });
  }

  private flush(): void {
    if (this.queue.length > 0) {
      // Work waits for a sandbox process that has said it is ready (ensureProcess starts one).
      if (this.ensureProcess() && this.ready) {
        while (this.queue.length > 0 && this.inFlight.size < this.maxBatchesInFlight) {
          const idleThreads = this.options.threads - this.inFlight.size;
          if (idleThreads <= 0 && this.queue.length < MIN_JOBS_TO_PIPELINE) break;
          const batch = this.queue.takeBatch(idleThreads, (work) => failWork(work, abortedBeforeSent()));
          if (batch.length > 0) this.send(batch);
        }
      } else if (this.closing && !this.process) {
        // No sandbox is started while closing: what waits for one will not run.
        for (const work of this.queue.takeAll()) failWork(work, closedBeforeRun());
      } else {
        // Waiting out a restart: callers that gave up need not wait for it.
        for (const work of this.queue.sweepCancelled()) failWork(work, abortedBeforeSent());
      }
    }
    this.updateRef();
    if (this.doneForClose()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private send(jobs: Work[]): void {
    const process = this.process!;
    const id = this.nextBatchId++;
    const encoder = new BatchEncoder();
    encodeWorks(encoder, jobs);
    const task = encoder.finish();
    let evaluations = 0;
    for (let j = 0; j < jobs.length; j++) evaluations += evaluationsOf(jobs[j]!);
    const budgetMs = batchDeadlineMs(evaluations, this.options.timeoutMs);
    const deadlineMs = batchDeadlineAfterMs(budgetMs, [...this.inFlight.values()].map((batch) => batch.budgetMs));
    const overdue = setTimeout(() => this.guarded(() => this.onOverdue(process, id, evaluations, deadlineMs)), deadlineMs);
    overdue.unref();
    this.inFlight.set(id, { jobs, budgetMs, overdue });
    // A process whose channel is gone is dying: the batch is judged with it.
    process.send({ t: 'batch', id, task });
  }

  /** The sandbox process did not answer a batch in time: kill it; its work is judged on exit. */
  private onOverdue(process: SandboxProcess, id: number, evaluations: number, deadlineMs: number): void {
    if (process !== this.process || !this.inFlight.has(id)) return;
    this.crash = { reason: 'wedged', detail: `the sandbox did not answer a batch of ${evaluations} evaluation${evaluations === 1 ? '' : 's'} within ${deadlineMs} ms` };
    process.kill();
  }

  /** A job's caller aborted it (it is settled already): see whether that changes anything. */
  noticeAbort(): void {
    this.scheduleFlush();
  }

  /**
   * True when idle, or, while closing, when nothing is queued and every job in flight has been
   * settled already (its caller aborted): close() need not wait for the sandbox to answer work
   * no one waits for; stopping the process ends it.
   */
  private doneForClose(): boolean {
    if (this.idle) return true;
    if (!this.closing || this.queue.length > 0) return false;
    for (const batch of this.inFlight.values()) for (const work of batch.jobs) if (!isCancelled(work)) return false;
    return true;
  }

  /** Takes a batch out of flight. */
  private land(id: number): Work[] | undefined {
    const batch = this.inFlight.get(id);
    if (!batch) return undefined;
    clearTimeout(batch.overdue);
    this.inFlight.delete(id);
    return batch.jobs;
  }

  /** Takes every batch out of flight. */
  private landAll(): { id: number; jobs: Work[] }[] {
    const lost: { id: number; jobs: Work[] }[] = [];
    for (const id of [...this.inFlight.keys()]) lost.push({ id, jobs: this.land(id)! });
    return lost;
  }

  /** The sandbox process, started if need be; undefined while a restart waits, when unavailable or closing. */
  private ensureProcess(): SandboxProcess | undefined {
    if (this.process) return this.process;
    if (this.unavailable || this.restartTimer || this.closing) return undefined;
    const found = findSandboxEntry();
    if (!('entry' in found)) {
      this.giveUp(found);
      return undefined;
    }
    this.startAskedMs = wallClockMs();
    this.startPhases = undefined;
    const process: SandboxProcess = SandboxProcess.start(found.entry, this.settings, {
      message: (message) => this.onMessage(process, message),
      exit: (how, said) => this.onExit(process, how, said),
      handlerThrew: (thrown) => this.handlerThrew(thrown),
    });
    this.starts++;
    const forkedMs = wallClockMs() - this.startAskedMs;
    this.process = process;
    this.ready = false;
    this.allThreadsUp = false;
    this.crash = undefined;
    this.startTimer = setTimeout(() => {
      this.guarded(() => {
        if (process !== this.process || this.allThreadsUp) return;
        this.crash = { reason: 'exited', detail: `it did not report ready within ${START_TIMEOUT_MS} ms`, starting: true };
        process.kill();
      });
    }, START_TIMEOUT_MS);
    this.startTimer.unref();
    this.startPhases = { forked: forkedMs };
    return process;
  }

  private onMessage(process: SandboxProcess, message: FromSandbox | StartReport): void {
    if (process !== this.process) return;
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
        this.startPolicy.started();
        return;
      case 'unavailable':
        // isolated-vm cannot load for this Node: no restart can change that.
        this.giveUp(message.problem);
        return;
      case 'done': {
        const jobs = this.land(message.id);
        if (!jobs) return;
        if (this.startPhases && this.startPhases.firstBatchDone === undefined) this.startPhases.firstBatchDone = wallClockMs() - this.startAskedMs;
        this.settling = jobs;
        // A batch whose arguments did not fit together: each job runs alone, in its turn.
        if (message.result.retryAlone && (jobs.length > 1 || itemsOf(jobs[0]!) > 1)) this.queue.requeue(wanted(expand(jobs)), true);
        else this.queue.requeue(wanted(settleWorks(jobs, message.result)));
        this.settling = [];
        this.flush();
        return;
      }
      case 'failed': {
        // A worker thread died under the batch; the process lives on. It saw nothing.
        const jobs = this.land(message.id);
        if (!jobs) return;
        this.judge([{ id: message.id, jobs }], { reason: 'exited', detail: `a sandbox thread failed: ${message.message.slice(0, 300)}` }, undefined);
        this.flush();
        return;
      }
      case 'size':
        void this.answerSize(process, message.id, message.paths);
        return;
      case 'crash': {
        const { reason, detail, starting, observed } = message;
        this.crash = starting ? { reason, detail, starting } : observed ? { reason, detail, observed } : { reason, detail };
        return;
      }
    }
  }

  private onExit(process: SandboxProcess, how: string, said: string): void {
    if (process !== this.process) return;
    this.process = undefined;
    clearTimeout(this.startTimer);
    if (!this.ready || this.crash?.starting) {
      // A thread that could not start is no function's doing: work in flight runs again, unjudged.
      this.queue.requeue(wanted(expand(this.landAll().flatMap((batch) => batch.jobs))));
      this.onFailedStart(this.crash?.detail ?? `it exited (${how})${said}`);
      return;
    }
    const cause = this.crash ?? { reason: 'exited' as const, detail: `the sandbox process exited (${how})${said}` };
    this.judge(this.landAll(), cause, this.crash?.observed);
    this.flush();
  }

  /**
   * Settles the work lost with the sandbox process (or one of its threads): what blame.ts
   * charges gets the crash's failure; the rest is queued again, together, or, while
   * closing, rejected with TASKRES_CLOSED.
   */
  private judge(lostWork: { id: number; jobs: Work[] }[], cause: { reason: CrashReason; detail: string }, observed: ObservedCall[] | undefined): void {
    // Judged item by item: ranges become jobs (job-range.ts).
    const lost = lostWork.map(({ id, jobs }) => ({ id, jobs: expand(jobs) }));
    const batches: LostBatch[] = lost.map(({ id, jobs }) => ({
      id,
      evaluations: jobs.map((job) => job.dynamics.length),
      strikes: jobs.map((job) => this.strikes.get(job) ?? 0),
    }));
    const verdicts = judgeLoss(batches, observed);
    const finished = finishedBeforeLoss(batches, observed);
    const failure = crashFailure(cause);
    const proven: Job[] = [];
    const rerun: Job[] = [];
    const alone: Job[] = [];
    const blamed: Job[] = [];
    this.settling = lost.flatMap((batch) => batch.jobs);
    lost.forEach(({ jobs }, b) => {
      jobs.forEach((job, j) => {
        switch (verdicts[b]![j]!) {
          case 'charged':
          case 'struck-out':
            blamed.push(job);
            settleFailed(job, failure);
            return;
          case 'rerun':
            if (!job.cancelled?.()) (finished[b]![j] ? proven : rerun).push(job);
            return;
          case 'rerun-alone':
            this.strikes.set(job, (this.strikes.get(job) ?? 0) + 1);
            blamed.push(job);
            if (!job.cancelled?.()) alone.push(job);
            return;
        }
      });
    });
    if (this.closing) {
      for (const job of [...proven, ...rerun, ...alone]) failJob(job, closedBeforeRun());
    } else {
      this.queue.chargeStops(blamed);
      this.queue.requeueProven(proven);
      this.queue.requeue(alone, true);
      this.queue.requeueUnproven(rerun);
    }
    this.settling = [];
  }

  /** A sandbox process ended before it was ready: start another after a pause, or give up. */
  private onFailedStart(detail: string): void {
    if (this.unavailable) return;
    const next = this.startPolicy.failed();
    if (next.kind === 'give-up') {
      this.giveUp({
        cause: `the sandbox process failed to start ${next.failedStarts} times in a row (last time: ${detail.slice(0, 300)})`,
        fix: 'run `npx taskres doctor` to see why; create a new resolver once it is fixed',
      });
      return;
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.guarded(() => this.flush());
    }, next.afterMs);
    this.flush();
  }

  /** The sandbox cannot run: every job now and later is rejected, and nothing is restarted. */
  private giveUp(problem: IsolatedVmProblem): void {
    if (this.unavailable) return;
    this.unavailable = new TaskresError('TASKRES_SANDBOX_UNAVAILABLE', `taskres cannot start its sandbox, so no resource function can run: ${problem.cause}: ${problem.fix}.`);
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const works = [...this.landAll().flatMap((batch) => batch.jobs), ...this.queue.takeAll()];
    for (const work of works) failWork(work, this.unavailable);
    this.flush();
  }

  private async answerSize(process: SandboxProcess, id: number, paths: string[]): Promise<void> {
    const answer = await lookUpSizes(this.options, paths);
    if (process === this.process) process.send({ t: 'size-reply', id, ...answer });
  }

  /**
   * A handler threw (a bug of ours, or a value that defeated a bound): the jobs it was
   * settling are failed with an error instead of the throw reaching Node's event loop (which
   * would kill the user's process), and work goes on.
   */
  private handlerThrew(thrown: unknown): void {
    const jobs = this.settling;
    this.settling = [];
    if (jobs.length > 0) {
      const error = new TaskresError('TASKRES_FUNCTION_THREW', `taskres failed while settling this resolution (${describeBug(thrown)}); please report it.`);
      for (const work of jobs) {
        try {
          failWork(work, error);
        } catch {
          // Each job on its own: one that cannot be failed does not keep the others from it.
        }
      }
    }
    this.scheduleFlush();
  }

  /** Runs a timer's or microtask's work; a throw goes to handlerThrew. */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (thrown) {
      this.handlerThrew(thrown);
    }
  }

  private updateRef(): void {
    // Jobs waiting out a restart pause keep the user's process alive; an idle resolver does not.
    if (this.idle) this.restartTimer?.unref();
    else this.restartTimer?.ref();
    this.process?.keepAlive(!this.idle);
  }
}

/** The jobs whose callers still want them (the others were rejected when their signal aborted). */
function wanted(jobs: readonly Job[]): Job[] {
  const kept: Job[] = [];
  for (let j = 0; j < jobs.length; j++) if (!jobs[j]!.cancelled?.()) kept.push(jobs[j]!);
  return kept;
}

function abortedBeforeSent(): TaskresError {
  return new TaskresError('TASKRES_ABORTED', 'Not run: its signal was aborted before the sandbox took it.');
}

function closedBeforeRun(): TaskresError {
  return new TaskresError('TASKRES_CLOSED', 'Not run: the resolver was closed, and this work would have needed a new sandbox process; create a new resolver with createResolver().');
}

/** Settles a job with the same failure for each of its evaluations. */
function settleFailed(job: Job, failure: EvaluationFailure): void {
  const failures = new Map<number, EvaluationFailure>();
  for (let k = 0; k < job.dynamics.length; k++) failures.set(k, failure);
  job.settle({ values: new Float64Array(job.dynamics.length), offset: 0, failures });
}

/** Rejects work with a sandbox error: each item of a range, or the job. */
function failWork(work: Work, error: TaskresError): void {
  if (!(work instanceof JobRange)) failJob(work, error);
  else for (let item = work.from; item < work.to; item++) work.source.fail(item, error);
}

/** Rejects a job with a sandbox error, through `fail` when the job has it. */
export function failJob(job: Job, error: TaskresError): void {
  if (job.fail) {
    job.fail(error);
    return;
  }
  // The error is carried as each evaluation's failure; the code is the sandbox's, not one of
  // the evaluation codes, so it is never mistaken for something the function did.
  settleFailed(job, { code: error.code as EvaluationErrorCode, detail: error.message.replace(/\.$/, '') });
}

/** A bounded description of what one of our own handlers threw; reading it may itself throw. */
function describeBug(thrown: unknown): string {
  try {
    return thrown instanceof Error ? `${thrown.name}: ${String(thrown.message).slice(0, 160)}` : typeof thrown;
  } catch {
    return 'an unreadable error';
  }
}
