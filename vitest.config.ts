import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // isolated-vm needs this flag on Node 20+; taskres passes it to its own sandbox process,
    // and tests that load isolated-vm directly get it here.
    poolOptions: { forks: { execArgv: ['--no-node-snapshot'] } },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
