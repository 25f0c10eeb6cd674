/**
 * `duckdb.destination` as a mirror and in update mode, driven through `runFlow` with a temp store
 * (DuckDB source file → DuckDB destination file): a mirror deletes the rows that vanished from the
 * source and that this flow synced (scope flow), or every row the source lacks (scope all); a re-run
 * with no change does nothing; update rejects unknown keys with a reason; a dry run counts what the
 * real run then does and shows before → after; a run failed after its deletes were staged resumes
 * exactly. The only test double wraps duckdb.destination to fail once at an exact phase.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationWriter, PlannedChange } from '../../node-kit/contract.ts';
import { defineDestination } from '../../node-kit/contract.ts';
import { createCatalog, nodeTypes } from '../../nodes/registry.ts';
import { runFlow } from '../../service/flow-runner.ts';
import type { RejectedRow } from '../../store/rejected-record-repository.ts';
import { temporaryDirectory } from '../../testing/node-context.ts';
import { closeTempStores, openTempStore } from '../../testing/temp-store.ts';
import { duckdbDestination } from './destination.ts';
import { sql } from './test-context.ts';

afterEach(closeTempStores);

/** When set, the next duckdb.destination writer fails once just before that phase (or just after its commit landed). */
let failAt: 'prepare' | 'commit' | 'after-commit' | undefined;

const failingOnce = defineDestination({
  ...duckdbDestination,
  async open(config: Parameters<typeof duckdbDestination.open>[0], ctx): Promise<DestinationWriter> {
    const writer = await duckdbDestination.open(config, ctx);
    const fail = (phase: string) => {
      failAt = undefined;
      throw new Error(`injected failure at ${phase}`);
    };
    return {
      write: (payload, seq) => writer.write(payload, seq),
      delete: (stream, keys) => writer.delete!(stream, keys),
      state: () => writer.state?.(),
      abort: async () => writer.abort?.(),
      prepare: async () => {
        if (failAt === 'prepare') fail('prepare');
        return writer.prepare();
      },
      commit: async () => {
        if (failAt === 'commit') {
          await writer.abort?.();
          fail('commit');
        }
        await writer.commit();
        if (failAt === 'after-commit') fail('after commit');
      },
    };
  },
});

const catalog = createCatalog([...nodeTypes.filter((type) => type.type !== 'duckdb.destination'), failingOnce]);

interface AppConfig {
  mode: 'mirror' | 'update';
  mirrorScope?: 'flow' | 'all';
}

function syncFlow(dir: string, app: AppConfig) {
  return {
    name: 'customers-mirror',
    settings: { batchSize: 10, checkpointIntervalMs: 0 },
    nodes: [
      { id: 'warehouse', type: 'duckdb.source', config: { path: path.join(dir, 'source.duckdb'), table: 'customers' } },
      {
        id: 'app',
        type: 'duckdb.destination',
        config: { path: path.join(dir, 'app.duckdb'), table: 'customers', key: 'id', ...app },
      },
    ],
    edges: [{ from: 'warehouse', to: 'app' }],
  };
}

const customersTable = `create table customers (id INTEGER, name VARCHAR, spend DECIMAL(10,2))`;

/**
 * A source of customers 1..50 and a destination holding customer 1000, there before the flow;
 * `run` runs the flow (dry, resumed) with the same store each time.
 */
