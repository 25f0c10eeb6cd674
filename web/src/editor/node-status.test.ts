import { describe, expect, it } from 'vitest';
import { edgeCountLabel, nodeRunStatus } from './node-status.ts';

const counts = (read: number, written = read) => ({ read, written, rejected: 0, filtered: 0 });

describe('nodeRunStatus', () => {
  it('is waiting until records move, running while they do, done after success', () => {
    expect(nodeRunStatus(undefined, 'a', undefined)).toBeUndefined();
    expect(nodeRunStatus({ status: 'queued' }, 'a', undefined)).toBe('waiting');
    expect(nodeRunStatus({ status: 'running' }, 'a', counts(0))).toBe('waiting');
    expect(nodeRunStatus({ status: 'running' }, 'a', counts(10))).toBe('running');
    expect(nodeRunStatus({ status: 'succeeded' }, 'a', counts(10))).toBe('done');
  });

  it('blames only the node the error names when a run fails', () => {
    const run = { status: 'failed' as const, error: { code: 'x', message: 'boom', details: [], nodeId: 'b' } };
    expect(nodeRunStatus(run, 'b', counts(5))).toBe('failed');
    expect(nodeRunStatus(run, 'a', counts(5))).toBe('stopped');
    expect(nodeRunStatus(run, 'c', undefined)).toBe('waiting');
    expect(nodeRunStatus({ status: 'cancelled' }, 'a', counts(5))).toBe('stopped');
  });
});

describe('edgeCountLabel', () => {
  const edges = [
    { from: 'orders:records', to: 'csv:records', records: 200000, files: 4 },
    { from: 'csv:files', to: 'archive:files', records: 0, files: 1 },
    { from: 'csv:files', to: 'copy:files', records: 0, files: 4, rows: 200000 },
  ];
  const format = (n: number) => n.toLocaleString('en-US');

  it('shows records on a records edge and files on a files edge', () => {
    expect(edgeCountLabel(edges, 'orders:records->csv:records', 'records', format)).toBe('200,000 records');
    expect(edgeCountLabel(edges, 'csv:files->archive:files', 'files', format)).toBe('1 file');
  });

  it('adds the rows inside the files when the run knows them', () => {
    expect(edgeCountLabel(edges, 'csv:files->copy:files', 'files', format)).toBe('4 files · 200,000 rows');
  });

  it('shows nothing for an edge the run has no counts for', () => {
    expect(edgeCountLabel(edges, 'x:records->y:records', 'records', format)).toBeUndefined();
    expect(edgeCountLabel(undefined, 'orders:records->csv:records', 'records', format)).toBeUndefined();
  });
});
