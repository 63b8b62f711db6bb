/**
 * Who gets which outcome when a call into the sandbox, or the whole sandbox process, stops
 * before it answered. Pure decisions, kept apart from the machinery so that they can be read
 * and table-tested on their own.
 */
import { PROGRESS_EVALUATING, type CrashReason, type EvaluationFailure } from './messages.js';

/** How a stopped isolate call failed. */
export type CallFailure = 'timeout' | 'memory' | 'other';

/** What the runner had reached when a call that began at `start` was stopped. */
export interface StoppedCall {
  start: number;
  /** True when the call was allowed to start only one evaluation. */
  oneByOne: boolean;
  /** progress[0]: the evaluation running, or the next one once the slice was over; -1 before any. */
  reached: number;
  /** progress[1]. */
  progressState: number;
  failure: CallFailure;
  /** Jobs in the batch (a batch that failed to load is split when it holds several). */
  jobs: number;
}

/** What to do about a stopped call. */
export type StoppedCallVerdict =
  /** Nothing ran: the batch did not load. Several jobs: re-run each alone; one: it fails. */
  | { kind: 'load-failed'; retryAlone: boolean }
  /** `index` alone had the call and its full budget: it gets the failure; go on after it. */
  | { kind: 'culprit'; index: number; next: number }
  /** `index` was evaluating with its full budget when time ran out: it gets the timeout.
   *  Those before it finished but their messages were lost: re-run them one by one. */
  | { kind: 'culprit-then-rerun'; index: number; rerunUntil: number }
  /** Anyone in the call may be at fault (memory, or microtasks after the slice):
   *  re-run from `start` one by one up to `rerunUntil`, each judged on its own budget. */
  | { kind: 'rerun'; rerunUntil: number };

/** Decides who is blamed for a stopped call. */
export function judgeStoppedCall(call: StoppedCall, count: number): StoppedCallVerdict {
  const { start, oneByOne, reached, failure } = call;
  const evaluating = call.progressState === PROGRESS_EVALUATING;
  if (reached < 0) return { kind: 'load-failed', retryAlone: call.jobs > 1 };
  // The call held only this evaluation (and its microtasks), with at least timeoutMs.
  if (oneByOne || (reached === start && evaluating) || (reached === start + 1 && !evaluating)) {
    return { kind: 'culprit', index: start, next: start + 1 };
  }
  if (failure === 'timeout' && evaluating) return { kind: 'culprit-then-rerun', index: reached, rerunUntil: reached };
  return { kind: 'rerun', rerunUntil: Math.min(count, evaluating ? reached + 1 : reached) };
}

/** The failure of an evaluation whose call was stopped. */
export function stoppedCallFailure(failure: CallFailure, message: string): EvaluationFailure {
  if (failure === 'timeout') return { code: 'TASKRES_TIMEOUT', detail: '' };
  if (failure === 'memory') return { code: 'TASKRES_MEMORY_LIMIT', detail: '' };
  return { code: 'TASKRES_FUNCTION_THREW', detail: `the sandbox stopped the function: ${message.slice(0, 160)}` };
}

/**
 * The failure of a job charged with the loss of the sandbox process (see
 * ../resolver/blame.ts for who is charged).
 */
export function crashFailure(cause: { reason: CrashReason; detail: string }): EvaluationFailure {
  switch (cause.reason) {
    case 'wedged':
      return { code: 'TASKRES_TIMEOUT', detail: cause.detail };
    case 'memory':
      return { code: 'TASKRES_MEMORY_LIMIT', detail: cause.detail };
    case 'process-memory':
      return { code: 'TASKRES_MEMORY_LIMIT', detail: cause.detail, limit: 'processMemoryLimitMiB' };
    default:
      return { code: 'TASKRES_FUNCTION_THREW', detail: `it crashed the sandbox process: ${cause.detail}` };
  }
}
