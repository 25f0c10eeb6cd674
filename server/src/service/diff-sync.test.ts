/**
 * Diffed syncs through the store's snapshots (engine/diff-gate.ts): a keyed destination in upsert
 * mode is sent only the rows that are new or changed since what it last took, the summary says how
 * many of each, a full resync sends everything again, and a refused row is not remembered as sent,
 * so the next run sends it again.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from '../connectors/duckdb/test-context.ts';
import { temporaryDirectory } from '../testing/node-context.ts';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';
import { runFlow } from './flow-runner.ts';

afterEach(closeTempStores);

function syncFlow(dir: string) {
  return {
    name: 'customers-sync',
    settings: { batchSize: 400 },
    nodes: [
      { id: 'warehouse', type: 'duckdb.source', config: { path: path.join(dir, 'source.duckdb'), table: 'customers' } },
      {
        id: 'app',
        type: 'duckdb.destination',
        config: { path: path.join(dir, 'app.duckdb'), table: 'customers', mode: 'upsert', key: 'id' },
      },
    ],
    edges: [{ from: 'warehouse', to: 'app' }],
  };
}

describe('a diffed sync', () => {
  it('sends only new and changed rows, counts them, resends everything on a full resync, and retries refused rows', async () => {
    const dir = await temporaryDirectory();
    const source = path.join(dir, 'source.duckdb');
    await sql(
      source,
      `create table customers as select i as id, 'name ' || i as name, i * 10 as spend from range(1, 1001) t(i)`,
    );
    const { store, dataDir } = await openTempStore();
    const run = (options: { fullResync?: boolean } = {}) =>
      runFlow({ store, document: syncFlow(dir), baseDir: dir, dataDir, ...options });
    const app = async () =>
      sql(path.join(dir, 'app.duckdb'), 'select count(*)::int as n, sum(spend)::bigint as s from customers');

    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.nodes.app).toMatchObject({ read: 1000, written: 1000, inserted: 1000, updated: 0, unchanged: 0 });

    const second = await run();
    expect(second.nodes.app).toMatchObject({
      read: 1000,
      written: 0,
      filtered: 1000,
      inserted: 0,
      updated: 0,
      unchanged: 1000,
    });

    // 10 rows changed, 5 new: a dry run counts exactly those and writes nothing; the run that follows sends them.
    await sql(
      source,
      `update customers set spend = spend + 1 where id <= 10; insert into customers select i, 'new ' || i, 1 from range(1001, 1006) t(i)`,
    );
    const dry = await runFlow({ store, document: syncFlow(dir), baseDir: dir, dataDir, dryRun: true });
    expect(dry.nodes.app).toMatchObject({
      read: 1005,
      written: 0,
      wouldWrite: 15,
      inserted: 5,
      updated: 10,
      unchanged: 990,
    });
    expect(await app()).toEqual([[1000, String(500_500 * 10)]]);
    const third = await run();
    expect(third.nodes.app).toMatchObject({ read: 1005, written: 15, inserted: 5, updated: 10, unchanged: 990 });
    expect(await app()).toEqual([[1005, String(500_500 * 10 + 10 + 5)]]);

    const full = await run({ fullResync: true });
    expect(full.nodes.app).toMatchObject({ read: 1005, written: 1005, unchanged: 0 });
    expect((await run()).nodes.app).toMatchObject({ written: 0, unchanged: 1005 });

    // A row the destination refuses (its key is NULL) is not remembered as sent: every run tries it again.
    await sql(source, `insert into customers values (null, 'no id', 7)`);
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await run();
      expect(result.nodes.app).toMatchObject({
        read: 1006,
        written: 0,
        rejected: 1,
        inserted: 1,
        unchanged: 1005,
      });
    }
  });
});
