/**
 * The name of the sandbox process's program, for whoever starts it and for the build. The
 * resolver forks the file `dist/<name>.js` that tsup builds from ./main.ts; both read the name
 * here, so an import (not a string) leads from the resolver to the process it starts. Nothing
 * else lives here: importing this module must not run the process's main.
 */

/** The sandbox process's entry: its built file name (without `.js`) and its source. */
export const SANDBOX_PROCESS_ENTRY = { name: 'sandbox-process', source: 'src/sandbox-process/main.ts' } as const;
