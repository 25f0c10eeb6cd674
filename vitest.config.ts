import { defineConfig } from 'vitest/config';

/**
 * Four suites, each a vitest project: `vitest run` runs them all (what `npm test` does), and
 * `vitest run --project unit` runs the fast set beside the code for the edit loop. Throughput is
 * measured by `npm run bench` (test/bench), never here.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB files and child processes make the suites heavy; two workers fit the 2-core machine.
    maxWorkers: 2,
    env: { GCE_METADATA_HOST: '127.0.0.1:9' },
    // One demo warehouse per project's run, copied into each test server's base directory.
    globalSetup: ['server/src/testing/demo-warehouse-setup.ts'],
    projects: [
      {
        extends: true,
        // Beside the code, in process, small data, no child process: the whole set in under a minute.
        // Files share their worker's modules (no isolation): loading the server, DuckDB and ajv once
        // per worker instead of once per file takes the set from about 113 to 66 s of CPU (61 to 47 s
        // on the clock, 2 cores). So a test restores what it changes globally (timers, environment
        // variables, listeners), as every one here does.
        test: {
          name: 'unit',
          isolate: false,
          include: [
            'flow-model/src/**/*.test.ts',
            'transforms/src/**/*.test.ts',
            'server/src/**/*.test.ts',
            'server/bin/**/*.test.ts',
            'web/src/**/*.test.ts',
            'web/scripts/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        // Whole flows: the CLI and the server as child processes, the API and the engine on the demo warehouse.
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] },
      },
      {
        extends: true,
        // The editor in Debian's Chromium (skipped loudly without it, failing under CI=true).
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'] },
      },
      {
        extends: true,
        // The stand-ins for external services (the GCS sandbox) checked against the real protocols.
        test: { name: 'sandbox', include: ['test/sandboxes/**/*.test.ts'] },
      },
    ],
  },
});
