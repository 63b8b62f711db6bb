/**
 * The start handshake: the first thing a sandbox process tells the resolver is that it is
 * ready (isolated-vm loaded, the first worker thread up with its isolate), or why it cannot
 * run. Until then the resolver sends it no work, so a process that dies at start is never
 * taken for one that a resource function killed. Then `threads-up` says every thread is up;
 * a thread that fails to start before that is reported as a failed start (a crash marked
 * `starting`), not charged to the work in flight.
 */
import type { IsolatedVmProblem } from '../sandbox-worker/load-ivm.js';

/** Which isolated-vm a ready sandbox process loaded. */
export interface LoadedIsolatedVm {
  /** The name it is installed under (`isolated-vm` or an alias). */
  specifier: string;
  version: string | undefined;
  location: string | undefined;
}

/** The sandbox process's answer at start. */
export type StartReport =
  /** Ready for batches; `startMs` is from the process's start to its first worker up. */
  | { t: 'ready'; isolatedVm: LoadedIsolatedVm; startMs: number; phases: StartPhases }
  /** Every worker thread is up (`phases`: the last one's steps, and `allThreadsUp`). */
  | { t: 'threads-up'; phases: StartPhases }
  /** It cannot run, and never will in this installation: the resolver must not restart it. */
  | { t: 'unavailable'; problem: IsolatedVmProblem };

/**
 * When each step of a start ended, in ms of wall-clock time (`performance.timeOrigin +
 * performance.now()`, comparable across processes to a fraction of a ms): for the cold-start
 * benchmark and `taskres doctor`, never for decisions.
 */
export type StartPhases = Record<string, number>;

/** The wall-clock time now, in ms with fractions (see StartPhases). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
