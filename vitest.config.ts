import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'flow-model/src/**/*.test.ts',
      'transforms/src/**/*.test.ts',
      'server/src/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/sandboxes/**/*.test.ts',
      'test/browser/**/*.test.ts',
      'web/src/**/*.test.ts',
      'web/scripts/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB files and child processes make the suites heavy; two workers fit the 2-core machine.
    maxWorkers: 2,
    env: { GCE_METADATA_HOST: '127.0.0.1:9' },
  },
});
