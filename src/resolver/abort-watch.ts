/**
 * Which waiting resolutions each AbortSignal cancels: one 'abort' listener per signal however
 * many resolutions share it (a service request shares one signal among all its items; a
 * resolveMany range of items that share one is a single watcher).
 */
import { JOB_GROUP } from './sandbox-jobs.js';

/** What a signal's abort reaches. */
export interface AbortWatcher {
  /** Its signal aborted: settle what it holds that is not settled yet. */
  aborted(): void;
}

const waitingOnSignal = new WeakMap<AbortSignal, Set<AbortWatcher>>();

/** Calls `watcher.aborted()` when `signal` aborts, unless unwatched first. */
export function watchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  let waiting = waitingOnSignal.get(signal);
  if (!waiting) {
    const each = new Set<AbortWatcher>();
    waiting = each;
    waitingOnSignal.set(signal, each);
    signal.addEventListener(
      'abort',
      () => {
        waitingOnSignal.delete(signal);
        for (const one of [...each]) one.aborted();
      },
      { once: true },
    );
  }
  waiting.add(watcher);
}

/** Stops watching `signal` for `watcher` (it has nothing left to settle). */
export function unwatchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  waitingOnSignal.get(signal)?.delete(watcher);
}

/** The group a signal puts its resolutions in: its JOB_GROUP object if it carries one (a data property), else itself. */
export function groupOf(signal: AbortSignal): object {
  const own = Object.getOwnPropertyDescriptor(signal, JOB_GROUP);
  return typeof own?.value === 'object' && own.value !== null ? (own.value as object) : signal;
}
