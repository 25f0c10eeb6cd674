import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DestinationError } from '../../errors.ts';
import type { DestinationWriter, Rec, RecordBatch } from '../../node-kit/contract.ts';
import { type TestContext, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { type DuckDBDestinationConfig, duckdbDestination } from './destination.ts';
import { sql } from './test-context.ts';

const batch = (records: Rec[], extra: Partial<RecordBatch> = {}): RecordBatch => ({
  kind: 'records',
  stream: 'orders',
  records,
  ...extra,
});

/** A database with `setup` run in it, and a writer on it opened by `config`. */
async function openWriter(setup: string, config: Omit<DuckDBDestinationConfig, 'path'>, ctx?: Partial<TestContext>) {
  const dir = await temporaryDirectory();
  const file = join(dir, 'target.duckdb');
  if (setup !== '') await sql(file, setup);
  const context = testContext(dir, ctx);
  const writer = await duckdbDestination.open({ path: 'target.duckdb', ...config }, context);
  return { dir, file, ctx: context, writer };
}

const stagingTables = (file: string) =>
  sql(file, `SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, '_backflow_stage_') ORDER BY 1`);

describe('duckdb.destination config', () => {
  const validate = new Ajv2020({ strict: false }).compile(duckdbDestination.config);

  it('requires path and table, defaults to insert, and requires a key for upsert only', () => {
    expect(validate({ path: 'a.duckdb', table: 'orders' })).toBe(true);
    expect(validate({ path: 'a.duckdb', table: 'orders', mode: 'replace' })).toBe(true);
    expect(validate({ path: 'a.duckdb', table: 'orders', mode: 'upsert', key: ['id', 'day'] })).toBe(true);
    expect(validate({ path: 'a.duckdb', table: 'orders', mode: 'upsert' })).toBe(false);
    expect(validate({ path: 'a.duckdb', table: 'orders', mode: 'merge' })).toBe(false);
    expect(validate({ path: 'a.duckdb' })).toBe(false);
    expect(validate({ path: 'a.duckdb', table: 'orders', extra: 1 })).toBe(false);
  });
});

describe('duckdb.destination insert', () => {
  it('stages batches durably, leaves the target untouched until commit, then appends in batch order', async () => {
    const { file, writer } = await openWriter(
      `CREATE TABLE orders (id BIGINT, amount DECIMAL(12,2), note VARCHAR); INSERT INTO orders VALUES (0, 1.00, 'old')`,
      { table: 'orders' },
    );
    await writer.write(batch([{ id: '1', amount: '10.50', note: 'first' }]), 1);
    await writer.write(
      batch([
        { id: 2, amount: 3, note: null },
        { id: '3', amount: '0.01', note: "it's" },
      ]),
      2,
    );
    expect(await sql(file, `SELECT count(*) FROM orders`)).toEqual([['1']]);
    expect(await sql(file, `SELECT id, _backflow_seq FROM "_backflow_stage_orders_run-1" ORDER BY id`)).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['3', '2'],
    ]);
    await writer.prepare();
    await writer.commit();
    expect(await sql(file, `SELECT id, amount, note FROM orders ORDER BY rowid`)).toEqual([
      ['0', '1.00', 'old'],
      ['1', '10.50', 'first'],
      ['2', '3.00', null],
      ['3', '0.01', "it's"],
    ]);
    expect(await stagingTables(file)).toEqual([]);
  });

  it('rejects rows with unconvertible values, naming field, value and type, and stages the rest', async () => {
    const { file, ctx, writer } = await openWriter(
      `CREATE TABLE orders (id BIGINT NOT NULL, amount DECIMAL(12,2), placed DATE, tags VARCHAR[])`,
      { table: 'orders' },
    );
    const locations = [
      { file: 'orders.csv', line: 2 },
      { file: 'orders.csv', line: 3 },
      { file: 'orders.csv', line: 4 },
    ];
    await writer.write(
      batch(
        [
          { id: '1', amount: 'abc', placed: '2024-01-02' },
          { id: '2', amount: '5', placed: '2024-02-30', tags: '[1, 2' },
          { id: null, amount: '7' },
        ],
        { locations },
      ),
      1,
    );
    await writer.write(batch([{ id: '4', amount: '1e3', tags: ['a', 'b'] }]), 2);
    await writer.prepare();
    await writer.commit();
    expect(ctx.rejected).toEqual([
      {
        record: { id: '1', amount: 'abc', placed: '2024-01-02' },
        reason: `field "amount": cannot convert 'abc' to DECIMAL(12,2)`,
        location: locations[0],
      },
      {
        record: { id: '2', amount: '5', placed: '2024-02-30', tags: '[1, 2' },
        reason: `field "placed": cannot convert '2024-02-30' to DATE; field "tags": cannot convert '[1, 2' to VARCHAR[]`,
        location: locations[1],
      },
      {
        record: { id: null, amount: '7' },
        reason: 'field "id": NULL in a NOT NULL column',
        location: locations[2],
      },
    ]);
    expect(await sql(file, `SELECT id, amount, tags FROM orders`)).toEqual([['4', '1000.00', ['a', 'b']]]);
  });

  it('matches fields to columns ignoring case, and warns once about fields with no column', async () => {
    const { file, ctx, writer } = await openWriter(`CREATE TABLE orders ("OrderId" INTEGER, note VARCHAR)`, {
      table: 'orders',
    });
    await writer.write(
      batch([
        { orderid: 1, NOTE: 'a', extra: 'x' },
        { OrderId: 2, extra: 'y' },
      ]),
      1,
    );
    await writer.prepare();
    await writer.commit();
    expect(await sql(file, `SELECT "OrderId", note FROM orders ORDER BY 1`)).toEqual([
      [1, 'a'],
      [2, null],
    ]);
    expect(ctx.warnings).toEqual(['field "extra" matches no column of "orders"; its values are not written']);
  });

  it('creates a missing table with the exact types of the batch schema', async () => {
    const { file, writer } = await openWriter(
      `CREATE SCHEMA analytics`,
      { table: 'analytics.daily' },
      { runId: 'r"1' },
    );
    await writer.write(
      batch([{ day: '2024-01-02', total: '12.50', lines: [{ sku: 'a', qty: 2 }] }], {
        schema: [
          { name: 'day', type: 'DATE' },
          { name: 'total', type: 'DECIMAL(18,2)' },
          { name: 'lines', type: 'STRUCT(sku VARCHAR, qty INTEGER)[]' },
        ],
      }),
      1,
    );
    await writer.prepare();
    await writer.commit();
    expect(await sql(file, `SELECT column_name, column_type FROM (DESCRIBE analytics.daily)`)).toEqual([
      ['day', 'DATE'],
      ['total', 'DECIMAL(18,2)'],
      ['lines', 'STRUCT(sku VARCHAR, qty INTEGER)[]'],
    ]);
    expect(await sql(file, `SELECT * FROM analytics.daily`)).toEqual([['2024-01-02', '12.50', [{ sku: 'a', qty: 2 }]]]);
  });

  it('infers VARCHAR, BOOLEAN, DOUBLE and JSON columns for records without a schema', async () => {
    const { file, ctx, writer } = await openWriter('', { table: 'events' });
    await writer.write(
      batch([
        { name: 'a', ok: true, score: 1, payload: { x: [1, 2] }, mixed: 1, loose: 1, empty: null },
        { name: 'b', ok: false, score: 2.5, payload: [], mixed: 'two', loose: [true], empty: null },
      ]),
      1,
    );
    await writer.prepare();
    await writer.commit();
    expect(await sql(file, `SELECT column_name, column_type FROM (DESCRIBE events)`)).toEqual([
      ['name', 'VARCHAR'],
      ['ok', 'BOOLEAN'],
      ['score', 'DOUBLE'],
      ['payload', 'JSON'],
      ['mixed', 'VARCHAR'],
      ['loose', 'JSON'],
      ['empty', 'VARCHAR'],
    ]);
    expect(await sql(file, `SELECT name, ok, score, payload, mixed, loose FROM events ORDER BY name`)).toEqual([
      ['a', true, 1, '{"x":[1,2]}', '1', '1'],
      ['b', false, 2.5, '[]', 'two', '[true]'],
    ]);
    expect(ctx.rejected).toEqual([]);
  });

  it('refuses a type text that is not a DuckDB type instead of running it', async () => {
    const { file, writer } = await openWriter('', { table: 'evil' });
    const schema = [{ name: 'a', type: 'INTEGER); DROP TABLE victim; --' }];
    await sql(file, `CREATE TABLE victim (x INTEGER)`);
    await expect(writer.write(batch([{ a: 1 }], { schema }), 1)).rejects.toThrow(DestinationError);
    expect(await sql(file, `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'victim'`)).toEqual([['1']]);
  });

  it('refuses file payloads', async () => {
    const { writer } = await openWriter('', { table: 'orders' });
    const file = { kind: 'file' as const, name: 'orders/part-00001.csv', stream: 'orders', open: () => process.stdin };
    await expect(writer.write(file, 1)).rejects.toThrow(/takes records, but received the file orders\/part-00001.csv/);
  });
});

