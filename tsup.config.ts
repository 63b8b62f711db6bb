import { defineConfig } from 'tsup';
import { SANDBOX_PROCESS_ENTRY } from './src/sandbox-process/entry.js';
import { SANDBOX_WORKER_ENTRY } from './src/sandbox-worker/entry.js';
import { SPEC_WORKER_ENTRY } from './src/service/spec-worker-entry.js';

export default defineConfig([
  {
    // The public library: ESM and CJS, with types. `cwl` is the `taskres/cwl` subpath.
    entry: { index: 'src/index.ts', cwl: 'src/cwl/index.ts' },
    // Each entry whole, as the CJS build is: the core entry stays one file that does not
    // change for users who never import taskres/cwl (which finds a resolver's sandbox through
    // a registered symbol, and TaskresError is recognised across copies by its brand).
    splitting: false,
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    target: 'node20',
    clean: true,
    sourcemap: true,
  },
  {
    // Programs, not libraries: the CLI, and the sandbox process and worker that the resolver
    // and the process start by file name. One format is enough.
    entry: {
      cli: 'src/cli/main.ts',
      // What a module's `import 'taskres'` gets while `taskres check` loads it (one copy: it
      // re-exports `taskres`, which stays external).
      'check-hooks': 'src/loading/check-hooks.ts',
      // Named where the resolver and the sandbox process read the names (./src/*/entry.ts).
      [SANDBOX_PROCESS_ENTRY.name]: SANDBOX_PROCESS_ENTRY.source,
      [SANDBOX_WORKER_ENTRY.name]: SANDBOX_WORKER_ENTRY.source,
      // `taskres serve` checks untrusted specs in a worker thread started from this file.
      [SPEC_WORKER_ENTRY.name]: SPEC_WORKER_ENTRY.source,
    },
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    // quickjs-emscripten: a baseline of the benchmark only, loaded when installed.
    // taskres: the CLI imports the package's public entry (a self-reference that Node resolves
    // to dist/index.js), so the CLI and the module specs it loads share one copy of the library.
    external: ['quickjs-emscripten', 'taskres'],
  },
  {
    // The benchmark and the soak run from a clone only and are left out of the package (see
    // `files`). Built apart and without shared chunks, so that none of their code is in a chunk
    // the package ships.
    entry: { bench: 'bench/main.ts', soak: 'bench/soak.ts', 'cwl-bench': 'bench/cwl.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    splitting: false,
    // autocannon (a dev dependency, CommonJS with dynamic requires) is loaded from node_modules.
    external: ['quickjs-emscripten', 'taskres', 'autocannon'],
  },
]);
