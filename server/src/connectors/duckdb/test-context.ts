/** What the DuckDB connector's tests share: a node context that records what nodes report, and SQL against a test file. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '@duckdb/node-api';
import { onTestFinished } from 'vitest';
import type { DestinationContext, Rec, RecordLocation, SourceBatch, SourceContext } from '../../nodes/contract.ts';
import { connectDatabase, disconnect } from './database.ts';

export interface TestContext extends SourceContext, DestinationContext {
  rejected: { record: Rec; reason: string; location?: RecordLocation }[];
  warnings: string[];
}

/** A fresh temporary directory, removed when the test finishes: each test's database files live in their own. */
export async function temporaryDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'backflow-duckdb-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A context for calling a node type directly; `dir` is its base and temp directory. */
export function testContext(dir: string, overrides: Partial<TestContext> = {}): TestContext {
  const rejected: TestContext['rejected'] = [];
  const warnings: string[] = [];
  return {
    runId: 'run-1',
    flowName: 'test-flow',
    nodeId: 'node-1',
    runDate: '2026-11-24',
    tempDir: dir,
    baseDir: dir,
    signal: new AbortController().signal,
    log: { info: () => undefined, warn: (message) => warnings.push(message), error: () => undefined },
    batchSize: 1000,
    rejected,
    warnings,
    reject(records, reasons, locations) {
      records.forEach((record, index) => {
        const location = locations?.[index];
        rejected.push({ record, reason: reasons[index] ?? '', ...(location ? { location } : {}) });
      });
    },
    ...overrides,
  };
}

export async function collect(batches: AsyncIterable<SourceBatch>): Promise<SourceBatch[]> {
  const collected: SourceBatch[] = [];
  for await (const batch of batches) collected.push(batch);
  return collected;
}

/** Runs `sql` (one or more statements) against `file` through the process's shared instance; rows of the last one. */
export async function sql(file: string, statements: string): Promise<Json[][]> {
  const connection = await connectDatabase(file, { mustExist: false, nodeId: 'test' });
  try {
    return (await connection.runAndReadAll(statements)).getRowsJson();
  } finally {
    disconnect(connection);
  }
}
