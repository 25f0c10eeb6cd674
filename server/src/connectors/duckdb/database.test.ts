import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { temporaryDirectory } from '../../testing/node-context.ts';
import {
  canonicalTypes,
  connectDatabase,
  disconnect,
  formatQualifiedName,
  inTransaction,
  parseQualifiedName,
  quoteIdentifier,
  quoteQualifiedName,
  resolveDatabasePath,
  tableColumns,
} from './database.ts';

describe('quoting', () => {
  it('always quotes identifiers and doubles embedded quotes', () => {
    expect(quoteIdentifier('orders')).toBe('"orders"');
    expect(quoteIdentifier('Order "Lines"; DROP')).toBe('"Order ""Lines""; DROP"');
  });

  it('parses table, schema.table and quoted parts, and writes them back', () => {
    expect(parseQualifiedName('orders')).toEqual({ name: 'orders' });
    expect(parseQualifiedName('sales.orders')).toEqual({ schema: 'sales', name: 'orders' });
    expect(parseQualifiedName('"my.schema"."Line ""Items"""')).toEqual({ schema: 'my.schema', name: 'Line "Items"' });
    expect(quoteQualifiedName({ schema: 'my.schema', name: 'Line "Items"' })).toBe('"my.schema"."Line ""Items"""');
    expect(formatQualifiedName({ schema: 'sales', name: 'Line Items' })).toBe('sales."Line Items"');
    expect(parseQualifiedName(formatQualifiedName({ schema: 'a.b', name: 'c"d' }))).toEqual({
      schema: 'a.b',
      name: 'c"d',
    });
    for (const invalid of ['', 'a.b.c', 'a.', '"open', '"a"b', '.a']) {
      expect(() => parseQualifiedName(invalid), invalid).toThrow();
    }
  });
});

describe('opening databases', () => {
  it('resolves relative paths against the base directory', () => {
    expect(resolveDatabasePath('demo/w.duckdb', '/flows')).toBe('/flows/demo/w.duckdb');
    expect(resolveDatabasePath('/data/w.duckdb', '/flows')).toBe('/data/w.duckdb');
  });

  it('shares one instance per file, so every connection sees the others’ commits', async () => {
    const file = join(await temporaryDirectory(), 'nested', 'shared.duckdb');
    const writer = await connectDatabase(file, { mustExist: false, nodeId: 'a' });
    const reader = await connectDatabase(file, { mustExist: true, nodeId: 'b' });
    await writer.run('CREATE TABLE t AS SELECT 42 AS answer');
    expect((await reader.runAndReadAll('SELECT answer FROM t')).getRowsJson()).toEqual([[42]]);
    disconnect(writer);
    disconnect(reader);
  });

  it("makes another run's writer wait until a source's read-only use of the file is over", async () => {
    const file = join(await temporaryDirectory(), 'two-runs.duckdb');
    const setup = await connectDatabase(file, { mustExist: false, nodeId: 'setup' });
    await setup.run('CREATE TABLE t AS SELECT 7 AS x');
    disconnect(setup);
    const reader = await connectDatabase(file, { mustExist: true, nodeId: 'src', readOnly: true, runId: 'r1' });
    let writerOpen = false;
    const writing = connectDatabase(file, { mustExist: true, nodeId: 'dst', runId: 'r2' }).then((connection) => {
      writerOpen = true;
      return connection;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(writerOpen).toBe(false);
    disconnect(reader);
    const writer = await writing;
    await writer.run('INSERT INTO t VALUES (8)');
    expect((await writer.runAndReadAll('SELECT sum(x) FROM t')).getRowsJson()).toEqual([['15']]);
    disconnect(writer);
  });

  it('shares a writer already open in this process with a source of the same file', async () => {
    const file = join(await temporaryDirectory(), 'same-flow.duckdb');
    const writer = await connectDatabase(file, { mustExist: false, nodeId: 'dst' });
    await writer.run('CREATE TABLE t AS SELECT 1 AS x');
    const reader = await connectDatabase(file, { mustExist: true, nodeId: 'src', readOnly: true });
    expect((await reader.runAndReadAll('SELECT count(*) FROM t')).getRowsJson()).toEqual([['1']]);
    disconnect(reader);
    disconnect(writer);
  });

  it('refuses to open a missing file when it must exist, without creating it', async () => {
    const file = join(await temporaryDirectory(), 'missing.duckdb');
    const opening = connectDatabase(file, { mustExist: true, nodeId: 'orders' });
    await expect(opening).rejects.toThrow(ConfigError);
    await expect(opening).rejects.toThrow(`node "orders": database file ${file} does not exist`);
    expect(existsSync(file)).toBe(false);
  });
});

describe('catalog helpers', () => {
  it('lists a table’s columns with DuckDB’s type text and NOT NULL, matching names case-insensitively', async () => {
    const connection = await connectDatabase(join(await temporaryDirectory(), 'c.duckdb'), {
      mustExist: false,
      nodeId: 'n',
    });
    await connection.run(
      `CREATE SCHEMA "Sales"; CREATE TABLE "Sales"."Orders" (id BIGINT NOT NULL, doc JSON, s STRUCT("a b" INTEGER))`,
    );
    expect(await tableColumns(connection, { schema: 'sales', name: 'orders' })).toEqual([
      { name: 'id', type: 'BIGINT', notNull: true },
      { name: 'doc', type: 'JSON', notNull: false },
      { name: 's', type: 'STRUCT("a b" INTEGER)', notNull: false },
    ]);
    expect(await tableColumns(connection, { name: 'orders' })).toBeUndefined();
    disconnect(connection);
  });

  it('spells types the way DuckDB does and refuses anything that is not one type', async () => {
    const connection = await connectDatabase(join(await temporaryDirectory(), 't.duckdb'), {
      mustExist: false,
      nodeId: 'n',
    });
    expect(await canonicalTypes(connection, ['int8', 'numeric(18, 2)', 'struct(a int, "b c" json)[]'])).toEqual([
      'BIGINT',
      'DECIMAL(18,2)',
      'STRUCT(a INTEGER, "b c" JSON)[]',
    ]);
    await connection.run('CREATE TABLE victim (x INTEGER)');
    for (const hostile of ['INTEGER); DROP TABLE victim; --', 'INTEGER) AS a, CAST(NULL AS VARCHAR', 'no_such_type']) {
      await expect(canonicalTypes(connection, [hostile]), hostile).rejects.toThrow(/invalid column type/);
    }
    expect((await connection.runAndReadAll('SELECT count(*) FROM victim')).getRowsJson()).toEqual([['0']]);
    disconnect(connection);
  });

  it('commits a transaction when the work resolves and rolls it back when it throws', async () => {
    const connection = await connectDatabase(join(await temporaryDirectory(), 'tx.duckdb'), {
      mustExist: false,
      nodeId: 'n',
    });
    await connection.run('CREATE TABLE t (x INTEGER)');
    await inTransaction(connection, () => connection.run('INSERT INTO t VALUES (1)'));
    await expect(
      inTransaction(connection, async () => {
        await connection.run('INSERT INTO t VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await connection.runAndReadAll('SELECT list(x) FROM t')).getRowsJson()).toEqual([[[1]]]);
    disconnect(connection);
  });
});
