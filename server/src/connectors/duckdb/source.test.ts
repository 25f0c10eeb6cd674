import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { CancelledError, ConfigError } from '../../errors.ts';
import type { RecordBatch, SourceBatch } from '../../node-kit/contract.ts';
import { collect, type TestContext, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { duckdbSource } from './source.ts';
import type { DuckDBSourceConfig } from './source-config.ts';
import { sql } from './test-context.ts';

/** A database file holding `setup`, and a context whose base directory holds it. */
async function database(setup: string, ctx: Partial<TestContext> = {}) {
  const dir = await temporaryDirectory();
  await sql(join(dir, 'source.duckdb'), setup);
  return { dir, file: join(dir, 'source.duckdb'), ctx: testContext(dir, ctx) };
}

const read = (config: Omit<DuckDBSourceConfig, 'path'>, ctx: TestContext) =>
  collect(duckdbSource.read({ path: 'source.duckdb', ...config }, ctx));

const records = (batches: SourceBatch[]) => batches.flatMap((batch) => (batch as RecordBatch).records);

/** Sales keyed by (region, id), with quotes in a key value, 25 rows. */
const SALES = `
  CREATE TABLE sales (region VARCHAR, id INTEGER, amount DECIMAL(10,2), PRIMARY KEY (region, id));
  INSERT INTO sales SELECT ['eu', 'us', 'x'') OR 1=1 --'][1 + i % 3], i, i * 1.5 FROM range(25) t(i);
`;

describe('duckdb.source config', () => {
  const validate = new Ajv2020({ strict: false }).compile(duckdbSource.config);

  it('requires exactly one of query and table', () => {
    expect(validate({ path: 'a.duckdb', table: 'orders' })).toBe(true);
    expect(validate({ path: 'a.duckdb', query: 'select 1', key: ['a', 'b'], batchSize: 10 })).toBe(true);
    expect(validate({ path: 'a.duckdb' })).toBe(false);
    expect(validate({ path: 'a.duckdb', table: 'orders', query: 'select 1' })).toBe(false);
    expect(validate({ path: 'a.duckdb', table: 'orders', batchSize: 0 })).toBe(false);
    expect(validate({ path: 'a.duckdb', table: 'orders', key: [] })).toBe(false);
    expect(validate({ path: 'a.duckdb', table: 'orders', where: 'x' })).toBe(false);
  });
});

describe('duckdb.source read', () => {
  it('reads a table in batches with its stream name, column types (NOT NULL kept) and no cursor without a key', async () => {
    const { ctx } = await database(
      `CREATE TABLE items (n BIGINT NOT NULL, label VARCHAR, price DECIMAL(8,2));
       INSERT INTO items SELECT i, 'item ' || i, i / 4 FROM range(10) t(i)`,
      { batchSize: 4 },
    );
    const batches = await read({ table: 'items' }, ctx);
    expect(
      batches.map((batch) => [batch.kind, batch.stream, (batch as RecordBatch).records.length, batch.cursor]),
    ).toEqual([
      ['records', 'items', 4, null],
      ['records', 'items', 4, null],
      ['records', 'items', 2, null],
    ]);
    expect((batches[0] as RecordBatch).schema).toEqual([
      { name: 'n', type: 'BIGINT', notNull: true },
      { name: 'label', type: 'VARCHAR' },
      { name: 'price', type: 'DECIMAL(8,2)' },
    ]);
    expect(records(batches).slice(0, 2)).toEqual([
      { n: '0', label: 'item 0', price: '0.00' },
      { n: '1', label: 'item 1', price: '0.25' },
    ]);
  });

  it('orders by a composite key, carries the last key as cursor, and resumes after it with bound values', async () => {
    const { ctx, dir } = await database(SALES, { batchSize: 10 });
    const all = await read({ table: 'sales', key: ['region', 'id'] }, ctx);
    expect(all.map((batch) => (batch as RecordBatch).records.length)).toEqual([10, 10, 5]);
    const keys = records(all).map((record) => [record.region, record.id]);
    expect(keys).toEqual(
      [...keys].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1])),
    );
    expect(all[0]?.cursor).toEqual(keys[9]);

    for (const [index, batch] of all.slice(0, -1).entries()) {
      const rest = await read(
        { table: 'sales', key: ['region', 'id'] },
        testContext(dir, { resumeCursor: batch.cursor }),
      );
      expect(records(rest)).toEqual(records(all).slice((index + 1) * 10));
    }
    expect(all[1]?.cursor).toEqual(["x') OR 1=1 --", 8]);
  });

  it('reads a table larger than one sort range in key order, exactly once, and resumes mid-range', async () => {
    // Keys stored in shuffled order, so each range really has to be sorted; 600k rows make 3 ranges.
    const { ctx } = await database(
      `CREATE TABLE big AS SELECT (i * 7919) % 600000 AS id, 'v' || i AS v FROM range(600000) t(i)`,
      { batchSize: 50_000 },
    );
    // BIGINT ids arrive as exact strings; compare without a 600k-element diff on failure.
    const inOrderFrom = (ids: unknown[], first: number) => ids.findIndex((id, i) => id !== String(first + i));
    const all = records(await read({ table: 'big', key: 'id' }, ctx)).map((r) => r.id);
    expect(all).toHaveLength(600_000);
    expect(inOrderFrom(all, 0)).toBe(-1);
    const resumed = records(await read({ table: 'big', key: 'id' }, { ...ctx, resumeCursor: ['312345'] }));
    expect(resumed).toHaveLength(600_000 - 312_346);
    expect(
      inOrderFrom(
        resumed.map((r) => r.id),
        312_346,
      ),
    ).toBe(-1);
  });

  it('ends batches at every multiple of alignRows so parts close on batch boundaries', async () => {
    const { ctx } = await database(`CREATE TABLE t AS SELECT i FROM range(25) t(i)`, { batchSize: 7, alignRows: 10 });
    const batches = await read({ query: 'SELECT i FROM t', key: 'i' }, ctx);
    expect(batches.map((batch) => (batch as RecordBatch).records.length)).toEqual([7, 3, 7, 3, 5]);
    expect(batches.map((batch) => batch.cursor)).toEqual([['6'], ['9'], ['16'], ['19'], ['24']]);
  });

  it('lets the config batch size override the engine default', async () => {
    const { ctx } = await database(`CREATE TABLE t AS SELECT i FROM range(5) t(i)`, { batchSize: 1000 });
    const batches = await read({ table: 't', batchSize: 2 }, ctx);
    expect(batches.map((batch) => (batch as RecordBatch).records.length)).toEqual([2, 2, 1]);
  });

  it('reads a query with a trailing comment and semicolon, as stream "query"', async () => {
    const { ctx } = await database(SALES);
    const batches = await read(
      {
        query: 'SELECT region, count(*) AS n FROM sales GROUP BY region ORDER BY region; -- per region\n',
        key: 'region',
      },
      ctx,
    );
    expect(batches[0]?.stream).toBe('query');
    expect(records(batches)).toEqual([
      { region: 'eu', n: '9' },
      { region: 'us', n: '8' },
      { region: "x') OR 1=1 --", n: '8' },
    ]);
  });

  it('streams: stops promptly with CancelledError when the run is aborted mid-read', async () => {
    const controller = new AbortController();
    const { ctx } = await database(`SELECT 1`, { batchSize: 1000, signal: controller.signal });
    let seen = 0;
    let abortedAt = 0;
    const reading = (async () => {
      // A query no run could read to its end (10^15 rows): only an interrupted read ends at all.
      for await (const batch of duckdbSource.read(
        { path: 'source.duckdb', query: 'SELECT i, md5(i::VARCHAR) AS h FROM range(1000000000000000) t(i)' },
        ctx,
      )) {
        seen += (batch as RecordBatch).records.length;
        if (seen === 5000) {
          abortedAt = Date.now();
          controller.abort();
        }
      }
    })();
    await expect(reading).rejects.toThrow(CancelledError);
    expect(seen).toBe(5000);
    // Timed from the abort only, so a slow start on a busy machine does not count.
    expect(Date.now() - abortedAt).toBeLessThan(5000);
  });
});