async function setUp(app: AppConfig) {
  const dir = await temporaryDirectory();
  const source = path.join(dir, 'source.duckdb');
  const target = path.join(dir, 'app.duckdb');
  await sql(source, `${customersTable}; insert into customers select i, 'name ' || i, i * 1.5 from range(1, 51) t(i)`);
  await sql(target, `${customersTable}; insert into customers values (1000, 'before the flow', 7)`);
  const { store, dataDir } = await openTempStore();
  const run = (options: { dryRun?: boolean; resume?: boolean; app?: AppConfig } = {}) =>
    runFlow({
      store,
      document: syncFlow(dir, options.app ?? app),
      catalog,
      baseDir: dir,
      dataDir,
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.resume ? { resume: true } : {}),
    });
  const ids = async () => (await sql(target, 'select list(id order by id) from customers'))[0]?.[0];
  const checksum = () =>
    sql(target, 'select count(*)::int, coalesce(bit_xor(hash(id, name, spend)), 0)::varchar from customers');
  const rejected = async (runId: string) => {
    const rows: RejectedRow[] = [];
    for await (const row of store.rejected(runId)) rows.push(row);
    return rows;
  };
  return { dir, source, target, run, ids, checksum, rejected };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('duckdb.destination mirror', () => {
  it('deletes the rows this flow synced that vanished from the source, never a row there before the flow (scope flow), and a re-run does nothing', async () => {
    const { source, run, ids, checksum } = await setUp({ mode: 'mirror' });
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.nodes.app).toMatchObject({ read: 50, written: 50, inserted: 50, deleted: 0 });
    expect(await ids()).toEqual([...range(1, 50), 1000]);

    await sql(source, 'delete from customers where id in (3, 17, 42); update customers set spend = 0 where id = 5');
    const second = await run();
    expect(second.status).toBe('succeeded');
    expect(second.nodes.app).toMatchObject({
      read: 47,
      written: 1,
      filtered: 46,
      updated: 1,
      unchanged: 46,
      deleted: 3,
    });
    expect(await ids()).toEqual([...range(1, 50).filter((id) => ![3, 17, 42].includes(id)), 1000]);
    expect(await sql(path.join(source, '..', 'app.duckdb'), 'select spend from customers where id = 5')).toEqual([
      ['0.00'],
    ]);

    // (3) Nothing changed: nothing is sent, nothing deleted, the table is as it was.
    const before = await checksum();
    const third = await run();
    expect(third.nodes.app).toMatchObject({ read: 47, written: 0, filtered: 47, unchanged: 47, deleted: 0 });
    expect(await checksum()).toEqual(before);
  });

  it('with scope all, deletes every row the source lacks, the one there before the flow too', async () => {
    const { source, run, ids, checksum } = await setUp({ mode: 'mirror', mirrorScope: 'all' });
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.nodes.app).toMatchObject({ read: 50, written: 50, inserted: 50, deleted: 1 });
    expect(await ids()).toEqual(range(1, 50));

    await sql(source, 'delete from customers where id > 45');
    const second = await run();
    expect(second.nodes.app).toMatchObject({ read: 45, written: 0, unchanged: 45, deleted: 5 });
    expect(await ids()).toEqual(range(1, 45));

    const before = await checksum();
    const third = await run();
    expect(third.nodes.app).toMatchObject({ read: 45, written: 0, unchanged: 45, deleted: 0 });
    expect(await checksum()).toEqual(before);
  });

  it('a dry run counts what the real run then does, writes nothing, and shows before (read from the table) → after', async () => {
    const { source, target, run, checksum } = await setUp({ mode: 'mirror' });
    expect((await run()).status).toBe('succeeded');
    await sql(
      source,
      `update customers set name = 'renamed ' || id where id in (1, 2);
       delete from customers where id in (3, 4);
       insert into customers values (51, 'new', 9.25)`,
    );
    const before = await checksum();
    const rowOf = async (id: number) =>
      (await sql(target, `select id, name, spend from customers where id = ${id}`)).map(([i, name, spend]) => ({
        id: i,
        name,
        spend,
      }))[0];

    const dry = await run({ dryRun: true });
    expect(dry.status).toBe('succeeded');
    expect(dry.nodes.app).toMatchObject({ read: 49, written: 0, inserted: 1, updated: 2, unchanged: 46, deleted: 2 });
    expect(await checksum()).toEqual(before);
    const [plan] = dry.plan?.app ?? [];
    expect(plan).toMatchObject({ create: 1, update: 2, delete: 2, unchanged: 46 });
    const changes = (action: PlannedChange['action']) =>
      (plan?.changes ?? []).filter((change) => change.action === action);
    expect(changes('update')).toEqual([
      { action: 'update', key: { id: 1 }, before: await rowOf(1), after: { id: 1, name: 'renamed 1', spend: '1.50' } },
      { action: 'update', key: { id: 2 }, before: await rowOf(2), after: { id: 2, name: 'renamed 2', spend: '3.00' } },
    ]);
    expect(changes('delete')).toEqual([
      { action: 'delete', key: { id: '3' }, before: await rowOf(3) },
      { action: 'delete', key: { id: '4' }, before: await rowOf(4) },
    ]);
    expect(changes('insert')).toEqual([
      { action: 'insert', key: { id: 51 }, after: { id: 51, name: 'new', spend: '9.25' } },
    ]);

    const real = await run();
    expect(real.nodes.app).toMatchObject({ read: 49, written: 3, inserted: 1, updated: 2, unchanged: 46, deleted: 2 });
    for (const change of [...changes('update'), ...changes('insert')]) {
      expect(await rowOf(change.after?.id as number)).toEqual(change.after);
    }
    expect(await rowOf(3)).toBeUndefined();
    expect(await rowOf(4)).toBeUndefined();
  });
});

