import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFlowValidator } from '../flow/validate.ts';
import { RowChecksum, rowHash } from '../node-kit/verification.ts';
import { findMemoryNodeType, memoryTables } from '../testing/memory-nodes.ts';
import { runValidFlow } from '../testing/run-graph.ts';
import type { ExecuteOptions } from './executor.ts';
import { describeMismatch, mismatchOf } from './verification-report.ts';

const validate = createFlowValidator(findMemoryNodeType);

async function run(flow: Flow, extra: Partial<ExecuteOptions> = {}) {
  const tempRoot = await mkdtemp(path.join(tmpdir(), 'backflow-verify-'));
  return runValidFlow(validate, flow, { baseDir: process.cwd(), tempRoot, ...extra });
}

/** One source feeding two destinations, each verifying what it received. */
function hubFlow(source: Record<string, unknown>, second: Record<string, unknown> = {}): Flow {
  return {
    name: 'verified',
    settings: { batchSize: 4 },
    nodes: [
      { id: 'src', type: 'memory.source', config: source },
      { id: 'left', type: 'memory.destination', config: { name: 'left', verify: {} } },
      { id: 'right', type: 'memory.destination', config: { name: 'right', verify: {}, ...second } },
    ],
    edges: [
      { from: 'src', to: 'left' },
      { from: 'src', to: 'right' },
    ],
  };
}

/** The checksum of rows 1..n less the rejected ones, as memory.destination hashes them. */
function checksumOf(ids: number[]): string {
  const checksum = new RowChecksum();
  for (const id of ids) checksum.add(rowHash([id, `row ${id}`], ['INTEGER', 'VARCHAR']));
  return checksum.hex;
}

beforeEach(() => memoryTables.clear());

describe('the verification report', () => {
  it("collects every destination's report after prepare, with counts and checksums of the data", async () => {
    const { result, recorder } = await run(hubFlow({ rows: 10, rejectEvery: 5 }));
    expect(result.status).toBe('succeeded');
    const kept = [1, 2, 3, 4, 6, 7, 8, 9];
    const expected = {
      stream: 'rows',
      source: 10,
      loaded: 8,
      rejected: 2,
      missing: 0,
      checksum: { source: checksumOf(kept), destination: checksumOf(kept) },
      ok: true,
    };
    expect(result.verification).toEqual({
      left: [{ ...expected, target: 'left.rows' }],
      right: [{ ...expected, target: 'right.rows' }],
    });
    // Saved with the source's finished checkpoint, so a resume after a failed publish still has it.
    expect(recorder.latest().find((c) => c.finished)?.verification).toEqual(result.verification);
  });

  it('fails the run with verification_failed at the node before anything is published, keeping the report', async () => {
    const { result, recorder } = await run(hubFlow({ rows: 10 }, { verify: { corrupt: 7 } }));
    expect(result.status).toBe('failed');
    expect(result.error?.toJSON()).toMatchObject({ code: 'verification_failed', nodeId: 'right' });
    expect(result.error?.message).toContain('right.rows differs from what it received at id=7');
    expect(result.verification?.right).toEqual([
      expect.objectContaining({
        source: 10,
        loaded: 10,
        missing: 0,
        ok: false,
        firstDifference: { key: 'id=7', message: 'name differs' },
      }),
    ]);
    expect(result.verification?.right?.[0]?.checksum?.source).toBe(checksumOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(memoryTables.get('left')!.committed).toBe(false);
    expect(memoryTables.get('right')!.committed).toBe(false);
    expect(recorder.published.size).toBe(0);
    expect(recorder.checkpoints.some((c) => c.finished)).toBe(false);
  });

  it('stops a destination that reports a mismatch without throwing, naming the table and first differing key', async () => {
    const { result } = await run(hubFlow({ rows: 6 }, { verify: { corrupt: 3, throws: false } }));
    expect(result.status).toBe('failed');
    expect(result.error?.toJSON()).toMatchObject({
      code: 'verification_failed',
      nodeId: 'right',
      details: [{ path: 'rows', message: 'right.rows: checksum differs (first differing key id=3: name differs)' }],
    });
    expect(memoryTables.get('left')!.committed).toBe(false);
  });

  it('keeps the reports of destinations prepared in an earlier attempt when a resume only publishes', async () => {
    const first = await run(hubFlow({ rows: 5 }));
    const finished = first.recorder.latest();
    memoryTables.clear();
    const { result } = await run(hubFlow({ rows: 5 }), { resume: finished });
    expect(result.status).toBe('succeeded');
    expect(result.verification).toEqual(first.result.verification);
    expect(memoryTables.get('left')!.records).toEqual([]);
  });
});

describe('describeMismatch', () => {
  const base = { stream: 's', target: 'public.s', source: 5, loaded: 3, rejected: 0, missing: 2, ok: false };

  it('says what is missing, duplicated, and which relations fall short', () => {
    expect(describeMismatch(base)).toBe('public.s: 2 row(s) missing');
    expect(describeMismatch({ ...base, loaded: 6, missing: -1 })).toBe('public.s: 1 row(s) duplicated');
    expect(
      describeMismatch({ ...base, missing: 0, relations: [{ name: 'contact→company', expected: 4, present: 3 }] }),
    ).toBe('public.s: contact→company: 3 of 4 present');
  });

  it('finds no mismatch in a report where every stream is ok', () => {
    expect(mismatchOf('dst', [{ ...base, loaded: 5, missing: 0, ok: true }])).toBeUndefined();
  });
});
