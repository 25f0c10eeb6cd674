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

describe('CheckpointRepository verification and last run cursors', () => {
  it("keeps a finished checkpoint's verification report exactly", async () => {
    const { store } = await openTempStore();
    const verification = {
      dst: [
        {
          stream: 'orders',
          target: 'public.orders',
          source: 3,
          loaded: 3,
          rejected: 0,
          missing: 0,
          checksum: { source: '00ff', destination: '00ff' },
          ok: true,
        },
      ],
    };
    const checkpoint = { sourceId: 's', seq: 2, cursor: 7, states: {}, stats: { nodes: {}, edges: [] }, savedAt: 'x' };
    await store.checkpoints.save('r', { ...checkpoint, finished: true, verification });
    expect(await store.checkpoints.load('r')).toEqual([{ ...checkpoint, finished: true, verification }]);
  });

  it('finds the finished cursors of the latest succeeded run only, skipping null cursors', async () => {
    const { store } = await openTempStore();
    const stats = { nodes: {}, edges: [] };
    const at = (minute: number) => `2026-01-01T00:0${minute}:00.000Z`;
    const add = async (
      id: string,
      status: 'succeeded' | 'failed',
      minute: number,
      cursor: unknown,
      flowId?: string,
    ) => {
      await store.runs.create({
        id,
        flowName: 'f',
        flow: {},
        dryRun: false,
        startedAt: at(minute),
        fingerprint: { nodes: { s: 'source as it ran', t: 'other' }, edges: 'e' },
        ...(flowId ? { flowId } : {}),
      });
      await store.checkpoints.save(id, {
        sourceId: 's',
        seq: 1,
        cursor,
        states: {},
        stats,
        savedAt: 'x',
        finished: true,
      });
      await store.checkpoints.save(id, {
        sourceId: 't',
        seq: 1,
        cursor: null,
        states: {},
        stats,
        savedAt: 'x',
        finished: true,
      });
      await store.runs.finish(id, status, {});
    };
    await add('r1', 'succeeded', 1, { key: ['zoë', '9007199254740993'] });
    await add('r2', 'failed', 2, { key: ['later'] });
    await add('r3', 'succeeded', 3, { key: ['flow id run'] }, 'fl_1');
    expect(await store.lastRunCursors({ flowName: 'f' })).toEqual({ s: { key: ['zoë', '9007199254740993'] } });
    expect(await store.lastRunCursors({ flowName: 'f', flowId: 'fl_1' })).toEqual({ s: { key: ['flow id run'] } });
    expect(await store.lastRunCursors({ flowName: 'g' })).toEqual({});
    // A source changed since (another table, another cursor column) starts over; an unchanged one continues.
    const same = { nodes: { s: 'source as it ran', t: 'other' }, edges: 'e2' };
    const changed = { nodes: { s: 'source reading another table', t: 'other' }, edges: 'e' };
    expect(await store.lastRunCursors({ flowName: 'f' }, same)).toEqual({ s: { key: ['zoë', '9007199254740993'] } });
    expect(await store.lastRunCursors({ flowName: 'f' }, changed)).toEqual({});
  });
});
