import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../service/flow-runner.ts';
import { printSummary } from './run-summary.ts';

afterEach(() => vi.restoreAllMocks());

/** The tables printSummary drew, in order. */
function tables(summary: RunSummary): unknown[] {
  const drawn: unknown[] = [];
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  vi.spyOn(console, 'table').mockImplementation((rows: unknown) => drawn.push(rows));
  printSummary(summary);
  vi.restoreAllMocks();
  return drawn;
}

const summary = (extra: Partial<RunSummary>): RunSummary => ({
  runId: 'r1',
  flow: 'mirror-products',
  status: 'succeeded',
  dryRun: false,
  resumed: false,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  nodes: {},
  edges: [],
  outputs: {},
  ...extra,
});

describe('the run table of `backflow run`', () => {
  it('shows a mirror’s inserted, updated, deleted and unchanged records beside the plain counts', () => {
    const [nodes] = tables(
      summary({
        nodes: {
          shop: { read: 5, written: 5, rejected: 0, filtered: 0 },
          mirror: { read: 5, written: 2, rejected: 0, filtered: 3, inserted: 1, updated: 1, deleted: 4, unchanged: 3 },
        },
      }),
    );
    expect(nodes).toEqual([
      { node: 'shop', read: 5, written: 5, rejected: 0, filtered: 0, files: '' },
      {
        node: 'mirror',
        read: 5,
        written: 2,
        rejected: 0,
        filtered: 3,
        files: '',
        inserted: 1,
        updated: 1,
        deleted: 4,
        unchanged: 3,
      },
    ]);
  });

  it('gives an upsert (no deletes counted) 0 deleted, and a dry run’s plan its deletes and unchanged', () => {
    const [nodes, plan] = tables(
      summary({
        dryRun: true,
        nodes: {
          copy: { read: 3, written: 0, wouldWrite: 1, rejected: 0, filtered: 2, inserted: 1, updated: 0, unchanged: 2 },
        },
        plan: {
          copy: [
            {
              stream: 'products',
              target: 'products',
              create: 1,
              update: 0,
              reject: 0,
              delete: 2,
              unchanged: 2,
              samples: [],
              changes: [],
            },
          ],
        },
      }),
    );
    expect(nodes).toEqual([
      expect.objectContaining({ node: 'copy', 'would write': 1, inserted: 1, updated: 0, deleted: 0, unchanged: 2 }),
    ]);
    expect(plan).toEqual([
      { object: 'products → products', create: 1, update: 0, delete: 2, unchanged: 2, reject: 0, relations: '' },
    ]);
  });
});
