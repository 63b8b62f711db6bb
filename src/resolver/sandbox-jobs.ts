/**
 * How modules beside the core (`taskres/cwl`) hand their own jobs to a resolver's sandbox:
 * a method under a registered symbol, so that every copy of taskres (the ESM and CJS builds
 * of each entry) finds it on a resolver made by any other copy. It is not public API.
 *
 * A job given this way is run exactly like a resolution's: same batches, deadlines, memory
 * cap, blame and restarts. Its sources must come from the definition-time analysis
 * (src/definition/analyze-source.ts), like every source the sandbox runs.
 */
import type { Resolver } from './resolver.js';
import type { Job } from './supervisor.js';

/** The key of a resolver's `(job: Job) => void` method; it throws TASKRES_CLOSED after close(). */
export const SUBMIT_SANDBOX_JOB: unique symbol = Symbol.for('taskres.internal.submitSandboxJob') as never;

/** A resolver that can take sandbox jobs. */
export interface SandboxJobTarget {
  [SUBMIT_SANDBOX_JOB](job: Job): void;
}

/**
 * The key of a resolver's `(signal: AbortSignal, group: object) => RequestScope` method (not
 * public API; the service's door, src/service/resolution.ts). What a scope resolves, and every
 * sandbox job given to it (a CWL evaluation), follows `signal` (aborted: rejected with
 * TASKRES_ABORTED wherever it is, never run if not taken yet) and ranks with every job of
 * `group` after a sandbox stop (./scheduler.ts), instead of one group per signal. The service
 * opens one scope per request, with its caller's object as the group, so that a caller whose
 * items stopped the sandbox goes after other callers whatever request it sends next.
 *
 * This is the only way to join a group: a signal's own properties are never read (a key on
 * the signal, as before, was settable by anyone who made one).
 */
export const OPEN_REQUEST_SCOPE: unique symbol = Symbol.for('taskres.internal.openRequestScope') as never;

/**
 * The key of a request scope's `() => number` method (not public API): the sandbox stops
 * (lost processes) charged so far to the jobs of the scope's group, as ./scheduler.ts ranks
 * by them. It only grows, and a stop is counted before the outcomes of the jobs charged with
 * it are settled, so a caller that reads it once its request's outcomes are in sees every
 * stop that request caused. The service reads it to keep a record per caller that outlives
 * the group (src/service/stop-record.ts): an observed fact, not a guess from error codes.
 */
export const READ_GROUP_STOPS: unique symbol = Symbol.for('taskres.internal.readGroupStops') as never;

/** A scope that tells the stops charged to its group. */
export interface GroupStopsReader {
  [READ_GROUP_STOPS](): number;
}

/**
 * A resolver seen through one request: its `resolve` and `resolveMany` take no signal of their
 * own (the scope's applies; one given is TASKRES_INVALID_ARGS), and `close()` rejects (the
 * scope does not own the resolver). It is a {@link Resolver}, so that `taskres/cwl` takes it.
 */
export type RequestScope = Resolver & SandboxJobTarget & GroupStopsReader;

/** A resolver that can open request scopes. */
export interface RequestScopeTarget {
  [OPEN_REQUEST_SCOPE](signal: AbortSignal, group: object): RequestScope;
}
