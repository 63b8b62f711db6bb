/**
 * The one failure value of an evaluation, from the isolate host (or the verdict that judged a
 * stopped call or a lost process) to the job that settles it. Plain data, because it crosses
 * a thread and a process: the message a user reads is made from it once, at the end, and
 * nothing downstream reads a failure back out of message text.
 */
import type { TaskresErrorCode } from '../core/errors.js';

/** Error codes an evaluation can end with inside the sandbox. */
export type EvaluationErrorCode = Extract<
  TaskresErrorCode,
  'TASKRES_FUNCTION_THREW' | 'TASKRES_INVALID_VALUE' | 'TASKRES_TIMEOUT' | 'TASKRES_MEMORY_LIMIT' | 'TASKRES_FILE_SIZE'
>;

/** The sandbox realm's error classes a thrown value is recognised as, by prototype identity. */
export const THROWN_CLASSES = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'Error'] as const;

/**
 * Facts the sandbox observed that may help the user, as data: `threw` names the class of a
 * thrown value when its prototype is one of the realm's own error prototypes (found by
 * identity, not by reading a name the function could have set).
 */
export interface FailureHint {
  threw?: (typeof THROWN_CLASSES)[number];
}

/** Why an evaluation failed. `detail` is for the message only, bounded and never parsed. */
export interface EvaluationFailure {
  code: EvaluationErrorCode;
  detail: string;
  hint?: FailureHint;
  /** Set when the sandbox process's own cap (not the isolate's memoryLimitMiB) stopped it. */
  limit?: 'processMemoryLimitMiB';
}

/** An evaluation's failure inside a batch: `index` is the evaluation's position in the batch. */
export interface BatchFailure extends EvaluationFailure {
  index: number;
}
