/**
 * Whether one evaluation went over `memoryLimitMiB`, judged from the isolate's memory (its
 * heap plus the ArrayBuffers it holds outside it, what isolated-vm counts against the limit)
 * as the host reads it inside the timed call: once before the evaluation starts and once the
 * moment it returns or throws, before the runner allocates anything (so no collection can run
 * in between that the evaluation did not cause itself). Pure, and table-tested.
 *
 * Why both readings, and why it holds both ways:
 * - V8 does not stop every large allocation at the isolate's limit: a single large young
 *   object (a string flattened inside one built-in, an array built by Array.from) is allowed
 *   whatever its size, and is gone at the next collection once it is garbage. A reading after
 *   the call, outside it, races with the collection V8 schedules right after; a reading taken
 *   before the runner does anything else does not. So `after` holds what the evaluation built,
 *   and a value it built over the limit is seen even if it dropped it on return.
 * - The heap also holds what earlier evaluations left as garbage, until V8 collects it. That
 *   garbage is in `before`, so the growth `after - before` charges an evaluation only for what
 *   it allocated itself (less what collections during it freed, of anyone's).
 * - Growth alone could under-charge: a collection during the evaluation may free earlier
 *   garbage, making room that its own allocation then fills. So a heap that is over the limit
 *   in absolute terms (`after - floor`, `floor` being the heap of a fresh isolate before any
 *   evaluation) while the growth is not, is not decided here: the evaluation runs again,
 *   alone, first in a fresh isolate, where no earlier garbage exists and the absolute reading
 *   is its own.
 *
 * Reading the heap costs a few microseconds, more than a small evaluation itself, so it is
 * skipped after an evaluation too short to have written `limitBytes` (the smallest limit is
 * 8 MiB plus V8's young generation, over 9 MB; writing that in MIN_JUDGED_MS, 0.1 ms, would
 * take 90 GB/s from one core, several times what a core's memory bandwidth is, before the
 * cost of mapping fresh pages). Such an evaluation is `within` by that bound. The next reading
 * then starts from an older baseline that may include the skipped evaluations' allocations, so
 * an `over` from it is `unsure` instead: the evaluation runs again alone in a fresh isolate.
 *
 * What it does not see: a value the evaluation builds over the limit, drops, and has
 * collected by allocating more before it returns. V8 gives no peak reading; the isolate's own
 * limit (isolated-vm stops an isolate whose live heap passes it after a full collection) and
 * the sandbox process's memory cap still bound it.
 */

/** The heap readings of one evaluation, in bytes. */
export interface HeapReadings {
  /** Heap just before the evaluation started (its job's values loaded, if they were). */
  beforeBytes: number;
  /** Heap the moment the evaluation returned or threw. */
  afterBytes: number;
  /** Heap of this isolate before its first evaluation. */
  floorBytes: number;
  /** The isolate's limit in bytes: memoryLimitMiB and V8's young generation (see Live.limitBytes). */
  limitBytes: number;
  /** True when this is the first evaluation in a fresh isolate: nothing else's garbage exists. */
  firstInIsolate: boolean;
  /** True when `beforeBytes` was read when this evaluation started, not before skipped ones. */
  baselineOwn: boolean;
}

/** An evaluation shorter than this cannot have written memoryLimitMiB of memory (see above). */
export const MIN_JUDGED_MS = 0.1;

/**
 * `within`: the evaluation stayed under the limit; `over`: it went over (TASKRES_MEMORY_LIMIT);
 * `unsure`: the heap is over the limit but possibly with others' garbage: re-run it alone in a
 * fresh isolate, where the verdict is never `unsure`.
 */
export type MemoryVerdict = 'within' | 'over' | 'unsure';

/** Judges one evaluation's memory (see the module comment). */
export function judgeEvaluationMemory(readings: HeapReadings): MemoryVerdict {
  const { beforeBytes, afterBytes, floorBytes, limitBytes, firstInIsolate, baselineOwn } = readings;
  if (afterBytes - beforeBytes > limitBytes) return baselineOwn || firstInIsolate ? 'over' : 'unsure';
  if (afterBytes - floorBytes <= limitBytes) return 'within';
  return firstInIsolate ? 'over' : 'unsure';
}
