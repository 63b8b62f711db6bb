/**
 * When to start the sandbox process again after a start failed, and when to stop trying. A
 * start fails when the process dies, or stays silent past START_TIMEOUT_MS, before every
 * thread is up; such a failure is never a function's doing (see ../protocol/handshake.ts), so
 * it is answered with a pause and a retry, and after MAX_FAILED_STARTS in a row with
 * TASKRES_SANDBOX_UNAVAILABLE for every job, naming the cause and the fix.
 */

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

/** What to do after a failed start. */
export type AfterFailedStart = { kind: 'retry'; afterMs: number } | { kind: 'give-up'; failedStarts: number };

/** Counts failed starts in a row. */
export class StartPolicy {
  private failedStarts = 0;

  /** Every thread of a start came up: the count starts over. */
  started(): void {
    this.failedStarts = 0;
  }

  /** A start failed: retry after a pause, or give up. */
  failed(): AfterFailedStart {
    this.failedStarts++;
    if (this.failedStarts >= MAX_FAILED_STARTS) return { kind: 'give-up', failedStarts: this.failedStarts };
    return { kind: 'retry', afterMs: restartDelayMs(this.failedStarts) };
  }
}
