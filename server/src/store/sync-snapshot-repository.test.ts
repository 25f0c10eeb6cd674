/**
 * Diffing snapshots in the store: a batch classified against what the destination was last sent,
 * hashes taken only when acknowledged, the keys a run did not see listed for a mirror's deletes,
 * and each flow and destination node with snapshots of its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';
import { afterEveryBatch, type KeyedHash } from './sync-snapshot-repository.ts';

afterEach(closeTempStores);

const rows = (from: number, to: number, hashOf = (n: number) => BigInt(n) * 1_000_003n): KeyedHash[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ key: JSON.stringify([from + i]), hash: hashOf(from + i) }));

describe('sync snapshots', () => {
  it('classifies new, changed and unchanged rows, advancing only on acknowledgement, and lists what vanished', async () => {
    const { store } = await openTempStore();
    const first = store.syncSnapshots.forRun('flow:f', 'crm', 'run-1');
    expect(new Set(await first.classify('customers', rows(1, 2_500)))).toEqual(new Set(['new']));
    // Only the first 2,000 were acknowledged: the rest stay new for the next run, which retries them.
    await first.acknowledge('customers', rows(1, 2_000));
    // Acknowledged rows go into the snapshot when the run ends, in one join.
    expect(new Set(await first.classify('customers', rows(1, 3)))).toEqual(new Set(['new']));
    await first.applyLanded();

    const second = store.syncSnapshots.forRun('flow:f', 'crm', 'run-2');
    // Rows 1–1,000 unchanged, 1,001–1,500 changed (another hash), 1,501–2,000 vanish, 2,001–2,600 new.
    const batch = [...rows(1, 1_000), ...rows(1_001, 1_500, (n) => BigInt(n) + 7n), ...rows(2_001, 2_600)];
    const changes = await second.classify('customers', batch, { noteSeen: true });
    const counts = changes.reduce<Record<string, number>>((tally, change) => {
      tally[change] = (tally[change] ?? 0) + 1;
      return tally;
    }, {});
    expect(counts).toEqual({ unchanged: 1_000, changed: 500, new: 600 });
    expect(changes[0]).toBe('unchanged');
    expect(changes[1_000]).toBe('changed');
    expect(changes[1_500]).toBe('new');

    const vanished = await listed(second.vanished('customers', 200));
    expect(vanished.map((page) => page.length)).toEqual([200, 200, 100]);
    expect(
      vanished
        .flat()
        .map((key) => JSON.parse(key)[0])
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 500 }, (_, i) => 1_501 + i));
    // The destination's own keys: of these, the ones the run did not see.
    expect(await second.unseen('customers', ['[1]', '[1600]', '[2600]', '[9999]'])).toEqual(['[1600]', '[9999]']);
    await second.forget('customers', vanished.flat());
    await second.applyLanded();
    expect(await listed(second.vanished('customers', 10))).toEqual([]);
    expect(await second.streams()).toEqual(['customers']);

    // Another node, another flow and another stream have snapshots of their own.
    expect(
      new Set(await store.syncSnapshots.forRun('flow:f', 'sheet', 'run-2').classify('customers', rows(1, 3))),
    ).toEqual(new Set(['new']));
    expect(
      new Set(await store.syncSnapshots.forRun('flow:g', 'crm', 'run-2').classify('customers', rows(1, 3))),
    ).toEqual(new Set(['new']));
    expect(new Set(await second.classify('orders', rows(1, 3)))).toEqual(new Set(['new']));
  });

  it('stages rows and deletes until the run publishes, forgets what a resumed run replays, and clears seen keys', async () => {
    const { store } = await openTempStore();
    const first = store.syncSnapshots.forRun('flow:f', 'db', 'run-1');
    await first.acknowledge('customers', rows(1, 10));
    await first.applyLanded();
    const second = store.syncSnapshots.forRun('flow:f', 'db', 'run-2');
    await second.classify('customers', rows(1, 8), { noteSeen: true });
    await second.stage(
      'customers',
      rows(1, 2, (n) => BigInt(n) + 1n),
      1,
    );
    await second.stage('customers', rows(11, 12), 2);
    await second.stageForget('customers', ['[9]', '[10]'], afterEveryBatch);
    // Nothing moves before the publish: 9 and 10 are still held, 11 still new.
    const third = store.syncSnapshots.forRun('flow:f', 'db', 'run-3');
    expect(await third.classify('customers', [...rows(9, 11)])).toEqual(['unchanged', 'unchanged', 'new']);
    // A resume after batch 1 replays batch 2 and the deletes: they are staged again then.
    await second.discardStagedAfter(1);
    await second.stage('customers', rows(11, 12), 2);
    await second.stageForget('customers', ['[9]', '[10]'], afterEveryBatch);
    await second.unstage(['[12]']);
    await second.publishStaged();
    expect(
      await third.classify('customers', [...rows(1, 2, (n) => BigInt(n) + 1n), ...rows(9, 12), ...rows(3, 3)]),
    ).toEqual(['unchanged', 'unchanged', 'new', 'new', 'unchanged', 'new', 'unchanged']);
    // Seen keys: a mirror's vanished list is this run's alone, and gone once cleared.
    expect((await listed(second.vanished('customers', 100))).flat()).toEqual(['[11]']);
    await second.clearSeen();
    expect((await listed(second.vanished('customers', 100))).flat()).toHaveLength(9);
  });

  it('keeps the last row of a key acknowledged twice, in one batch or in several', async () => {
    const { store } = await openTempStore();
    const run = store.syncSnapshots.forRun('flow:f', 'crm', 'run-1');
    await run.acknowledge('customers', [
      { key: '["a"]', hash: 1n },
      { key: '["a"]', hash: 2n },
    ]);
    await run.acknowledge('customers', [{ key: '["a"]', hash: 3n }]);
    await run.acknowledge('customers', [{ key: '["a"]', hash: 4n }]);
    await run.applyLanded();
    const next = store.syncSnapshots.forRun('flow:f', 'crm', 'run-2');
    expect(await next.classify('customers', [{ key: '["a"]', hash: 4n }])).toEqual(['unchanged']);
  });
});

async function listed(pages: AsyncIterable<string[]>): Promise<string[][]> {
  const all: string[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}
