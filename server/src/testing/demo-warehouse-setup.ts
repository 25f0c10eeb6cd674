/**
 * Vitest global setup: a directory for this test run's one demo warehouse. The first test that needs
 * it builds it there, and each test server (and each test reading the warehouse) gets a copy
 * (demo-warehouse.ts): a build costs seconds of CPU, a copy a few milliseconds. Removed when the
 * run ends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where this run's demo warehouse is built on first use. */
    demoWarehouse: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'backflow-test-demo-'));
  project.provide('demoWarehouse', path.join(dir, 'warehouse.duckdb'));
  return () => rm(dir, { recursive: true, force: true });
}
