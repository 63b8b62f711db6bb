/**
 * Which waiting work each AbortSignal cancels: one 'abort' listener per signal however much
 * work shares it (a service request shares one signal among all its items and CWL jobs; a
 * resolveMany range of items that share one is a single watcher), and the group work ranks in.
 */

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

/**
 * The group work ranks in after a sandbox stop (./scheduler.ts): the one its request scope
 * gives (OPEN_REQUEST_SCOPE in ./sandbox-jobs.ts), else its signal (each signal its own group),
 * else none. A signal's own properties are never read: anyone who makes a signal could set them.
 */
export function groupOf(signal: AbortSignal | undefined, scopeGroup: object | undefined): object | undefined {
  return scopeGroup ?? signal;
}
