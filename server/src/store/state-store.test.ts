import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from './state-store.ts';

let store: StateStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function openStore(dir?: string) {
  const dataDir = dir ?? (await mkdtemp(path.join(tmpdir(), 'backflow-store-')));
  store = await StateStore.open(dataDir);
  return { store, dataDir };
}

describe('StateStore', () => {
  it('keeps runs, their summary and error across reopening the file', async () => {
    const { store: first, dataDir } = await openStore();
    await first.createRun({
      id: 'r1',
      flowName: 'f',
      flow: { name: 'f' },
      dryRun: false,
      startedAt: '2026-01-01T00:00:00.000Z',
    });
    await first.finishRun('r1', 'failed', { nodes: { a: { read: 3 } } }, { code: 'source_failed', message: 'boom' });
    await first.close();
    const { store: second } = await openStore(dataDir);
    const run = await second.getRun('r1');
    expect(run).toMatchObject({
      id: 'r1',
      flowName: 'f',
      status: 'failed',
      attempts: 1,
      summary: { nodes: { a: { read: 3 } } },
      error: { code: 'source_failed', message: 'boom' },
    });
    expect(await second.latestUnfinishedRun('f')).toMatchObject({ id: 'r1' });
    await second.restartRun('r1', { nodes: { a: 'h1' }, edges: 'e1' });
    expect(await second.getRun('r1')).toMatchObject({
      status: 'running',
      attempts: 2,
      fingerprint: { nodes: { a: 'h1' }, edges: 'e1' },
    });
  });

  it('offers no run to resume once the latest run succeeded', async () => {
    const { store } = await openStore();
    await store.createRun({ id: 'old', flowName: 'f', flow: {}, dryRun: false, startedAt: '2026-01-01T00:00:00.000Z' });
    await store.createRun({ id: 'new', flowName: 'f', flow: {}, dryRun: false, startedAt: '2026-01-02T00:00:00.000Z' });
    await store.finishRun('new', 'succeeded', {});
    expect(await store.latestUnfinishedRun('f')).toBeUndefined();
  });

  it('replaces a source checkpoint in place and returns cursor, states and stats exactly', async () => {
    const { store } = await openStore();
    const base = { sourceId: 's', states: { fmt: { nextPart: { orders: 3 } } }, savedAt: '2026-01-01T00:00:00.000Z' };
    const stats = { nodes: { s: { read: 10, written: 10, rejected: 0, filtered: 0 } }, edges: [] };
    await store.saveCheckpoint('r', { ...base, seq: 1, cursor: ['9007199254740993', 'zoë'], stats });
    await store.saveCheckpoint('r', { ...base, seq: 2, cursor: { after: '12', part: 4 }, stats });
    expect(await store.loadCheckpoints('r')).toEqual([{ ...base, seq: 2, cursor: { after: '12', part: 4 }, stats }]);
  });

  it('stores rejected records with their reasons, file, line and the raw text of one that did not parse', async () => {
    const { store } = await openStore();
    await store.saveRejected(
      'r',
      'check',
      [
        {
          record: { email: 'x', note: 'quote " and \n newline' },
          reasons: ['/email must match format "email"'],
          file: 'a.csv',
          line: 7,
        },
        {
          record: null,
          raw: '9,"open, ""quoted"" \u{1F680}',
          reasons: ['a.csv:9: unbalanced quotes'],
          file: 'a.csv',
          line: 9,
        },
      ],
      1,
    );
    const rows = [];
    for await (const row of store.rejected('r', 2)) rows.push(row);
    expect(rows.map(({ at: _at, ...row }) => row)).toEqual([
      {
        nodeId: 'check',
        record: { email: 'x', note: 'quote " and \n newline' },
        reasons: ['/email must match format "email"'],
        file: 'a.csv',
        line: 7,
      },
      {
        nodeId: 'check',
        record: null,
        raw: '9,"open, ""quoted"" \u{1F680}',
        reasons: ['a.csv:9: unbalanced quotes'],
        file: 'a.csv',
        line: 9,
      },
    ]);
  });

  it('drops the rejects of the given nodes stored after a batch, and only those', async () => {
    const { store } = await openStore();
    const reject = (line: number) => ({ record: { line }, reasons: ['bad'], file: 'a.csv', line });
    await store.saveRejected('r', 'parse', [reject(1)], 1);
    await store.saveRejected('r', 'parse', [reject(2), reject(3)], 2);
    await store.saveRejected('r', 'check', [reject(4)], 3);
    await store.saveRejected('other', 'parse', [reject(5)], 3);
    await store.discardRejected('r', ['parse', 'check'], 1);
    const lines = async (runId: string) => {
      const found = [];
      for await (const row of store.rejected(runId)) found.push(row.line);
      return found;
    };
    expect(await lines('r')).toEqual([1]);
    expect(await lines('other')).toEqual([5]);
  });

  it('keeps whether a source finished and which destinations published', async () => {
    const { store } = await openStore();
    const stats = { nodes: {}, edges: [] };
    await store.saveCheckpoint('r', {
      sourceId: 's',
      seq: 4,
      cursor: 9,
      states: {},
      stats,
      savedAt: 'x',
      finished: true,
    });
    await store.saveCheckpoint('r', { sourceId: 't', seq: 1, cursor: null, states: {}, stats, savedAt: 'x' });
    expect((await store.loadCheckpoints('r')).map((c) => [c.sourceId, c.finished ?? false])).toEqual([
      ['s', true],
      ['t', false],
    ]);
    await store.markPublished('r', 'table');
    await store.markPublished('r', 'table');
    await store.markPublished('r', 'archive');
    expect([...(await store.published('r'))].sort()).toEqual(['archive', 'table']);
    expect(await store.published('other')).toEqual(new Set());
  });
});
