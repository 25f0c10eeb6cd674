import type { Flow } from '@backflow/flow-model';
import { expect } from 'vitest';
import { type ExecuteOptions, executeRun } from '../engine/executor.ts';
import type { FlowValidation } from '../flow/validate.ts';
import { MemoryRecorder } from './memory-recorder.ts';

/** Validates `flow` (it must be valid) and runs it with an in-memory recorder; returns both. */
export async function runValidFlow(
  validate: (document: unknown) => FlowValidation,
  flow: Flow,
  options: Pick<ExecuteOptions, 'baseDir' | 'tempRoot'> & Partial<ExecuteOptions>,
) {
  const { graph, issues } = validate(flow);
  expect(issues).toEqual([]);
  const recorder = (options.recorder as MemoryRecorder | undefined) ?? new MemoryRecorder();
  const result = await executeRun({
    runId: 'run-1',
    flow,
    graph: graph!,
    startedAt: '2026-11-24T00:00:00.000Z',
    ...options,
    recorder,
  });
  return { result, recorder };
}