describe('duckdb.source errors', () => {
  it('names the node and the missing file, and never creates it', async () => {
    const dir = await temporaryDirectory();
    const ctx = testContext(dir, { nodeId: 'orders' });
    const reading = read({ table: 'orders' }, ctx);
    await expect(reading).rejects.toThrow(ConfigError);
    await expect(reading).rejects.toThrow(`node "orders": database file ${join(dir, 'source.duckdb')} does not exist`);
    expect(existsSync(join(dir, 'source.duckdb'))).toBe(false);
  });

  it('reports a bad query, an unknown table and an unknown key column as config errors at the field', async () => {
    const { ctx } = await database(SALES, { nodeId: 'sales' });
    const failure = async (config: Omit<DuckDBSourceConfig, 'path'>) => {
      const error = await read(config, ctx).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      return { message: (error as ConfigError).message, details: (error as ConfigError).details };
    };
    const badQuery = await failure({ query: 'SELEC * FROM sales' });
    expect(badQuery.message).toMatch(/^node "sales": cannot read query: Parser Error: syntax error/);
    expect(badQuery.details[0]?.path).toBe('config.query');
    const unknownTable = await failure({ table: 'main.nope' });
    expect(unknownTable.message).toMatch(/Table with name nope does not exist/);
    expect(unknownTable.details[0]?.path).toBe('config.table');
    const unknownKey = await failure({ table: 'sales', key: ['region', 'ID '] });
    expect(unknownKey.message).toBe('node "sales": key column ID  is not among the columns (region, id, amount)');
    expect(unknownKey.details[0]?.path).toBe('config.key');
  });

  it('refuses a query that smuggles in a second statement, and leaves the data alone', async () => {
    const { ctx, file } = await database(SALES);
    await expect(read({ query: 'SELECT 1) AS q; DROP TABLE sales; SELECT * FROM (SELECT 1' }, ctx)).rejects.toThrow(
      ConfigError,
    );
    expect(await sql(file, `SELECT count(*) FROM sales`)).toEqual([['25']]);
  });
});

