import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DestinationContext, Rec, RecordLocation, SourceContext, TransformContext } from '../nodes/contract.ts';

export interface TestContext extends SourceContext, TransformContext, DestinationContext {
  rejected: { record: Rec; reason: string; location?: RecordLocation }[];
  counts: { filtered: number; read: number };
}

/** A node context for calling a node type directly in a unit test. */
export async function testContext(overrides: Partial<TestContext> = {}): Promise<TestContext> {
  const tempDir = await mkdtemp(path.join(tmpdir(), 'backflow-node-'));
  const rejected: TestContext['rejected'] = [];
  const counts = { filtered: 0, read: 0 };
  return {
    runId: 'run-1',
    flowName: 'test-flow',
    nodeId: 'node-1',
    runDate: '2026-11-24',
    tempDir,
    baseDir: tempDir,
    signal: new AbortController().signal,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    batchSize: 1000,
    rejected,
    counts,
    reject(records, reasons, locations) {
      records.forEach((record, i) => {
        rejected.push({ record, reason: reasons[i] ?? '', ...(locations?.[i] ? { location: locations[i] } : {}) });
      });
    },
    filtered: (n) => {
      counts.filtered += n;
    },
    read: (n) => {
      counts.read += n;
    },
    ...overrides,
  };
}