describe('duckdb.destination replace', () => {
  it('swaps the contents at close and keeps the old rows (and the staged ones) when the swap fails', async () => {
    const setup = `CREATE TABLE orders (id INTEGER PRIMARY KEY, v VARCHAR); INSERT INTO orders VALUES (1, 'old'), (2, 'old')`;
    const good = await openWriter(setup, { table: 'orders', mode: 'replace' });
    await good.writer.write(
      batch([
        { id: 2, v: 'new' },
        { id: 3, v: 'new' },
      ]),
      1,
    );
    expect(await sql(good.file, `SELECT * FROM orders ORDER BY id`)).toEqual([
      [1, 'old'],
      [2, 'old'],
    ]);
    await good.writer.prepare();
    await good.writer.commit();
    expect(await sql(good.file, `SELECT * FROM orders ORDER BY id`)).toEqual([
      [2, 'new'],
      [3, 'new'],
    ]);

    const failing = await openWriter(setup, { table: 'orders', mode: 'replace' });
    await failing.writer.write(batch([{ id: 5, v: 'new' }]), 1);
    await failing.writer.write(batch([{ id: 5, v: 'duplicate key' }]), 2);
    await failing.writer.prepare();
    await expect(failing.writer.commit()).rejects.toThrow(DestinationError);
    expect(await sql(failing.file, `SELECT * FROM orders ORDER BY id`)).toEqual([
      [1, 'old'],
      [2, 'old'],
    ]);
    expect(await stagingTables(failing.file)).toEqual([['_backflow_stage_orders_run-1']]);
  });
});