describe('duckdb.source check and discover', () => {
  it('checks that the file opens and the query prepares', async () => {
    const { ctx } = await database(SALES);
    await expect(
      duckdbSource.check!({ path: 'source.duckdb', table: 'sales', key: 'id' }, ctx),
    ).resolves.toBeUndefined();
    await expect(duckdbSource.check!({ path: 'source.duckdb', query: 'SELECT nope FROM sales' }, ctx)).rejects.toThrow(
      /Referenced column "nope" not found/,
    );
  });

  it('lists tables and views with their columns and primary keys, hiding staging tables', async () => {
    const { ctx } = await database(`
      ${SALES}
      CREATE SCHEMA "odd.schema";
      CREATE TABLE "odd.schema"."Line Items" (sku VARCHAR PRIMARY KEY, tags VARCHAR[], doc JSON);
      INSERT INTO "odd.schema"."Line Items" VALUES ('a-1', ['new'], '{"on": true}');
      CREATE VIEW eu_sales AS SELECT id, amount FROM sales WHERE region = 'eu';
      CREATE TABLE "_backflow_stage_sales_run-1" (region VARCHAR);
    `);
    expect(await duckdbSource.discover!({ path: 'source.duckdb', table: 'sales' }, ctx)).toEqual([
      {
        name: 'eu_sales',
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'amount', type: 'DECIMAL(10,2)' },
        ],
      },
      {
        name: 'sales',
        columns: [
          { name: 'region', type: 'VARCHAR' },
          { name: 'id', type: 'INTEGER' },
          { name: 'amount', type: 'DECIMAL(10,2)' },
        ],
        key: ['region', 'id'],
      },
      {
        name: '"odd.schema"."Line Items"',
        columns: [
          { name: 'sku', type: 'VARCHAR' },
          { name: 'tags', type: 'VARCHAR[]' },
          { name: 'doc', type: 'JSON' },
        ],
        key: ['sku'],
      },
    ]);
    const [lineItems] = await read({ table: '"odd.schema"."Line Items"' }, ctx);
    expect(lineItems?.stream).toBe('"odd.schema"."Line Items"');
    expect(records([lineItems as SourceBatch])).toEqual([{ sku: 'a-1', tags: ['new'], doc: '{"on": true}' }]);
  });
});
