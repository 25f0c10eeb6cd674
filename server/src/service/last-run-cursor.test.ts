/**
 * The incremental start point: each source gets the cursor it ended at in the flow's last
 * succeeded run (`ctx.lastRunCursor`), kept in the store with that run; failed and dry runs never
 * move it, and `fullResync` reads everything again.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCatalog } from '../nodes/registry.ts';
import {
  memoryDestination,
  memorySource,
  memorySourceCrashes,
  memorySourceRows,
  memorySourceStarts,
  memoryTables,
} from '../testing/memory-nodes.ts';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';
import { type RunFlowOptions, runFlow } from './flow-runner.ts';

const catalog = createCatalog([memorySource, memoryDestination]);

/**
 * Two incremental sources (rows 1..n and 1..2n) into one destination per source. The tables grow
 * between runs (`memorySourceRows`) while the flow stays the same: a source whose config changed
 * would start over.
 */
function flow(rows: number, extra: { failAfterBatches?: number; name?: string } = {}): Flow {
  memorySourceRows.set('orders', rows);
  memorySourceRows.set('items', rows * 2);
  if (extra.failAfterBatches === undefined) memorySourceCrashes.delete('orders');
  else memorySourceCrashes.set('orders', extra.failAfterBatches);
  const source = { rows: 0, incremental: true };
  return {
    name: extra.name ?? 'orders-sync',
    settings: { batchSize: 2 },
    nodes: [
      { id: 'orders', type: 'memory.source', config: source },
      { id: 'items', type: 'memory.source', config: { rows: 0, incremental: true } },
      { id: 'orders-out', type: 'memory.destination', config: { name: 'orders' } },
      { id: 'items-out', type: 'memory.destination', config: { name: 'items' } },
    ],
    edges: [
      { from: 'orders', to: 'orders-out' },
      { from: 'items', to: 'items-out' },
    ],
  };
}

async function setUp() {
  const { store, dataDir } = await openTempStore();
  const baseDir = await mkdtemp(path.join(tmpdir(), 'backflow-incremental-'));
  const run = (document: Flow, options: Partial<RunFlowOptions> = {}) => {
    memoryTables.clear();
    memorySourceStarts.splice(0);
    return runFlow({ store, document, catalog, baseDir, dataDir, ...options });
  };
  return { store, run };
}

/** What each source started from in the latest run, and the ids each destination received. */
function observed() {
  return {
    starts: Object.fromEntries(memorySourceStarts.map((s) => [s.nodeId, s.lastRunCursor])),
    orders: memoryTables.get('orders')?.records.map((r) => r.id),
    items: memoryTables.get('items')?.records.map((r) => r.id),
  };
}

beforeEach(() => memorySourceStarts.splice(0));
afterEach(async () => {
  memorySourceRows.clear();
  memorySourceCrashes.clear();
  await closeTempStores();
});

describe('lastRunCursor', () => {
  it("gives each source the cursor it ended at in the flow's last succeeded run, and nothing on the first", async () => {
    const { run } = await setUp();
    expect((await run(flow(3))).status).toBe('succeeded');
    expect(observed()).toEqual({
      starts: { orders: undefined, items: undefined },
      orders: [1, 2, 3],
      items: [1, 2, 3, 4, 5, 6],
    });

    expect((await run(flow(5))).status).toBe('succeeded');
    expect(observed()).toEqual({ starts: { orders: 3, items: 6 }, orders: [4, 5], items: [7, 8, 9, 10] });
  });

  it('is not moved by a failed run: the next run starts where the last succeeded one ended', async () => {
    const { run } = await setUp();
    await run(flow(2));
    // Fails after delivering one batch of orders (3, 4) and possibly items.
    const failed = await run(flow(6, { failAfterBatches: 1 }));
    expect(failed.status).toBe('failed');
    expect(observed().starts).toEqual({ orders: 2, items: 4 });

    expect((await run(flow(6))).status).toBe('succeeded');
    expect(observed()).toEqual({
      starts: { orders: 2, items: 4 },
      orders: [3, 4, 5, 6],
      items: [5, 6, 7, 8, 9, 10, 11, 12],
    });
  });

  it('starts a source over when its config changed since the last succeeded run (another table or cursor)', async () => {
    const { run } = await setUp();
    await run(flow(3));
    const changed = flow(5);
    const orders = changed.nodes.find((node) => node.id === 'orders');
    if (orders) orders.config = { ...orders.config, rejectEvery: 1000 };
    expect((await run(changed)).status).toBe('succeeded');
    expect(observed()).toEqual({
      starts: { orders: undefined, items: 6 },
      orders: [1, 2, 3, 4, 5],
      items: [7, 8, 9, 10],
    });
  });

  it('stays where it was when a run reads nothing new, and dry runs never move it', async () => {
    const { run } = await setUp();
    await run(flow(4));
    await run(flow(4));
    expect(observed()).toEqual({ starts: { orders: 4, items: 8 }, orders: [], items: [] });
    await run(flow(6), { dryRun: true });
    expect(observed().starts).toEqual({ orders: 4, items: 8 });
    await run(flow(6));
    expect(observed()).toEqual({ starts: { orders: 4, items: 8 }, orders: [5, 6], items: [9, 10, 11, 12] });
  });

  it('with fullResync gives no start point, so every row is read again (and the next run starts at its end)', async () => {
    const { run, store } = await setUp();
    await run(flow(3));
    const full = await run(flow(4), { fullResync: true });
    expect(memorySourceStarts).toEqual([
      { nodeId: 'orders', lastRunCursor: undefined },
      { nodeId: 'items', lastRunCursor: undefined },
    ]);
    expect(observed()).toMatchObject({ orders: [1, 2, 3, 4], items: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect((await store.getRun(full.runId))?.fullResync).toBe(true);
    await run(flow(5));
    expect(observed()).toEqual({ starts: { orders: 4, items: 8 }, orders: [5], items: [9, 10] });
  });

  it('belongs to one flow: a saved flow by its id, a flow file by its name', async () => {
    const { run } = await setUp();
    await run(flow(3), { flowId: 'fl_a' });
    await run(flow(2));
    await run(flow(5), { flowId: 'fl_b' });
    expect(observed().starts).toEqual({ orders: undefined, items: undefined });
    await run(flow(5), { flowId: 'fl_a' });
    expect(observed().starts).toEqual({ orders: 3, items: 6 });
    await run(flow(5));
    expect(observed().starts).toEqual({ orders: 2, items: 4 });
    await run(flow(5, { name: 'other' }));
    expect(observed().starts).toEqual({ orders: undefined, items: undefined });
  });
});
