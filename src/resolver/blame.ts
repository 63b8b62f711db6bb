/**
 * Who answers for a lost sandbox process. Blame rests on what the process observed as it went
 * down (../protocol/messages.ts ObservedCall: which batch each thread was in, which evaluation
 * its progress words named, and whether that call is why the process stops), never on a
 * guess made by re-running work: a function that behaves only when it runs alone must not be
 * able to make its neighbours answer for it. Pure, so that the rules can be read and
 * table-tested on their own (test/blame.test.ts).
 *
 * The rules, per job of each batch lost with the process:
 * - the only job in flight: it is charged (nothing else ran);
 * - the job holding the evaluation a stopping call named while evaluating: charged;
 * - jobs whose code may have been running but that no observation singles out (the slice was
 *   over and leftover microtasks ran, the process reported nothing, or it stopped for its
 *   whole resident memory): struck once, then re-run in a batch of their own, so that a
 *   second stop names them alone; a job struck MAX_UNEXPLAINED_LOSSES times is charged;
 * - everything else (other batches, neighbours not yet reached or that finished): re-run
 *   with the other work, on the fresh process, never one at a time behind a suspect.
 */
import type { ObservedCall } from '../protocol/messages.js';

/** Losses a job may be exposed to, without an observation naming it, before it is charged. */
export const MAX_UNEXPLAINED_LOSSES = 2;

/** A batch lost with the sandbox process. */
export interface LostBatch {
  id: number;
  /** Evaluations of each of its jobs, in batch order. */
  evaluations: readonly number[];
  /** How many unexplained losses each job was already exposed to. */
  strikes: readonly number[];
}

/** What happens to one lost job. */
export type LostJobVerdict =
  /** Its code was running when the process stopped: it gets the crash's failure. */
  | 'charged'
  /** Innocent: queued again with the other work. */
  | 'rerun'
  /** Possibly at fault, not observed: one more strike, and next time in a batch of its own. */
  | 'rerun-alone'
  /** Exposed to MAX_UNEXPLAINED_LOSSES losses: it gets the crash's failure. */
  | 'struck-out';

/**
 * The verdict for every job of `batches` (same shape). `observed` is what the process reported
 * as it went down; undefined when it reported nothing (it died, or stopped answering).
 */
export function judgeLoss(batches: readonly LostBatch[], observed: readonly ObservedCall[] | undefined): LostJobVerdict[][] {
  let jobs = 0;
  for (const batch of batches) jobs += batch.evaluations.length;
  if (jobs === 1) return batches.map((batch) => batch.evaluations.map(() => 'charged' as const));
  const anyStopped = observed?.some((call) => call.stopped) === true;
  return batches.map((batch) => {
    const call = observed?.find((each) => each.batch === batch.id);
    const strike = (j: number): LostJobVerdict => (batch.strikes[j]! + 1 >= MAX_UNEXPLAINED_LOSSES ? 'struck-out' : 'rerun-alone');
    // No report at all: any job in flight may be at fault.
    if (observed === undefined) return batch.evaluations.map((_, j) => strike(j));
    // Reported, and this batch was not in a call (waiting, or between calls): innocent.
    if (call === undefined) return batch.evaluations.map(() => 'rerun' as const);
    // Another call stopped the process; this one was merely running.
    if (!call.stopped && anyStopped) return batch.evaluations.map(() => 'rerun' as const);
    const verdicts: LostJobVerdict[] = [];
    let first = 0;
    for (let j = 0; j < batch.evaluations.length; j++) {
      const end = first + batch.evaluations[j]!;
      let exposed: boolean;
      if (call.evaluation < 0) exposed = true; // loading or compiling: the batch's own data
      else if (call.evaluating) exposed = call.evaluation >= first && call.evaluation < end;
      else exposed = first < call.evaluation; // slice over: microtasks of any evaluation before
      if (!exposed) verdicts.push('rerun');
      else if (call.stopped && call.evaluating) verdicts.push('charged');
      else verdicts.push(strike(j));
      first = end;
    }
    return verdicts;
  });
}

/**
 * For every job of `batches` (same shape): whether the process observed all its evaluations
 * finish before it went down (its batch's call had moved past them). Such a job is proven not
 * to wedge and may be batched with any work; every other job re-run is unproven (not reached,
 * or its batch was not in a call) and must not hold up work that was not lost
 * (./scheduler.ts).
 */
export function finishedBeforeLoss(batches: readonly LostBatch[], observed: readonly ObservedCall[] | undefined): boolean[][] {
  return batches.map((batch) => {
    const call = observed?.find((each) => each.batch === batch.id);
    const finished: boolean[] = [];
    let first = 0;
    for (let j = 0; j < batch.evaluations.length; j++) {
      const end = first + batch.evaluations[j]!;
      // The progress word names the evaluation running (or next to run): those before it ended.
      finished.push(call !== undefined && call.evaluation >= 0 && end <= call.evaluation);
      first = end;
    }
    return finished;
  });
}
