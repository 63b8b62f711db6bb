/**
 * The name of the spec-checking worker's program, for the server that starts it
 * (./spec-checker.ts) and for the build: tsup builds `dist/<name>.js` from the source named
 * here. Nothing else lives here: importing this module must not run the worker.
 */

/** The spec worker's entry: its built file name (without `.js`) and its source. */
export const SPEC_WORKER_ENTRY = { name: 'service-spec-worker', source: 'src/service/spec-worker.ts' } as const;
