/**
 * How modules beside the core (`taskres/cwl`) hand their own jobs to a resolver's sandbox:
 * a method under a registered symbol, so that every copy of taskres (the ESM and CJS builds
 * of each entry) finds it on a resolver made by any other copy. It is not public API.
 *
 * A job given this way is run exactly like a resolution's: same batches, deadlines, memory
 * cap, blame and restarts. Its sources must come from the definition-time analysis
 * (src/definition/analyze-source.ts), like every source the sandbox runs.
 */
import type { Job } from './supervisor.js';

/** The key of a resolver's `(job: Job) => void` method; it throws TASKRES_CLOSED after close(). */
export const SUBMIT_SANDBOX_JOB: unique symbol = Symbol.for('taskres.internal.submitSandboxJob') as never;

/** A resolver that can take sandbox jobs. */
export interface SandboxJobTarget {
  [SUBMIT_SANDBOX_JOB](job: Job): void;
}

/**
 * A property an AbortSignal may carry (not public API): resolutions whose signals carry the same
 * object rank as one group after a sandbox stop (./scheduler.ts), instead of one group per
 * signal. The service marks each request's signal with its caller's object, so that a caller
 * whose items stopped the sandbox goes after other callers whatever request it sends next.
 */
export const JOB_GROUP: unique symbol = Symbol.for('taskres.internal.jobGroup') as never;