describe('duckdb.destination update', () => {
  it('updates rows whose key the table holds, rejects the others with a reason, and read = written + rejected + filtered', async () => {
    const { target, run, rejected } = await setUp({ mode: 'update' });
    await sql(target, `insert into customers select i, 'old ' || i, 0 from range(1, 11) t(i)`);
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.nodes.app).toMatchObject({ read: 50, written: 10, rejected: 40, filtered: 0 });
    expect(await sql(target, 'select count(*)::int, sum(spend)::varchar from customers')).toEqual([
      [11, '89.50'], // 1.5 × (1 + … + 10) + 7
    ]);
    expect(await sql(target, 'select name from customers where id = 7')).toEqual([['name 7']]);
    const reasons = (await rejected(first.runId)).map((row) => row.reasons);
    expect(reasons).toHaveLength(40);
    expect(reasons[0]).toEqual([
      'no row with key (id)=(11) in table customers: mode update changes existing rows only',
    ]);

    // The refused rows are not remembered as sent: the next run tries them again, and only them.
    const second = await run();
    expect(second.nodes.app).toMatchObject({ read: 50, written: 0, rejected: 40, filtered: 10 });
    const { read, written, rejected: refused, filtered } = second.nodes.app!;
    expect(read).toBe(written + refused + filtered);
  });
});

describe('duckdb.destination mirror resume', () => {
  it.each([
    ['prepare', 'its deletes were staged and it had not prepared: they are dropped and staged again'],
    ['commit', 'it had prepared: the deletes it staged are kept and applied'],
    ['after-commit', 'its commit had landed: nothing is applied twice'],
  ] as const)('a run failed at %s, resumed, ends exact (%s)', async (phase, _why) => {
    const { source, run, ids, checksum } = await setUp({ mode: 'mirror' });
    expect((await run()).status).toBe('succeeded');
    await sql(source, 'delete from customers where id between 11 and 20; update customers set spend = 1 where id = 30');

    failAt = phase;
    const failed = await run();
    failAt = undefined;
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/injected failure/);
    // The deletes were staged (and the table untouched) unless the commit landed.
    const staged = await sql(
      path.join(source, '..', 'app.duckdb'),
      `select count(*)::int from duckdb_tables() where ends_with(table_name, '_deletes')`,
    );
    expect(staged).toEqual([[phase === 'after-commit' ? 0 : 1]]);
    if (phase !== 'after-commit') expect(await ids()).toEqual([...range(1, 50), 1000]);

    const resumed = await run({ resume: true });
    expect(resumed).toMatchObject({ status: 'succeeded', resumed: true, runId: failed.runId });
    expect(resumed.nodes.app).toMatchObject({ read: 40, written: 1, deleted: 10 });
    expect(await ids()).toEqual([...range(1, 10), ...range(21, 50), 1000]);
    expect(await sql(path.join(source, '..', 'app.duckdb'), 'select spend from customers where id = 30')).toEqual([
      ['1.00'],
    ]);
    const tables = await sql(
      path.join(source, '..', 'app.duckdb'),
      `select count(*)::int from duckdb_tables() where starts_with(table_name, '_backflow_stage_')`,
    );
    expect(tables).toEqual([[0]]);

    // The snapshot agrees with the table: the next run sends and deletes nothing.
    const before = await checksum();
    const after = await run();
    expect(after.nodes.app).toMatchObject({ read: 40, written: 0, unchanged: 40, deleted: 0 });
    expect(await checksum()).toEqual(before);
  });
});
