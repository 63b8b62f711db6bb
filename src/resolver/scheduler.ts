/**
 * The queue of jobs waiting for the sandbox and how they are cut into batches. Work is taken
 * in order; a job marked to run alone (its batch's arguments did not fit together, or blame
 * could not single it out: ./blame.ts) goes in a batch of its own, in its turn, beside the
 * other batches: never one at a time ahead of all other work. A job whose caller no longer
 * wants it (its signal aborted) is dropped when its turn comes, wherever it waited.
 *
 * Work lost with a sandbox process and queued again has not been proven harmless (a neighbour
 * that was never reached may wedge the next process too), so it waits in a lane of its own and
 * is never batched with work that was not lost: batches are taken from the two lanes in turn.
 * Within that lane, work not reached when the process was lost runs latest arrival first, and
 * work observed to finish before the loss is proven and rejoins the fresh lane.
 * A bystander's job sent after a flood of wedging jobs therefore runs on the first process
 * started after it was queued, whatever the number of wedgers ahead of it: each restart makes
 * progress for the fresh lane as well as the lost one (measured: test/wedge-bystander.test.ts).
 *
 * Arrival order alone cannot tell a bystander from a wedger that arrived after it (over HTTP,
 * a flood admitted first may reach the resolver after a bystander's item, its specs still being
 * checked). So jobs that share a group (their AbortSignal: one service request, or one call of
 * the user's) are ranked by the stops charged to that group: in both lanes, the jobs of groups
 * that caused no stop go before those of groups that did, fewest stops first; within a rank the
 * order above holds (measured: test/serve-wedge-bystander.test.ts).
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

/** Jobs waiting for the sandbox, oldest first, in two lanes (see the module comment). */
export class WorkQueue {
  /** Jobs never lost with a sandbox process, of groups charged with no stop. */
  private fresh: Job[] = [];
  /** Jobs never lost with a sandbox process, of groups charged with a stop: taken after `fresh`. */
  private freshCharged: Job[] = [];
  /** Jobs lost with a sandbox process and queued again. */
  private retried: Job[] = [];
  /** Which lane the next batch comes from when both hold work. */
  private retriedNext = true;
  private readonly alone = new WeakSet<Job>();
  /** Jobs pushed so far: the next job's `arrival`. */
  private arrivals = 0;
  /** Stops (sandbox losses) charged to each group of jobs (see the module comment). */
  private readonly stops = new WeakMap<object, number>();

  constructor(private readonly limits: BatchLimits) {}

  get length(): number {
    return this.fresh.length + this.freshCharged.length + this.retried.length;
  }

  /** Adds a new job at the end (of its rank). */
  push(job: Job): void {
    // A field of the job, not a WeakMap entry: 100,000 pending jobs would be 100,000
    // ephemerons for every collection to trace.
    job.arrival = this.arrivals++;
    (this.stopsOf(job) > 0 ? this.freshCharged : this.fresh).push(job);
  }

  /**
   * Records that `jobs` were charged with (or struck for) a lost sandbox process: the waiting
   * jobs of their groups now rank after those of groups that caused no stop, in both lanes.
   */
  chargeStops(jobs: readonly Job[]): void {
    let newlyCharged = false;
    for (const job of jobs) {
      if (job.group === undefined) continue;
      const before = this.stops.get(job.group) ?? 0;
      this.stops.set(job.group, before + 1);
      if (before === 0) newlyCharged = true;
    }
    if (jobs.length === 0) return;
    if (newlyCharged) {
      // Move the newly charged groups' jobs behind the rest, keeping each part's order.
      const stillClean: Job[] = [];
      const nowCharged: Job[] = [];
      for (const job of this.fresh) (this.stopsOf(job) > 0 ? nowCharged : stillClean).push(job);
      if (nowCharged.length > 0) {
        this.fresh = stillClean;
        this.freshCharged = rankByStops(nowCharged.concat(this.freshCharged), (job) => this.stopsOf(job));
      }
    }
    this.retried = rankByStops(this.retried, (job) => this.stopsOf(job));
  }

  private stopsOf(job: Job): number {
    return job.group === undefined ? 0 : (this.stops.get(job.group) ?? 0);
  }

  /**
   * Puts jobs lost with a process, not reached there and not charged, at the front of the lane
   * of lost work, latest arrival first: a job can then be held up again only by lost work that
   * arrived after it, so a bystander queued after a flood of wedgers runs at the head of its
   * next batch, finishes there and is proven, however many wedgers arrived before it.
   */
  requeueUnproven(jobs: readonly Job[]): void {
    const order = jobs.slice();
    order.sort((a, b) => (b.arrival ?? 0) - (a.arrival ?? 0));
    this.requeue(order);
  }