describe('duckdb.destination upsert', () => {
  it('keeps the newest staged row per key, replaces matching target rows and keeps the others (no constraint needed)', async () => {
    const { file, writer } = await openWriter(
      `CREATE TABLE contacts (region VARCHAR, id INTEGER, email VARCHAR);
       INSERT INTO contacts VALUES ('eu', 1, 'old@a'), ('eu', 2, 'keep@b'), ('us', 1, 'old@c')`,
      { table: 'contacts', mode: 'upsert', key: ['region', 'id'] },
    );
    await writer.write(
      batch([
        { region: 'eu', id: 1, email: 'v1@a' },
        { region: 'us', id: 1, email: 'v1@c' },
      ]),
      1,
    );
    await writer.write(
      batch([
        { region: 'eu', id: 1, email: 'v2@a' },
        { region: 'eu', id: 3, email: 'first@d' },
        { region: 'eu', id: 3, email: 'second@d' },
      ]),
      2,
    );
    await writer.prepare();
    await writer.commit();
    expect(await sql(file, `SELECT region, id, email FROM contacts ORDER BY region, id`)).toEqual([
      ['eu', 1, 'v2@a'],
      ['eu', 2, 'keep@b'],
      ['eu', 3, 'second@d'],
      ['us', 1, 'v1@c'],
    ]);
  });

  it('rejects rows whose key is NULL and refuses a key that is not a column', async () => {
    const { ctx, writer } = await openWriter(`CREATE TABLE contacts (id INTEGER, email VARCHAR)`, {
      table: 'contacts',
      mode: 'upsert',
      key: 'id',
    });
    await writer.write(
      batch([
        { id: null, email: 'x' },
        { id: 1, email: 'y' },
      ]),
      1,
    );
    await writer.prepare();
    await writer.commit();
    expect(ctx.rejected.map((rejection) => rejection.reason)).toEqual(['field "id": the key is NULL']);
    await expect(
      openWriter(`CREATE TABLE contacts (id INTEGER)`, { table: 'contacts', mode: 'upsert', key: 'email' }),
    ).rejects.toThrow(/key column email is not a column of "contacts"/);
  });
});

