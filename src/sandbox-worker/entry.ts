/**
 * The name of the sandbox worker thread's program, for the sandbox process that starts it and
 * for the build: the thread pool loads `dist/<name>.js`, which tsup builds from ./main.ts, so an
 * import (not a string) leads from the process to the thread it starts. Nothing else lives
 * here: importing this module must not run the worker's main.
 */

/** The sandbox worker's entry: its built file name (without `.js`) and its source. */
export const SANDBOX_WORKER_ENTRY = { name: 'sandbox-worker', source: 'src/sandbox-worker/main.ts' } as const;