  /**
   * Puts jobs that were sent and must run again at the front of the lane of lost work, in
   * their order (they were submitted before anything still queued); `alone`: each in a batch
   * of its own.
   */
  requeue(jobs: readonly Job[], alone = false): void {
    if (jobs.length === 0) return;
    const next: Job[] = [];
    for (let i = 0; i < jobs.length; i++) {
      next.push(jobs[i]!);
      if (alone) this.alone.add(jobs[i]!);
    }
    for (let i = 0; i < this.retried.length; i++) next.push(this.retried[i]!);
    this.retried = rankByStops(next, (job) => this.stopsOf(job));
  }

  /**
   * Puts jobs that were sent, observed to finish, and lost with their batch's process at the
   * front of the fresh lane: they are proven not to wedge.
   */
  requeueProven(jobs: readonly Job[]): void {
    if (jobs.length === 0) return;
    const clean = jobs.filter((job) => this.stopsOf(job) === 0);
    if (clean.length > 0) this.fresh = clean.concat(this.fresh);
    if (clean.length < jobs.length) this.freshCharged = rankByStops(jobs.filter((job) => this.stopsOf(job) > 0).concat(this.freshCharged), (job) => this.stopsOf(job));
  }

  /** Empties the queue, returning what was in it. */
  takeAll(): Job[] {
    const all = this.retried.concat(this.fresh, this.freshCharged);
    this.fresh = [];
    this.freshCharged = [];
    this.retried = [];
    return all;
  }

  /**
   * The next batch, spread over `idleThreads` (one batch does not take all the work when
   * threads are idle), from one lane, the lanes taking turns; `dropped` receives each job whose
   * caller no longer wants it.
   */
  takeBatch(idleThreads: number, dropped: (job: Job) => void): Job[] {
    // Work of groups charged with a stop goes after all other work, in either lane (so a new
    // process's first thread takes work that did not stop one); lanes of one rank take turns.
    const retriedCharged = this.retried.length > 0 && this.stopsOf(this.retried[0]!) > 0;
    const freshCharged = this.fresh.length === 0;
    let fromRetried =
      this.retried.length > 0 && (this.fresh.length + this.freshCharged.length === 0 || (retriedCharged === freshCharged ? this.retriedNext : !retriedCharged));
    let batch = fromRetried ? this.takeFrom(this.retried, idleThreads, dropped) : this.takeFresh(idleThreads, dropped);
    if (batch.length === 0) {
      // That lane held only cancelled jobs: the other one may hold work.
      fromRetried = !fromRetried;
      batch = fromRetried ? this.takeFrom(this.retried, idleThreads, dropped) : this.takeFresh(idleThreads, dropped);
    }
    if (batch.length > 0) this.retriedNext = !fromRetried;
    return batch;
  }

  /** A batch of the fresh lane: jobs of groups charged with a stop only when no other is left. */
  private takeFresh(idleThreads: number, dropped: (job: Job) => void): Job[] {
    const batch = this.takeFrom(this.fresh, idleThreads, dropped);
    return batch.length > 0 ? batch : this.takeFrom(this.freshCharged, idleThreads, dropped);
  }

  private takeFrom(lane: Job[], idleThreads: number, dropped: (job: Job) => void): Job[] {
    const share = Math.min(MAX_JOBS_PER_BATCH, Math.ceil(lane.length / Math.max(1, idleThreads)));
    let count = 0;
    let evaluations = 0;
    let chars = 0;
    while (count < share && count < lane.length) {
      const next = lane[count]!;
      if (next.cancelled?.()) {
        lane.splice(count, 1);
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
      // A batch answers only as a whole: a job of a group charged with a stop does not share
      // one with a job of a group that was not (it would be lost with it).
      if (count > 0 && (this.stopsOf(next) > 0) !== (this.stopsOf(lane[0]!) > 0)) break;
      evaluations += next.dynamics.length;
      chars += size;
      count++;
    }
    return lane.splice(0, count);
  }

  /** Drops every job whose caller no longer wants it; returns them. */
  sweepCancelled(): Job[] {
    const dropped: Job[] = [];
    this.fresh = keepWanted(this.fresh, dropped);
    this.freshCharged = keepWanted(this.freshCharged, dropped);
    this.retried = keepWanted(this.retried, dropped);
    return dropped;
  }
}

/** `jobs` in a stable order of `stopsOf` (fewest first); `jobs` itself when no job has any. */
function rankByStops(jobs: Job[], stopsOf: (job: Job) => number): Job[] {
  if (!jobs.some((job) => stopsOf(job) > 0)) return jobs;
  return jobs
    .map((job, i) => ({ job, i, stops: stopsOf(job) }))
    .sort((a, b) => a.stops - b.stops || a.i - b.i)
    .map((each) => each.job);
}

/** `jobs` without those whose caller no longer wants them, which go to `dropped`. */
function keepWanted(jobs: Job[], dropped: Job[]): Job[] {
  if (!jobs.some((job) => job.cancelled?.())) return jobs;
  const kept: Job[] = [];
  for (const job of jobs) (job.cancelled?.() ? dropped : kept).push(job);
  return kept;
}
