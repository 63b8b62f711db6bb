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
 *
 * The lanes hold work (./job-range.ts): jobs, and ranges of a resolveMany call's items, which a
 * batch takes whole or cut at an item. Counts (`length`, a batch's share) are in items.
 */
import type { Job } from './supervisor.js';
import { JobRange, groupOf, isCancelled, itemsOf, type Work } from './job-range.js';

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
  /** Characters a job adds to a batch at most (a range's items: RangeSource.charsOf). */
  charsOf(job: Job): number;
}

/** One lane's work, oldest first, and how many items it holds. */
class Lane {
  items = 0;
  constructor(public works: Work[] = []) {
    this.items = countItems(works);
  }

  /** Replaces the lane's work. */
  set(works: Work[]): void {
    this.works = works;
    this.items = countItems(works);
  }

  push(work: Work): void {
    this.works.push(work);
    this.items += itemsOf(work);
  }
}

/** Work waiting for the sandbox, oldest first, in two lanes (see the module comment). */
export class WorkQueue {
  /** Work never lost with a sandbox process, of groups charged with no stop. */
  private readonly fresh = new Lane();
  /** Work never lost with a sandbox process, of groups charged with a stop: taken after `fresh`. */
  private readonly freshCharged = new Lane();
  /** Jobs lost with a sandbox process and queued again. */
  private readonly retried = new Lane();
  /** Which lane the next batch comes from when both hold work. */
  private retriedNext = true;
  private readonly alone = new WeakSet<Job>();
  /** Items pushed so far: the next item's `arrival`. */
  private arrivals = 0;
  /** Stops (sandbox losses) charged to each group of jobs (see the module comment). */
  private readonly stops = new WeakMap<object, number>();

  constructor(private readonly limits: BatchLimits) {}

  /** Items waiting. */
  get length(): number {
    return this.fresh.items + this.freshCharged.items + this.retried.items;
  }

  /** Adds new work at the end (of its rank). */
  push(work: Work): void {
    // A field of the job, not a WeakMap entry: 100,000 pending jobs would be 100,000
    // ephemerons for every collection to trace.
    work.arrival = this.arrivals;
    this.arrivals += itemsOf(work);
    (this.stopsOf(work) > 0 ? this.freshCharged : this.fresh).push(work);
  }

  /**
   * Records that `jobs` were charged with (or struck for) a lost sandbox process: the waiting
   * work of their groups now ranks after that of groups that caused no stop, in both lanes.
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
      // Move the newly charged groups' work behind the rest, keeping each part's order.
      const stillClean: Work[] = [];
      const nowCharged: Work[] = [];
      for (const work of this.fresh.works) (this.stopsOf(work) > 0 ? nowCharged : stillClean).push(work);
      if (nowCharged.length > 0) {
        this.fresh.set(stillClean);
        this.freshCharged.set(this.rankByStops(nowCharged.concat(this.freshCharged.works)));
      }
    }
    this.retried.set(this.rankByStops(this.retried.works));
  }

  /** Stops charged to `group` so far (it never decreases; see `READ_GROUP_STOPS` in ./sandbox-jobs.ts). */
  stopsCharged(group: object): number {
    return this.stops.get(group) ?? 0;
  }

  private stopsOf(work: Work): number {
    const group = groupOf(work);
    return group === undefined ? 0 : (this.stops.get(group) ?? 0);
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
    const next: Work[] = [];
    for (let i = 0; i < jobs.length; i++) {
      next.push(jobs[i]!);
      if (alone) this.alone.add(jobs[i]!);
    }
    for (let i = 0; i < this.retried.works.length; i++) next.push(this.retried.works[i]!);
    this.retried.set(this.rankByStops(next));
  }

  /**
   * Puts jobs that were sent, observed to finish, and lost with their batch's process at the
   * front of the fresh lane: they are proven not to wedge.
   */
  requeueProven(jobs: readonly Job[]): void {
    if (jobs.length === 0) return;
    const clean = jobs.filter((job) => this.stopsOf(job) === 0);
    if (clean.length > 0) this.fresh.set((clean as Work[]).concat(this.fresh.works));
    if (clean.length < jobs.length) this.freshCharged.set(this.rankByStops((jobs.filter((job) => this.stopsOf(job) > 0) as Work[]).concat(this.freshCharged.works)));
  }

  /** Empties the queue, returning what was in it. */
  takeAll(): Work[] {
    const all = this.retried.works.concat(this.fresh.works, this.freshCharged.works);
    this.fresh.set([]);
    this.freshCharged.set([]);
    this.retried.set([]);
    return all;
  }

