/**
 * The deadlines the user's process keeps over the sandbox process, whatever happens inside it:
 * every batch has one (a sandbox process that has not answered by then is killed and its work
 * judged as after a crash), and `close()` has a bound (see closeBoundMs). The sandbox
 * process's own watchdog, which reads each thread's deadline, catches a wedged thread sooner.
 */
import { WATCHDOG_INTERVAL_MS, wedgeGraceMs } from '../protocol/messages.js';

/** Slack for a slow or loaded machine (work is sent only once the sandbox reported ready). */
export const SANDBOX_START_ALLOWANCE_MS = 5000;

/** How long a sandbox process asked to close may take before it is killed. */
export const CLOSE_KILL_AFTER_MS = 2000;

/**
 * How long the sandbox process may take to answer a batch of `evaluations` before it is
 * killed, once it runs: each evaluation may use timeoutMs twice (a shared slice, then alone
 * after a neighbour's failure), and the process's own watchdog (which catches wedged threads
 * sooner) gets its grace first. A batch sent while others are in flight may first wait for
 * them: see batchDeadlineAfterMs.
 */
export function batchDeadlineMs(evaluations: number, timeoutMs: number): number {
  return evaluations * (2 * timeoutMs + 30) + 2 * wedgeGraceMs(timeoutMs) + SANDBOX_START_ALLOWANCE_MS;
}

/**
 * A batch's deadline from when it is sent: its own budget plus those of the batches already in
 * flight, which may hold every thread first, so that a healthy sandbox is never killed for a
 * batch that was merely queued behind slow but legal work.
 */
export function batchDeadlineAfterMs(ownBudgetMs: number, budgetsInFlightMs: Iterable<number>): number {
  let aheadMs = 0;
  for (const budgetMs of budgetsInFlightMs) aheadMs += budgetMs;
  return ownBudgetMs + aheadMs;
}

/**
 * How long after the sandbox process stopped answering (a wedged thread) its watchdog reports
 * and kills it: the call's own budget, the grace, and one watchdog tick. With work in flight,
 * `close()` waits for that work, and the sandbox is never restarted while closing: so close()
 * returns at the latest after the batches in flight have answered or the process was lost
 * (this bound, or the batch deadline if even the watchdog is silent), plus CLOSE_KILL_AFTER_MS.
 */
export function wedgeDetectedWithinMs(timeoutMs: number): number {
  return timeoutMs + 3 + wedgeGraceMs(timeoutMs) + WATCHDOG_INTERVAL_MS;
}
