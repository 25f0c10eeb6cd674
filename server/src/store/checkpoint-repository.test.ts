import { afterEach, describe, expect, it } from 'vitest';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';

afterEach(closeTempStores);

describe('CheckpointRepository', () => {
  it('replaces a source checkpoint in place and returns cursor, states and stats exactly', async () => {
    const { store } = await openTempStore();
    const base = { sourceId: 's', states: { fmt: { nextPart: { orders: 3 } } }, savedAt: '2026-01-01T00:00:00.000Z' };
    const stats = { nodes: { s: { read: 10, written: 10, rejected: 0, filtered: 0 } }, edges: [] };
    await store.checkpoints.save('r', { ...base, seq: 1, cursor: ['9007199254740993', 'zoë'], stats });
    await store.checkpoints.save('r', { ...base, seq: 2, cursor: { after: '12', part: 4 }, stats });
    expect(await store.checkpoints.load('r')).toEqual([{ ...base, seq: 2, cursor: { after: '12', part: 4 }, stats }]);
  });

  it('keeps whether a source finished', async () => {
    const { store } = await openTempStore();
    const stats = { nodes: {}, edges: [] };
    await store.checkpoints.save('r', {
      sourceId: 's',
      seq: 4,
      cursor: 9,
      states: {},
      stats,
      savedAt: 'x',
      finished: true,
    });
    await store.checkpoints.save('r', { sourceId: 't', seq: 1, cursor: null, states: {}, stats, savedAt: 'x' });
    expect((await store.checkpoints.load('r')).map((c) => [c.sourceId, c.finished ?? false])).toEqual([
      ['s', true],
      ['t', false],
    ]);
  });
});
