/**
 * Work as the queue and the batches hold it: a job (one resolve call, or a job another module
 * submitted), or a range of consecutive items of one resolveMany call. A large resolveMany
 * waits as a few ranges instead of one object per item: the items' arguments stay in the
 * call's columns, and a range is cut into batches by moving its bounds.
 *
 * A range is work that was never lost with a sandbox process and never had to run alone. When
 * it has to be judged after a loss, run alone, or queued again, its items become jobs of
 * their own (`expand`), and from then on they are handled exactly like any other job (blame,
 * strikes and the lanes of lost work: ./blame.ts, ./scheduler.ts), keeping their order of
 * arrival.
 */
import type { TaskresError } from '../core/errors.js';
import type { DynamicResource } from '../definition/task.js';
import type { BatchResult } from '../protocol/messages.js';
import { outcomesOf, type BatchEncoder, type JobOutcomes } from '../protocol/batch-codec.js';
import type { Job } from './supervisor.js';

/**
 * The items of a range: consecutive items of one call that share a task, its checked
 * statics, an AbortSignal and a ranking group (so whatever a range is asked applies to all its items).
 */
export interface RangeSource {
  /** The task's functions, one evaluation each, for every item. */
  readonly dynamics: readonly DynamicResource[];
  /** The items' group (see Job.group). */
  readonly group: object | undefined;
  /** True when the items' signal aborted (every item is then settled already), or every item is settled. */
  cancelled(): boolean;
  /** Characters item `item` adds to a batch at most (see encodedChars). */
  charsOf(item: number): number;
  /** Adds item `item` to a batch. */
  encodeInto(encoder: BatchEncoder, item: number): void;
  /** Settles item `item` from its outcomes (never throws; an item settled already is left as it is). */
  settle(item: number, outcomes: JobOutcomes): void;
  /** Settles item `item` with an error about the sandbox, not about its functions. */
  fail(item: number, error: TaskresError): void;
  /** Item `item` as a job of its own (made once per item: see the module comment). */
  job(item: number, arrival: number): Job;
}

/** Items `from` (included) to `to` (excluded) of a source; `arrival` is item `from`'s. */
export class JobRange {
  constructor(
    readonly source: RangeSource,
    public from: number,
    public to: number,
    public arrival: number,
  ) {}
}

/** What the queue and a batch hold. */
export type Work = Job | JobRange;

/** Resolutions (items) in `work`. */
export function itemsOf(work: Work): number {
  return work instanceof JobRange ? work.to - work.from : 1;
}

/** Evaluations in `work`. */
export function evaluationsOf(work: Work): number {
  return work instanceof JobRange ? (work.to - work.from) * work.source.dynamics.length : work.dynamics.length;
}

/** True when the caller no longer wants `work`. */
export function isCancelled(work: Work): boolean {
  return work instanceof JobRange ? work.source.cancelled() : work.cancelled?.() === true;
}

/** The group of `work` (see Job.group). */
export function groupOf(work: Work): object | undefined {
  return work instanceof JobRange ? work.source.group : work.group;
}

/** `works` as jobs, one per item, in order (see the module comment). */
export function expand(works: readonly Work[]): Job[] {
  const jobs: Job[] = [];
  for (const work of works) {
    if (!(work instanceof JobRange)) jobs.push(work);
    else for (let item = work.from; item < work.to; item++) jobs.push(work.source.job(item, work.arrival + item - work.from));
  }
  return jobs;
}

/** Adds `works` to a batch. */
export function encodeWorks(encoder: BatchEncoder, works: readonly Work[]): void {
  for (const work of works) {
    if (work instanceof JobRange) {
      for (let item = work.from; item < work.to; item++) work.source.encodeInto(encoder, item);
    } else {
      const { files, paramsJson } = work.args;
      encoder.add(work.dynamics, files, 0, files.length, paramsJson, work.contextJson);
    }
  }
}

/**
 * Settles the items of a batch from its result; returns, as jobs, those it has no outcomes
 * for (a batch that stopped early after a costly failure), to be queued again ahead of newer work.
 */
export function settleWorks(works: readonly Work[], result: BatchResult): Job[] {
  const { view, completed } = outcomesOf(result);
  for (let w = 0; w < works.length; w++) {
    const work = works[w]!;
    if (work instanceof JobRange) {
      const { source } = work;
      const per = source.dynamics.length;
      for (let item = work.from; item < work.to; item++) {
        if (view.offset + per > completed) {
          const rest = expand(works.slice(w + 1));
          const left: Job[] = [];
          for (let k = item; k < work.to; k++) left.push(source.job(k, work.arrival + k - work.from));
          return left.concat(rest);
        }
        source.settle(item, view);
        view.offset += per;
      }
    } else {
      if (view.offset + work.dynamics.length > completed) return expand(works.slice(w));
      work.settle(view);
      view.offset += work.dynamics.length;
    }
  }
  return [];
}
