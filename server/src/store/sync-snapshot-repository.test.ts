/**
 * Diffing snapshots in the store: a batch classified against what the destination was last sent,
 * hashes taken only when acknowledged, the keys a run did not see listed for a mirror's deletes,
 * and each flow and destination node with snapshots of its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';
import type { KeyedHash } from './sync-snapshot-repository.ts';

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

    const vanished: string[] = [];
    for (let page = await second.vanished('customers', { limit: 200 }); page.length > 0; ) {
      vanished.push(...page);
      page = await second.vanished('customers', { after: page[page.length - 1]!, limit: 200 });
    }
    expect(vanished.map((key) => JSON.parse(key)[0]).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 500 }, (_, i) => 1_501 + i),
    );
    await second.forget('customers', vanished);
    expect(await second.vanished('customers', { limit: 10 })).toEqual([]);

    // Another node, another flow and another stream have snapshots of their own.
    expect(
      new Set(await store.syncSnapshots.forRun('flow:f', 'sheet', 'run-2').classify('customers', rows(1, 3))),
    ).toEqual(new Set(['new']));
    expect(
      new Set(await store.syncSnapshots.forRun('flow:g', 'crm', 'run-2').classify('customers', rows(1, 3))),
    ).toEqual(new Set(['new']));
    expect(new Set(await second.classify('orders', rows(1, 3)))).toEqual(new Set(['new']));
  });

  it('keeps the last row of a key sent twice in one acknowledged batch', async () => {
    const { store } = await openTempStore();
    const run = store.syncSnapshots.forRun('flow:f', 'crm', 'run-1');
    await run.acknowledge('customers', [
      { key: '["a"]', hash: 1n },
      { key: '["a"]', hash: 2n },
    ]);
    const next = store.syncSnapshots.forRun('flow:f', 'crm', 'run-2');
    expect(await next.classify('customers', [{ key: '["a"]', hash: 2n }])).toEqual(['unchanged']);
  });
});
