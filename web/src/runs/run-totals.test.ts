import { describe, expect, it } from 'vitest';
import type { NodeCounts } from '../api/types.ts';
import { diffCounts, runTotals } from './run-totals.ts';

const counts = (read: number, written: number, extra: Partial<NodeCounts> = {}): NodeCounts => ({
  read,
  written,
  rejected: 0,
  filtered: 0,
  ...extra,
});

describe('runTotals', () => {
  it('sums what the sources read, what the destinations wrote and every reject, whatever the transforms did', () => {
    // csv import: the parser and the validator reject, the table and the rejects file both write.
    const totals = runTotals({
      nodes: {
        file: counts(0, 0, { files: 1 }),
        'parse:v2': counts(10, 7, { rejected: 3 }),
        check: counts(7, 5, { rejected: 2 }),
        table: counts(5, 5),
        'rejects-file': counts(5, 5, { files: 1 }),
      },
      edges: [
        { from: 'file:files', to: 'parse:v2:files', records: 0, files: 1 },
        { from: 'parse:v2:records', to: 'check:records', records: 7, files: 0 },
        { from: 'check:valid', to: 'table:records', records: 5, files: 0 },
        { from: 'check:rejected', to: 'rejects-file:files', records: 2, files: 0 },
        { from: 'parse:v2:rejected', to: 'rejects-file:files', records: 3, files: 0 },
      ],
    });
    // The file source counts files, not records: its parser's read stands for it.
    expect(totals).toEqual({ read: 10, written: 10, wouldWrite: 0, rejected: 5 });
  });

  it('counts the destinations of a dry run as would-write, never as written', () => {
    const totals = runTotals({
      nodes: {
        orders: counts(200_000, 200_000),
        'as-csv': counts(200_000, 200_000, { files: 4 }),
        archive: counts(200_000, 0, { wouldWrite: 200_000, files: 0 }),
      },
      edges: [
        { from: 'orders:records', to: 'as-csv:records', records: 200_000, files: 0 },
        { from: 'as-csv:files', to: 'archive:files', records: 0, files: 4, rows: 200_000 },
      ],
    });
    expect(totals).toEqual({ read: 200_000, written: 0, wouldWrite: 200_000, rejected: 0 });
  });

  it('is all zeros for a run that failed before any node counted', () => {
    expect(runTotals({ nodes: {}, edges: [] })).toEqual({ read: 0, written: 0, wouldWrite: 0, rejected: 0 });
  });
});

describe('diffCounts', () => {
  it('gives a diffed destination its inserts, updates, deletes and unchanged records, missing ones as 0', () => {
    expect(diffCounts(counts(5, 3, { inserted: 2, updated: 1, unchanged: 2, filtered: 2 }))).toEqual({
      inserted: 2,
      updated: 1,
      deleted: 0,
      unchanged: 2,
    });
    expect(diffCounts(counts(4, 0, { inserted: 0, updated: 0, deleted: 7, unchanged: 4 }))).toEqual({
      inserted: 0,
      updated: 0,
      deleted: 7,
      unchanged: 4,
    });
  });

  it('gives nothing for a node that does not diff', () => {
    expect(diffCounts(counts(5, 5))).toBeUndefined();
    expect(diffCounts(undefined)).toBeUndefined();
  });
});
