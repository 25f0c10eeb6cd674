import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { describe, expect, it } from 'vitest';
import { filesDestination } from '../connectors/files/destination.ts';
import { createFlowValidator } from '../flow/validate.ts';
import { defineDestination } from '../node-kit/contract.ts';
import type { Manifest } from '../node-kit/manifest.ts';
import { findNodeType } from '../nodes/registry.ts';
import { findMemoryNodeType } from '../testing/memory-nodes.ts';
import { MemoryRecorder } from '../testing/memory-recorder.ts';
import { temporaryDirectory } from '../testing/node-context.ts';
import { runValidFlow } from '../testing/run-graph.ts';
import type { ExecuteOptions } from './executor.ts';

/** files.destination whose pruning always fails, to show a retention failure leaves the run succeeded. */
const brokenRetention = defineDestination({
  ...filesDestination,
  type: 'broken-retention.destination',
  retain: async () => {
    throw new Error('permission denied');
  },
});

const validate = createFlowValidator(
  (type) =>
    findMemoryNodeType(type) ?? findNodeType(type) ?? (type === brokenRetention.type ? brokenRetention : undefined),
);

function backupFlow(
  source: Record<string, unknown>,
  destination: Record<string, unknown>,
  type = 'files.destination',
): Flow {
  return {
    name: 'nightly',
    settings: { batchSize: 100 },
    nodes: [
      { id: 'src', type: 'memory.source', config: source },
      { id: 'csv', type: 'csv.format', config: {} },
      { id: 'archive', type, config: { dir: 'backups/{flow}/{runId}', ...destination } },
    ],
    edges: [
      { from: 'src', to: 'csv' },
      { from: 'csv', to: 'archive' },
    ],
  };
}

describe('retention after a run', () => {
  it('keeps the last keepLast run directories with their manifests; a failed or dry run prunes nothing', async () => {
    const dir = await temporaryDirectory();
    const backups = path.join(dir, 'backups/nightly');
    const recorder = new MemoryRecorder();
    const run = (runId: string, flow: Flow, extra: Partial<ExecuteOptions> = {}) =>
      runValidFlow(validate, flow, { baseDir: dir, tempRoot: path.join(dir, '.tmp'), runId, recorder, ...extra });

    for (const runId of ['run-1', 'run-2', 'run-3', 'run-4']) {
      const { result } = await run(runId, backupFlow({ rows: 250 }, { keepLast: 2 }));
      expect(result.status).toBe('succeeded');
    }
    expect((await readdir(backups)).sort()).toEqual(['run-3', 'run-4']);
    for (const runId of ['run-3', 'run-4']) {
      const manifest = JSON.parse(await readFile(path.join(backups, runId, '_manifest.json'), 'utf8')) as Manifest;
      expect(manifest).toMatchObject({ complete: true, flow: 'nightly', runId, rows: 250 });
    }
    expect(recorder.logs.filter((line) => line.includes('pruned'))).toEqual([
      `info archive pruned 1 older backup(s): ${path.join(backups, 'run-1')}`,
      `info archive pruned 1 older backup(s): ${path.join(backups, 'run-2')}`,
    ]);

    // The source fails after two batches: run-5 stays incomplete and nothing older is pruned.
    const failed = await run('run-5', backupFlow({ rows: 250, failAfterBatches: 2 }, { keepLast: 1 }));
    expect(failed.result.status).toBe('failed');
    expect((await readdir(backups)).sort()).toEqual(['run-3', 'run-4', 'run-5']);
    expect(await readdir(path.join(backups, 'run-5'))).not.toContain('_manifest.json');

    // A dry run writes nothing, so it prunes nothing either.
    const dry = await run('run-6', backupFlow({ rows: 250 }, { keepLast: 1 }), { dryRun: true });
    expect(dry.result.status).toBe('succeeded');
    expect((await readdir(backups)).sort()).toEqual(['run-3', 'run-4', 'run-5']);

    // The next successful run with keepLast 1 keeps only itself, and still not the incomplete run-5.
    const { result } = await run('run-7', backupFlow({ rows: 250 }, { keepLast: 1 }));
    expect(result.status).toBe('succeeded');
    expect((await readdir(backups)).sort()).toEqual(['run-5', 'run-7']);
  });

  it('logs a retention failure as a warning of the node, and the run still succeeds', async () => {
    const dir = await temporaryDirectory();
    const flow = backupFlow({ rows: 10 }, { keepLast: 1 }, brokenRetention.type);
    const { result, recorder } = await runValidFlow(validate, flow, { baseDir: dir, tempRoot: path.join(dir, '.tmp') });
    expect(result.status).toBe('succeeded');
    expect(result.error).toBeUndefined();
    expect(recorder.logs.filter((line) => line.startsWith('warn'))).toEqual([
      'warn archive node "archive": pruning older backups failed (the run still succeeded): permission denied',
    ]);
    expect(await readdir(path.join(dir, 'backups/nightly/run-1'))).toContain('_manifest.json');
  });
});
