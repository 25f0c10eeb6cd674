/**
 * The diffing gate over a real store: a mirror with `mirrorScope: "all"` deletes the destination's
 * keys the run did not see, comparing keys as text, and lower-cased where the destination matches
 * keys regardless of case (a CRM holding `bob@x.com` for the source's `Bob@X.com` keeps it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationWriter, Rec } from '../node-kit/contract.ts';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';
import { DiffGate } from './diff-gate.ts';

afterEach(closeTempStores);

async function mirrorAll(keysIgnoreCase: boolean, destinationKeys: Rec[]): Promise<Rec[]> {
  const { store } = await openTempStore();
  const counts = { inserted: 0, updated: 0, unchanged: 0, deleted: 0 };
  const gate = new DiffGate(
    store.syncSnapshots.forRun('flow', 'crm', 'run-1'),
    () => ['email'],
    { publishes: 'idempotent-batches', sendAll: false, dryRun: false, mirror: 'all', keysIgnoreCase },
    () => counts,
  );
  await gate.opened(undefined, false);
  const { rows } = await gate.changed('contacts', [
    { email: 'Bob@Example.com', name: 'Bob' },
    { email: 42, name: 'A number key' },
  ]);
  await gate.landed('contacts', rows, 1);
  const deleted: Rec[] = [];
  const writer: DestinationWriter = {
    write: async () => undefined,
    prepare: async () => undefined,
    commit: async () => undefined,
    delete: async (_stream, keys) => {
      deleted.push(...keys);
    },
  };
  await gate.deleteVanished(writer, {
    keys: async function* () {
      yield destinationKeys;
    },
  });
  await gate.ended(true);
  expect(counts.deleted).toBe(deleted.length);
  return deleted;
}

describe('a mirror with mirrorScope all', () => {
  it('deletes the keys the destination holds that the run did not see; 42 and "42" are one key', async () => {
    const deleted = await mirrorAll(false, [
      { email: 'Bob@Example.com' },
      { email: '42' },
      { email: 'old@example.com' },
    ]);
    expect(deleted).toEqual([{ email: 'old@example.com' }]);
  });

  it('compares keys lower-cased for a destination whose keys ignore case', async () => {
    const deleted = await mirrorAll(true, [{ email: 'bob@example.com' }, { email: 'OLD@example.com' }]);
    expect(deleted).toEqual([{ email: 'old@example.com' }]);
    // Without: the same listing would delete the source's own contact.
    expect(await mirrorAll(false, [{ email: 'bob@example.com' }])).toEqual([{ email: 'bob@example.com' }]);
  });
});
