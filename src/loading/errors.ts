/**
 * The two ways loading what a user named can fail besides a task definition's own
 * `TaskresError`: a mistake in how the command was called or in a file it was given (the CLI
 * exits 2), and a module that threw while loading for a reason of its own (the CLI exits 1).
 * The service turns both into problems of its start-up.
 */

/** A mistake in how the CLI was called or in a file it was given (exit code 2). */
export class UsageError extends Error {}

/** A module spec that failed to load for a reason of its own (exit code 1). */
export class SpecError extends Error {}
