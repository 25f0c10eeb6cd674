/**
 * `duckdb.destination` as a mirror and in update mode, driven through `runFlow` with a temp store
 * (DuckDB source file → DuckDB destination file): a mirror deletes the rows that vanished from the
 * source and that this flow synced (scope flow), or every row the source lacks (scope all); a re-run
 * with no change does nothing; update rejects unknown keys with a reason; a dry run counts what the
 * real run then does and shows before → after; a run failed after its deletes were staged resumes
 * exactly. The only test double wraps duckdb.destination to fail once at an exact phase.
 */
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationWriter, PlannedChange, Rec, RecordBatch } from '../../node-kit/contract.ts';
import { defineDestination } from '../../node-kit/contract.ts';
import { createCatalog, nodeTypes } from '../../nodes/registry.ts';
import { runFlow } from '../../service/flow-runner.ts';
import type { RejectedRow } from '../../store/rejected-record-repository.ts';
import { temporaryDirectory, testContext } from '../../testing/node-context.ts';
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
    settings: { batchSize: 25, checkpointIntervalMs: 0 },
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

  it('with scope all, deletes every row the source lacks, ones there before the flow or added outside it too (a dry run counts them from the table read-only)', async () => {
    const { source, target, run, ids, checksum } = await setUp({ mode: 'mirror', mirrorScope: 'all' });
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.nodes.app).toMatchObject({ read: 50, written: 50, inserted: 50, deleted: 1 });
    expect(await ids()).toEqual(range(1, 50));

    await sql(source, 'delete from customers where id > 45; insert into customers values (2000, null, null)');
    await sql(target, `insert into customers values (3000, 'added outside the flow', 1)`);
    // A dry run reads the table's keys without a writer (the file opened read-only), and changes nothing.
    const unchanged = await checksum();
    const dry = await run({ dryRun: true });
    expect(dry.nodes.app).toMatchObject({ read: 46, written: 0, inserted: 1, unchanged: 45, deleted: 6 });
    expect(await checksum()).toEqual(unchanged);
    const second = await run();
    expect(second.nodes.app).toMatchObject({ read: 46, written: 1, inserted: 1, unchanged: 45, deleted: 6 });
    expect(await ids()).toEqual([...range(1, 45), 2000]);

    const before = await checksum();
    const third = await run();
    expect(third.nodes.app).toMatchObject({ read: 46, written: 0, unchanged: 46, deleted: 0 });
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

describe('duckdb.destination mirror and update, the writer alone', () => {
  /** A database with `setup` run in it, and a writer on it opened by `config`. */
  async function openWriter(setup: string, config: { mode: 'mirror' | 'update'; key: string | string[] }) {
    const dir = await temporaryDirectory();
    const file = path.join(dir, 'target.duckdb');
    if (setup !== '') await sql(file, setup);
    const ctx = testContext(dir);
    const writer = await duckdbDestination.open({ path: 'target.duckdb', table: 'orders', ...config }, ctx);
    return { dir, file, ctx, writer };
  }
  const batch = (records: Rec[]): RecordBatch => ({ kind: 'records', stream: 'orders', records });

  it('needs a key for update and mirror, and takes mirrorScope all in a mirror only (issues at the field)', () => {
    const validate = new Ajv2020({ strict: false, useDefaults: true }).compile(duckdbDestination.config);
    expect(validate({ path: 'a.duckdb', table: 'orders', mode: 'update' })).toBe(false);
    expect(validate({ path: 'a.duckdb', table: 'orders', mode: 'mirror', key: 'id', mirrorScope: 'all' })).toBe(true);
    const check = duckdbDestination.checkConfig!;
    expect(check({ path: 'a.duckdb', table: 'orders', mode: 'mirror' })).toEqual([
      { path: 'key', message: 'mode mirror needs a key: the column, or columns, that identify a row' },
    ]);
    expect(check({ path: 'a.duckdb', table: 'orders', mode: 'upsert', key: 'id', mirrorScope: 'all' })).toEqual([
      { path: 'mirrorScope', message: 'mirrorScope applies to mode mirror only, not upsert' },
    ]);
    expect(check({ path: 'a.duckdb', table: 'orders', mode: 'update', key: 'id', mirrorScope: 'flow' })).toEqual([]);
    expect(duckdbDestination.modes).toEqual(['insert', 'replace', 'upsert', 'update', 'mirror']);
  });

  it('a stream with only deletes deletes them at commit; keys it does not hold, or that cannot be its keys, are no error', async () => {
    const { file, writer } = await openWriter(
      `CREATE TABLE orders (region VARCHAR, id BIGINT, v VARCHAR);
       INSERT INTO orders SELECT r, i, 'v' FROM (VALUES ('eu'), ('us')) t(r), range(1, 6) s(i)`,
      { mode: 'mirror', key: ['region', 'id'] },
    );
    await writer.delete!('orders', [
      { region: 'eu', id: '2' },
      { region: 'us', id: '4' },
      { region: 'eu', id: '99' },
      { region: 'eu', id: 'not a number' },
      { region: null, id: '1' },
    ]);
    // Asked again for the same keys (a resume does): the same rows go.
    await writer.delete!('orders', [{ region: 'eu', id: '2' }]);
    expect(await sql(file, 'SELECT count(*)::int FROM orders')).toEqual([[10]]);
    await writer.prepare();
    await writer.commit();
    expect(await sql(file, `SELECT list(region || id ORDER BY region, id) FROM orders`)).toEqual([
      [['eu1', 'eu3', 'eu4', 'eu5', 'us1', 'us2', 'us3', 'us5']],
    ]);
    expect(
      await sql(file, `SELECT count(*)::int FROM duckdb_tables() WHERE starts_with(table_name, '_backflow')`),
    ).toEqual([[0]]);
  });

  it('applies deletes before the staged rows, in one transaction', async () => {
    const { file, writer } = await openWriter(
      `CREATE TABLE orders (id INTEGER, v VARCHAR); INSERT INTO orders VALUES (1, 'old'), (2, 'old')`,
      { mode: 'mirror', key: 'id' },
    );
    await writer.write(batch([{ id: 2, v: 'new' }]), 1);
    await writer.delete!('orders', [{ id: '1' }, { id: '2' }]);
    await writer.prepare();
    await writer.commit();
    expect(await sql(file, 'SELECT id, v FROM orders')).toEqual([[2, 'new']]);
  });

  it('deletes nothing, and creates nothing, when the target table is missing', async () => {
    const { file, writer } = await openWriter('', { mode: 'mirror', key: 'id' });
    await writer.delete!('orders', [{ id: '1' }]);
    await writer.prepare();
    await writer.commit();
    expect(await sql(file, 'SELECT count(*)::int FROM duckdb_tables()')).toEqual([[0]]);
  });

  it('update rejects a row whose composite key the table lacks, naming table and key values', async () => {
    const { file, ctx, writer } = await openWriter(
      `CREATE TABLE orders (region VARCHAR, id BIGINT, v VARCHAR, PRIMARY KEY (region, id));
       INSERT INTO orders VALUES ('eu', 1, 'old'), ('eu', 2, 'old')`,
      { mode: 'update', key: ['region', 'id'] },
    );
    await writer.write(
      batch([
        { region: 'eu', id: 1, v: 'first' },
        { region: 'us', id: 1, v: 'x' },
        { region: 'eu', id: 'abc', v: 'y' },
        { region: 'eu', id: 1, v: 'second' },
      ]),
      1,
    );
    await writer.prepare();
    await writer.commit();
    expect(ctx.rejected.map((rejection) => rejection.reason)).toEqual([
      'no row with key (region, id)=(us, 1) in table orders: mode update changes existing rows only',
      `field "id": cannot convert 'abc' to BIGINT`,
    ]);
    expect(await sql(file, 'SELECT region, id, v FROM orders ORDER BY id')).toEqual([
      ['eu', '1', 'second'],
      ['eu', '2', 'old'],
    ]);
  });

  it('reads every key of the table in key order, 1000 a page, and the rows of some keys as they are now', async () => {
    const dir = await temporaryDirectory();
    await sql(
      path.join(dir, 'target.duckdb'),
      `CREATE TABLE orders (region VARCHAR, id BIGINT, v DECIMAL(5,1));
       INSERT INTO orders SELECT CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END, i, i / 10 FROM range(1, 2501) t(i);
       INSERT INTO orders VALUES (NULL, 7, 0)`,
    );
    const config = { path: 'target.duckdb', table: 'orders', mode: 'mirror' as const, key: ['region', 'id'] };
    const ctx = testContext(dir);
    const pages: Rec[][] = [];
    for await (const page of duckdbDestination.reads!.keys!(config, ctx, 'orders')) pages.push(page);
    expect(pages.map((page) => page.length)).toEqual([1000, 1000, 500]);
    const keys = pages.flat();
    expect(keys[0]).toEqual({ region: 'eu', id: '2' });
    expect(keys[1249]).toEqual({ region: 'eu', id: '2500' });
    expect(keys[1250]).toEqual({ region: 'us', id: '1' });
    expect(new Set(keys.map((key) => `${key.region}${key.id}`)).size).toBe(2500);

    const current = await duckdbDestination.reads!.current!(config, ctx, 'orders', [
      { region: 'eu', id: '4' },
      { region: 'us', id: 4 },
      { region: 'us', id: '2499' },
    ]);
    expect(current).toEqual([
      { region: 'eu', id: '4', v: '0.4' },
      { region: 'us', id: '2499', v: '249.9' },
    ]);
    // No file, no table: nothing to read.
    const missing = { ...config, path: 'missing.duckdb' };
    for await (const _ of duckdbDestination.reads!.keys!(missing, ctx, 'orders')) expect.unreachable();
    expect(
      await duckdbDestination.reads!.current!({ ...config, table: 'none' }, ctx, 'orders', [{ region: 'eu', id: '4' }]),
    ).toEqual([]);
  });
});
