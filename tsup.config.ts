import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The public library: ESM and CJS, with types.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    target: 'node20',
    clean: true,
    sourcemap: true,
  },
  {
    // Programs, not libraries: the CLI, and the sandbox process and worker that the resolver
    // starts by file name. One format is enough.
    entry: {
      cli: 'src/cli/main.ts',
      'sandbox-process': 'src/sandbox/process-main.ts',
      'sandbox-worker': 'src/sandbox/worker-main.ts',
      bench: 'bench/main.ts',
      soak: 'bench/soak.ts',
    },
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    // A baseline of the benchmark only, loaded when installed.
    external: ['quickjs-emscripten'],
  },
]);
