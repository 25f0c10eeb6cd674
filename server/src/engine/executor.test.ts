import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFlowValidator } from '../flow/validate.ts';
import { findMemoryNodeType, memoryTables } from '../testing/memory-nodes.ts';
import { runValidFlow } from '../testing/run-graph.ts';
import type { ExecuteOptions } from './executor.ts';

const validate = createFlowValidator(findMemoryNodeType);

async function run(flow: Flow, extra: Partial<ExecuteOptions> = {}) {
  const tempRoot = await mkdtemp(path.join(tmpdir(), 'backflow-engine-'));
  return runValidFlow(validate, flow, { baseDir: process.cwd(), tempRoot, ...extra });
}

function linearFlow(rows: number, destination: Record<string, unknown>, settings: Flow['settings'] = {}): Flow {
  return {
    name: 'linear',
    settings: { batchSize: 1000, ...settings },
    nodes: [
      { id: 'src', type: 'memory.source', config: { rows } },
      { id: 'dst', type: 'memory.destination', config: destination },
    ],
    edges: [{ from: 'src', to: 'dst' }],
  };
}

function groupedFlow(sourceConfig: Record<string, unknown>, groupRows: number): Flow {
  return {
    name: 'grouped',
    settings: { batchSize: 1000, checkpointIntervalMs: 0 },
    nodes: [
      { id: 'src', type: 'memory.source', config: sourceConfig },
      { id: 'group', type: 'memory.group', config: { groupRows } },
      { id: 'dst', type: 'memory.files-destination', config: { name: 'parts' } },
    ],
    edges: [
      { from: 'src', to: 'group' },
      { from: 'group', to: 'dst' },
    ],
  };
}

beforeEach(() => memoryTables.clear());

describe('executeRun', () => {
  it('delivers every record exactly once and reconciles the counts of every node and edge', async () => {
    const { result } = await run(linearFlow(25_500, { name: 'out' }));
    expect(result.status).toBe('succeeded');
    const ids = memoryTables.get('out')!.records.map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 25_500 }, (_, i) => i + 1));
    expect(result.stats.nodes.src).toEqual({ read: 25_500, written: 25_500, rejected: 0, filtered: 0 });
    expect(result.stats.nodes.dst).toEqual({ read: 25_500, written: 25_500, rejected: 0, filtered: 0 });
    expect(result.stats.edges).toEqual([{ from: 'src:records', to: 'dst:records', records: 25_500, files: 0 }]);
    expect(memoryTables.get('out')!.committed).toBe(true);
  });

  it('saves a checkpoint only when no node holds buffered records, with the states that match it', async () => {
    const { result, recorder } = await run(groupedFlow({ rows: 10_000 }, 3000));
    expect(result.status).toBe('succeeded');
    const final = recorder.checkpoints.at(-1)!;
    // The last one marks the source ended and its destination prepared, every record through.
    expect(final).toMatchObject({ finished: true, cursor: 10_000, states: { group: { part: 5 } } });
    expect(final.stats.nodes.dst!.read).toBe(10_000);
    const during = recorder.checkpoints.slice(0, -1);
    expect(during.length).toBeGreaterThan(0);
    for (const checkpoint of during) {
      expect(checkpoint.finished).toBeUndefined();
      const cursor = checkpoint.cursor as number;
      // Parts are 3,000 rows: a checkpoint between parts is the only safe one.
      expect(cursor % 3000).toBe(0);
      expect(checkpoint.states.group).toEqual({ part: cursor / 3000 + 1 });
      expect(checkpoint.stats.nodes.dst!.read).toBe(cursor);
    }
    const parts = memoryTables.get('parts')!.files;
    expect([...parts.keys()]).toEqual(['part-1', 'part-2', 'part-3', 'part-4']);
    expect(parts.get('part-4')).toEqual(Array.from({ length: 1000 }, (_, i) => 9001 + i));
  });

  it('resumes a crashed run from its checkpoint with no record lost or duplicated', async () => {
    const crashed = await run(groupedFlow({ rows: 10_000, failAfterBatches: 7 }, 3000));
    expect(crashed.result.status).toBe('failed');
    expect(crashed.result.error?.context.nodeId).toBe('src');
    expect(crashed.result.error?.message).toContain('source connection lost');
    const resumeFrom = crashed.recorder.latest();
    expect(resumeFrom.map((c) => c.cursor)).toEqual([6000]);

    const resumed = await run(groupedFlow({ rows: 10_000 }, 3000), { resume: resumeFrom });
    expect(resumed.result.status).toBe('succeeded');
    const parts = memoryTables.get('parts')!.files;
    const ids = [...parts.values()].flat().sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect([...parts.keys()].sort()).toEqual(['part-1', 'part-2', 'part-3', 'part-4']);
    expect(resumed.result.stats.nodes.src).toEqual({ read: 10_000, written: 10_000, rejected: 0, filtered: 0 });
    expect(resumed.result.stats.nodes.dst).toMatchObject({ read: 10_000, written: 10_000, files: 4 });
  });

  it('counts records a destination refuses as rejected, stores them with reasons, and still reconciles', async () => {
    const flow = linearFlow(1000, { name: 'out' });
    flow.nodes[0]!.config = { rows: 1000, rejectEvery: 100 };
    const { result, recorder } = await run(flow);
    expect(result.status).toBe('succeeded');
    expect(memoryTables.get('out')!.records).toHaveLength(990);
    expect(recorder.rejected.map((r) => r.reasons[0])).toEqual(
      Array.from({ length: 10 }, (_, i) => `row ${(i + 1) * 100} refused`),
    );
    expect(recorder.rejected.every((r) => r.nodeId === 'dst')).toBe(true);
    expect(result.stats.nodes.dst).toEqual({ read: 1000, written: 990, rejected: 10, filtered: 0 });
  });

  it('fails the run once more records are rejected than settings.maxRejected allows', async () => {
    const flow = linearFlow(5000, { name: 'out' }, { maxRejected: 3 });
    flow.nodes[0]!.config = { rows: 5000, rejectEvery: 100 };
    const { result } = await run(flow);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('too_many_rejected');
  });

  it('fails the run with the node id when a destination cannot write, and stops reading', async () => {
    const { result } = await run(linearFlow(50_000, { name: 'out', failOnSeq: 3 }));
    expect(result.status).toBe('failed');
    expect(result.error?.context.nodeId).toBe('dst');
    expect(result.error?.message).toBe('node "dst" failed: disk full at batch 3');
    expect(memoryTables.get('out')!.records).toHaveLength(2000);
    expect(memoryTables.get('out')!.committed).toBe(false);
  });

  it('reports cancellation when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result } = await run(linearFlow(1000, { name: 'out' }), { signal: controller.signal });
    expect(result.status).toBe('cancelled');
    expect(memoryTables.get('out')?.committed ?? false).toBe(false);
  });
});
