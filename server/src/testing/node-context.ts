/** What node-type unit tests share: a temporary directory and a node context that records what nodes report. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type {
  DestinationContext,
  Rec,
  RecordLocation,
  SourceBatch,
  SourceContext,
  TransformContext,
} from '../node-kit/contract.ts';
import { memoryIdMap } from '../node-kit/id-map.ts';

export interface TestContext extends SourceContext, TransformContext, DestinationContext {
  rejected: { record: Rec; reason: string; location?: RecordLocation }[];
  warnings: string[];
  counts: { filtered: number; read: number };
}

/** A fresh temporary directory, removed when the test finishes. */
export async function temporaryDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'backflow-test-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A context for calling a node type directly; `dir` is its base and temp directory. */
export function testContext(dir: string, overrides: Partial<TestContext> = {}): TestContext {
  const rejected: TestContext['rejected'] = [];
  const warnings: string[] = [];
  const counts = { filtered: 0, read: 0 };
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
    idMap: memoryIdMap(),
    rejected,
    warnings,
    counts,
    reject(records, reasons, locations) {
      records.forEach((record, index) => {
        const location = locations?.[index];
        rejected.push({ record, reason: reasons[index] ?? '', ...(location ? { location } : {}) });
      });
    },
    filtered: (count) => {
      counts.filtered += count;
    },
    read: (count) => {
      counts.read += count;
    },
    ...overrides,
  };
}

export async function collect(batches: AsyncIterable<SourceBatch>): Promise<SourceBatch[]> {
  const collected: SourceBatch[] = [];
  for await (const batch of batches) collected.push(batch);
  return collected;
}
