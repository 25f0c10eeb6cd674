import { afterEach, describe, expect, it } from 'vitest';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';

afterEach(closeTempStores);

describe('RunRepository', () => {
  it('keeps runs, their summary and error across reopening the file', async () => {
    const { store: first, dataDir } = await openTempStore();
    await first.runs.create({
      id: 'r1',
      flowName: 'f',
      flow: { name: 'f' },
      dryRun: false,
      startedAt: '2026-01-01T00:00:00.000Z',
    });
    await first.runs.finish('r1', 'failed', { nodes: { a: { read: 3 } } }, { code: 'source_failed', message: 'boom' });
    await first.close();
    const { store: second } = await openTempStore(dataDir);
    const run = await second.runs.get('r1');
    expect(run).toMatchObject({
      id: 'r1',
      flowName: 'f',
      status: 'failed',
      attempts: 1,
      summary: { nodes: { a: { read: 3 } } },
      error: { code: 'source_failed', message: 'boom' },
    });
    expect(await second.runs.latestUnfinished('f')).toMatchObject({ id: 'r1' });
    await second.runs.restart('r1', { nodes: { a: 'h1' }, edges: 'e1' });
    expect(await second.runs.get('r1')).toMatchObject({
      status: 'running',
      attempts: 2,
      fingerprint: { nodes: { a: 'h1' }, edges: 'e1' },
    });
  });

  it('offers no run to resume once the latest run succeeded', async () => {
    const { store } = await openTempStore();
    await store.runs.create({
      id: 'old',
      flowName: 'f',
      flow: {},
      dryRun: false,
      startedAt: '2026-01-01T00:00:00.000Z',
    });
    await store.runs.create({
      id: 'new',
      flowName: 'f',
      flow: {},
      dryRun: false,
      startedAt: '2026-01-02T00:00:00.000Z',
    });
    await store.runs.finish('new', 'succeeded', {});
    expect(await store.runs.latestUnfinished('f')).toBeUndefined();
  });
});
