/**
 * Where the sandbox process's entry file is: dist/sandbox-process.js (named by
 * src/sandbox-process/entry.ts, built from src/sandbox-process/main.ts), beside the library file
 * that runs (dist/index.js or dist/index.cjs). An app bundler that copies the library's code
 * into the app's own file breaks that: the entry is then looked for beside the app's bundle (not
 * there), or, bundled to CommonJS from the ESM build, the library no longer knows its own URL
 * (`import.meta` is empty). Both are reported as the sandbox being unavailable, naming the fix
 * (leave taskres external), at the first resolve, instead of a crash or a function blamed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SANDBOX_PROCESS_ENTRY } from '../sandbox-process/entry.js';
import type { IsolatedVmProblem } from '../sandbox-worker/load-ivm.js';

const FIX = "leave taskres external when bundling (esbuild: --external:taskres; webpack: externals: { taskres: 'commonjs taskres' }) and install it beside the bundle, so that its dist/ files load from node_modules/taskres (README: Bundling)";

/** The entry file's path, or the problem that keeps it from being found. */
export function findSandboxEntry(): { entry: string } | IsolatedVmProblem {
  // Read here, not passed in: `import.meta.url` is this file's own location, the library's.
  const base: unknown = import.meta.url;
  if (typeof base !== 'string' || !base.startsWith('file:')) {
    return {
      cause: `taskres's code runs from ${typeof base === 'string' ? `${base.slice(0, 80)}, not a file` : 'a bundle that lost its location (import.meta.url is empty: the ESM build of taskres bundled into CommonJS)'}, so the sandbox process's entry file cannot be found`,
      fix: FIX,
    };
  }
  const entry = fileURLToPath(new URL(`./${SANDBOX_PROCESS_ENTRY.name}.js`, base));
  if (!existsSync(entry)) return { cause: `the sandbox process's entry file ${entry} does not exist (taskres's code was copied into an app bundle without its dist/ files)`, fix: FIX };
  return { entry };
}