  /**
   * The next batch, spread over `idleThreads` (one batch does not take all the work when
   * threads are idle), from one lane, the lanes taking turns; `dropped` receives the work whose
   * caller no longer wants it.
   */
  takeBatch(idleThreads: number, dropped: (work: Work) => void): Work[] {
    // Work of groups charged with a stop goes after all other work, in either lane (so a new
    // process's first thread takes work that did not stop one); lanes of one rank take turns.
    const retried = this.retried.works;
    const retriedCharged = retried.length > 0 && this.stopsOf(retried[0]!) > 0;
    const freshCharged = this.fresh.works.length === 0;
    let fromRetried =
      retried.length > 0 && (this.fresh.works.length + this.freshCharged.works.length === 0 || (retriedCharged === freshCharged ? this.retriedNext : !retriedCharged));
    let batch = fromRetried ? this.takeFrom(this.retried, idleThreads, dropped) : this.takeFresh(idleThreads, dropped);
    if (batch.length === 0) {
      // That lane held only cancelled work: the other one may hold work.
      fromRetried = !fromRetried;
      batch = fromRetried ? this.takeFrom(this.retried, idleThreads, dropped) : this.takeFresh(idleThreads, dropped);
    }
    if (batch.length > 0) this.retriedNext = !fromRetried;
    return batch;
  }

  /** A batch of the fresh lane: work of groups charged with a stop only when no other is left. */
  private takeFresh(idleThreads: number, dropped: (work: Work) => void): Work[] {
    const batch = this.takeFrom(this.fresh, idleThreads, dropped);
    return batch.length > 0 ? batch : this.takeFrom(this.freshCharged, idleThreads, dropped);
  }

  private takeFrom(lane: Lane, idleThreads: number, dropped: (work: Work) => void): Work[] {
    const works = lane.works;
    const share = Math.min(MAX_JOBS_PER_BATCH, Math.ceil(lane.items / Math.max(1, idleThreads)));
    /** Works taken whole. */
    let count = 0;
    /** Items taken. */
    let items = 0;
    let evaluations = 0;
    let chars = 0;
    /** The first part of a range the batch ends with, cut from the range left in the lane. */
    let cut: JobRange | undefined;
    while (items < share && count < works.length) {
      const next = works[count]!;
      if (isCancelled(next)) {
        works.splice(count, 1);
        lane.items -= itemsOf(next);
        dropped(next);
        continue;
      }
      if (!(next instanceof JobRange) && this.alone.has(next)) {
        if (count > 0) break;
        this.alone.delete(next);
        count = 1;
        items = 1;
        break;
      }
      // A batch answers only as a whole: work of a group charged with a stop does not share
      // one with work of a group that was not (it would be lost with it).
      if (count > 0 && (this.stopsOf(next) > 0) !== (this.stopsOf(works[0]!) > 0)) break;
      if (next instanceof JobRange) {
        const { source } = next;
        const per = source.dynamics.length;
        let item = next.from;
        while (item < next.to && items < share) {
          const size = source.charsOf(item);
          if (items > 0 && (evaluations + per > this.limits.maxEvaluations || chars + size > MAX_BATCH_CHARS)) break;
          evaluations += per;
          chars += size;
          items++;
          item++;
        }
        if (item === next.to) {
          count++;
          continue;
        }
        if (item > next.from) {
          cut = new JobRange(source, next.from, item, next.arrival);
          next.arrival += item - next.from;
          next.from = item;
        }
        break;
      }
      const size = this.limits.charsOf(next);
      if (items > 0 && (evaluations + next.dynamics.length > this.limits.maxEvaluations || chars + size > MAX_BATCH_CHARS)) break;
      evaluations += next.dynamics.length;
      chars += size;
      count++;
      items++;
    }
    lane.items -= items;
    const batch = works.splice(0, count);
    if (cut) batch.push(cut);
    return batch;
  }

  /** Drops all work whose caller no longer wants it; returns it. */
  sweepCancelled(): Work[] {
    const dropped: Work[] = [];
    for (const lane of [this.fresh, this.freshCharged, this.retried]) {
      if (lane.works.some(isCancelled)) lane.set(keepWanted(lane.works, dropped));
    }
    return dropped;
  }

  /** `works` in a stable order of stops (fewest first); `works` itself when none has any. */
  private rankByStops(works: Work[]): Work[] {
    if (!works.some((work) => this.stopsOf(work) > 0)) return works;
    return works
      .map((work, i) => ({ work, i, stops: this.stopsOf(work) }))
      .sort((a, b) => a.stops - b.stops || a.i - b.i)
      .map((each) => each.work);
  }
}

function countItems(works: readonly Work[]): number {
  let items = 0;
  for (let i = 0; i < works.length; i++) items += itemsOf(works[i]!);
  return items;
}

/** `works` without those whose caller no longer wants them, which go to `dropped`. */
function keepWanted(works: Work[], dropped: Work[]): Work[] {
  const kept: Work[] = [];
  for (const work of works) (isCancelled(work) ? dropped : kept).push(work);
  return kept;
}