describe('duckdb.destination resume', () => {
  async function writeAll(writer: DestinationWriter, from: number, to: number) {
    for (let seq = from; seq <= to; seq++) {
      await writer.write(batch([{ id: seq * 10 }, { id: seq * 10 + 1 }]), seq);
    }
  }

  it('drops staged batches after the checkpoint and replays them without duplicates', async () => {
    const { dir, file, writer } = await openWriter(`CREATE TABLE orders (id INTEGER)`, { table: 'orders' });
    await writeAll(writer, 1, 3);
    const checkpoint = writer.state?.();
    await writer.abort?.();
    expect(await sql(file, `SELECT count(*) FROM "_backflow_stage_orders_run-1"`)).toEqual([['6']]);

    const resumed = await duckdbDestination.open(
      { path: 'target.duckdb', table: 'orders' },
      testContext(dir, { resumeSeq: 2, resumeState: checkpoint }),
    );
    await writeAll(resumed, 3, 4);
    await resumed.prepare();
    await resumed.commit();
    expect((await sql(file, `SELECT list(id ORDER BY rowid) FROM orders`))[0]?.[0]).toEqual([
      10, 11, 20, 21, 30, 31, 40, 41,
    ]);
  });

  it('restarts a run from scratch when there is no checkpoint', async () => {
    const { dir, file, writer } = await openWriter(`CREATE TABLE orders (id INTEGER)`, { table: 'orders' });
    await writeAll(writer, 1, 2);
    await writer.abort?.();
    const restarted = await duckdbDestination.open({ path: 'target.duckdb', table: 'orders' }, testContext(dir));
    await writeAll(restarted, 1, 1);
    await restarted.prepare();
    await restarted.commit();
    expect(await sql(file, `SELECT list(id ORDER BY id) FROM orders`)).toEqual([[[10, 11]]]);
  });

  it('fails instead of losing rows when the staging table of a checkpointed run is gone', async () => {
    const { dir, file, writer } = await openWriter(`CREATE TABLE orders (id INTEGER)`, { table: 'orders' });
    await writeAll(writer, 1, 1);
    const checkpoint = writer.state?.();
    await writer.abort?.();
    await sql(file, `DROP TABLE "_backflow_stage_orders_run-1"`);
    await expect(
      duckdbDestination.open(
        { path: 'target.duckdb', table: 'orders' },
        testContext(dir, { resumeSeq: 1, resumeState: checkpoint }),
      ),
    ).rejects.toThrow(/staging table .* is gone, so the batches up to 1 are lost/);
  });

  it('commits a prepared run once: reopened to publish after its commit already landed, it applies nothing again', async () => {
    const { dir, file, writer } = await openWriter(`CREATE TABLE orders (id INTEGER)`, { table: 'orders' });
    await writeAll(writer, 1, 2);
    await writer.prepare();
    const prepared = writer.state?.();
    await writer.commit();
    // The process died before the store recorded the commit: the resume reopens the writer to publish.
    const ctx = testContext(dir, { resumeSeq: 2, resumeState: prepared, prepared: true });
    const again = await duckdbDestination.open({ path: 'target.duckdb', table: 'orders' }, ctx);
    await again.commit();
    expect(await sql(file, `SELECT list(id ORDER BY id) FROM orders`)).toEqual([[[10, 11, 20, 21]]]);
  });

  it('reopened to publish with its staging table in place, it applies the staged rows exactly', async () => {
    const { dir, file, writer } = await openWriter(`CREATE TABLE orders (id INTEGER)`, { table: 'orders' });
    await writeAll(writer, 1, 2);
    await writer.prepare();
    const prepared = writer.state?.();
    await writer.abort?.();
    const ctx = testContext(dir, { resumeSeq: 2, resumeState: prepared, prepared: true });
    const again = await duckdbDestination.open({ path: 'target.duckdb', table: 'orders' }, ctx);
    await again.commit();
    expect(await sql(file, `SELECT list(id ORDER BY id) FROM orders`)).toEqual([[[10, 11, 20, 21]]]);
    expect(await stagingTables(file)).toEqual([]);
  });
});

describe('duckdb.destination discover', () => {
  it('lists the tables with their types, NOT NULL and primary keys, staging tables aside; a file not made yet has none', async () => {
    const dir = await temporaryDirectory();
    await sql(
      join(dir, 'target.duckdb'),
      `CREATE SCHEMA crm;
       CREATE TABLE crm.contacts (region VARCHAR, id BIGINT, "naïve ""name""" VARCHAR NOT NULL, notes VARCHAR, PRIMARY KEY (region, id));
       CREATE TABLE _backflow_stage_contacts_r1 (x INTEGER)`,
    );
    const discover = duckdbDestination.discover!;
    expect(await discover({ path: 'target.duckdb', table: 'x' }, testContext(dir))).toEqual([
      {
        name: 'crm.contacts',
        columns: [
          { name: 'region', type: 'VARCHAR', notNull: true },
          { name: 'id', type: 'BIGINT', notNull: true },
          { name: 'naïve "name"', type: 'VARCHAR', notNull: true },
          { name: 'notes', type: 'VARCHAR' },
        ],
        key: ['region', 'id'],
      },
    ]);
    expect(await discover({ path: 'not-yet.duckdb', table: 'x' }, testContext(dir))).toEqual([]);
  });
});
