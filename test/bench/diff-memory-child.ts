/**
 * The diff alone at N keys, in a process of its own for its peak RSS (entry 13b): a diffing gate
 * over a real state store takes N keys in batches as a first sync would (all new, acknowledged),
 * then a mirror re-sync of the same keys with 1% changed and 0.5% gone lists what vanished. No
 * destination: what is measured is the snapshot's memory, not a connector's. What a run notes becomes
 * durable at checkpoints; here every 100 batches.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiffGate } from '../../server/src/engine/diff-gate.ts';
import type { DestinationWriter, Rec } from '../../server/src/node-kit/contract.ts';
import { StateStore } from '../../server/src/store/state-store.ts';

export interface DiffMemoryReport {
  maxRssBytes: number;
  firstMs: number;
  secondMs: number;
  changed: number;
  vanished: number;
}

const keys = Number(process.argv[2] ?? 10_000_000);
const batchSize = 10_000;

async function pass(store: StateStore, runId: string, changedEvery: number, goneEvery: number) {
  const counts = { inserted: 0, updated: 0, unchanged: 0, deleted: 0 };
  const gate = new DiffGate(
    store.syncSnapshots.forRun('bench', 'crm', runId),
    () => ['id'],
    { publishes: 'idempotent-batches', sendAll: false, dryRun: false, mirror: 'flow' },
    () => counts,
  );
  await gate.opened(undefined, false);
  const started = Date.now();
  for (let from = 0; from < keys; from += batchSize) {
    const records: Rec[] = [];
    for (let id = from; id < Math.min(keys, from + batchSize); id++) {
      if (goneEvery > 0 && id % goneEvery === 1) continue;
      const value = changedEvery > 0 && id % changedEvery === 0 ? id + 1 : id;
      records.push({ id, email: `customer.${id}@example.com`, value });
    }
    const { rows } = await gate.changed('customers', records);
    await gate.landed('customers', rows, from / batchSize + 1);
    // As a run's checkpoints would (about one a minute; here every 100 batches).
    if ((from / batchSize + 1) % 100 === 0) await gate.persist();
  }
  const writer: DestinationWriter = {
    write: async () => undefined,
    prepare: async () => undefined,
    commit: async () => undefined,
    delete: async () => undefined,
  };
  await gate.deleteVanished(writer, {});
  await gate.ended(true);
  return { ms: Date.now() - started, counts };
}

const dir = await mkdtemp(path.join(tmpdir(), 'backflow-diff-memory-'));
try {
  const store = await StateStore.open(path.join(dir, '.backflow'));
  const first = await pass(store, 'first', 0, 0);
  const second = await pass(store, 'second', 100, 200);
  await store.close();
  const report: DiffMemoryReport = {
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    firstMs: first.ms,
    secondMs: second.ms,
    changed: second.counts.updated,
    vanished: second.counts.deleted,
  };
  console.log(JSON.stringify(report));
} finally {
  await rm(dir, { recursive: true, force: true });
}
