/**
 * The queue of jobs waiting for the sandbox and how they are cut into batches. Work is taken
 * in order; a job marked to run alone (its batch's arguments did not fit together, or blame
 * could not single it out: ./blame.ts) goes in a batch of its own, in its turn, beside the
 * other batches: never one at a time ahead of all other work. A job whose caller no longer
 * wants it (its signal aborted) is dropped when its turn comes, wherever it waited.
 */
import type { Job } from './supervisor.js';

const MAX_JOBS_PER_BATCH = 1024;
/**
 * While every thread has a batch, queued jobs are held back until there are this many: a
 * small batch sent then would only wait in the sandbox, and callers awaiting one resolution
 * at a time would fragment into many tiny batches, each paying the fixed cost of a batch.
 * Held jobs go out with the next batch that comes back.
 */
export const MIN_JOBS_TO_PIPELINE = 256;
/**
 * The parsed batch lives in the isolate's heap beside the functions' own data: keep it
 * small next to memoryLimitMiB (a job larger than this goes alone).
 */
const MAX_BATCH_CHARS = 512 * 1024;

/** Limits of one batch. */
export interface BatchLimits {
  /** Evaluations one batch may hold. */
  maxEvaluations: number;
  /** Characters a job adds to a batch at most. */
  charsOf(job: Job): number;
}

/** Jobs waiting for the sandbox, oldest first. */
export class WorkQueue {
  private jobs: Job[] = [];
  private readonly alone = new WeakSet<Job>();

  constructor(private readonly limits: BatchLimits) {}

  get length(): number {
    return this.jobs.length;
  }

  /** Adds a new job at the end. */
  push(job: Job): void {
    this.jobs.push(job);
  }

  /**
   * Puts jobs that were sent and must run again back at the front, in their order (they were
   * submitted before anything still queued); `alone`: each in a batch of its own.
   */
  requeue(jobs: readonly Job[], alone = false): void {
    if (jobs.length === 0) return;
    const next: Job[] = [];
    for (let i = 0; i < jobs.length; i++) {
      next.push(jobs[i]!);
      if (alone) this.alone.add(jobs[i]!);
    }
    for (let i = 0; i < this.jobs.length; i++) next.push(this.jobs[i]!);
    this.jobs = next;
  }

  /** Empties the queue, returning what was in it. */
  takeAll(): Job[] {
    const all = this.jobs;
    this.jobs = [];
    return all;
  }

  /**
   * The next batch, spread over `idleThreads` (one batch does not take all the work when
   * threads are idle); `dropped` receives each job whose caller no longer wants it.
   */
  takeBatch(idleThreads: number, dropped: (job: Job) => void): Job[] {
    const share = Math.min(MAX_JOBS_PER_BATCH, Math.ceil(this.jobs.length / Math.max(1, idleThreads)));
    let count = 0;
    let evaluations = 0;
    let chars = 0;
    while (count < share && count < this.jobs.length) {
      const next = this.jobs[count]!;
      if (next.cancelled?.()) {
        this.jobs.splice(count, 1);
        dropped(next);
        continue;
      }
      if (this.alone.has(next)) {
        if (count > 0) break;
        this.alone.delete(next);
        count = 1;
        break;
      }
      const size = this.limits.charsOf(next);
      if (count > 0 && (evaluations + next.dynamics.length > this.limits.maxEvaluations || chars + size > MAX_BATCH_CHARS)) break;
      evaluations += next.dynamics.length;
      chars += size;
      count++;
    }
    return this.jobs.splice(0, count);
  }

  /** Drops every job whose caller no longer wants it; returns them. */
  sweepCancelled(): Job[] {
    const dropped: Job[] = [];
    if (!this.jobs.some((job) => job.cancelled?.())) return dropped;
    const kept: Job[] = [];
    for (const job of this.jobs) (job.cancelled?.() ? dropped : kept).push(job);
    this.jobs = kept;
    return dropped;
  }
}
