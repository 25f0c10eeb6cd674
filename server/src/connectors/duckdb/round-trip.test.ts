/**
 * Backup → restore fidelity: every DuckDB type read by duckdb.source and written by
 * duckdb.destination into a new table of another file comes back with the same type and value.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateOrders } from '../../demo/warehouse.ts';
import type { RecordBatch } from '../../node-kit/contract.ts';
import { collect, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { duckdbDestination } from './destination.ts';
import { duckdbSource } from './source.ts';
import { sql } from './test-context.ts';

/** Every type the issue names, with the nasty values of each, and a row of NULLs in every column. */
const CORE_TYPES = `
  CREATE TABLE everything (
    id INTEGER, flag BOOLEAN, small INTEGER, big BIGINT, huge HUGEINT, real DOUBLE,
    money DECIMAL(18,2), precise DECIMAL(38,10), text VARCHAR, day DATE, clock TIME, moment TIMESTAMP,
    instant TIMESTAMPTZ, id_uuid UUID, bytes BLOB, numbers INTEGER[], words VARCHAR[],
    pair STRUCT(a INTEGER, b VARCHAR), pairs STRUCT(a INTEGER, b VARCHAR)[]
  );
  INSERT INTO everything VALUES
    (1, true, 42, 9007199254740993, 170141183460469231731687303715884105727, 0.1, 1234567890123456.78,
     1234567890123456789012345678.0123456789, 'plain', DATE '2024-01-02', TIME '13:14:15.123456',
     TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMPTZ '2024-01-02 03:04:05.123456+02',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00\\xFF\\x5C\\x27\\x22ab'::BLOB, [1, NULL, 3], ['a', NULL, ''],
     {'a': 1, 'b': 'x'}, [{'a': 1, 'b': 'x'}, NULL, {'a': NULL, 'b': 'y'}]),
    (2, false, -2147483648, -9223372036854775808, -170141183460469231731687303715884105728, -1.7976931348623157e308,
     -0.01, -0.0000000001, 'quotes '' " and
newline, tab	, unicode ✓ Zoë 李 😀, \\x41 backslash', DATE '0001-01-01', TIME '23:59:59.999999',
     TIMESTAMP '1970-01-01 00:00:00', TIMESTAMPTZ '2262-04-11 23:47:16.854775+00',
     '00000000-0000-0000-0000-000000000000', unhex(${allBytesHex()}), [], ['[1, 2]', '{"a": 1}', 'NULL', 'a,b'],
     {'a': NULL, 'b': NULL}, []),
    (3, NULL, 2147483647, 9223372036854775807, 0, 5e-324, 9999999999999999.99,
     9999999999999999999999999999.9999999999, '', DATE '9999-12-31', TIME '00:00:00',
     TIMESTAMP '9999-12-31 23:59:59.999999', TIMESTAMPTZ '1900-01-01 00:00:00+00',
     'ffffffff-ffff-ffff-ffff-ffffffffffff', ''::BLOB, [NULL], [NULL], NULL, [NULL]),
    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`;

/** Types beyond the list whose JSON forms need care: MAP, UNION, INTERVAL, JSON, infinities, unsigned, sub-second timestamps. */
const MORE_TYPES = `
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE TABLE more (
    id INTEGER, span INTERVAL, lookup MAP(VARCHAR, INTEGER), by_number MAP(INTEGER, VARCHAR[]), choice UNION(num INTEGER, str VARCHAR),
    doc JSON, docs JSON[], feeling mood, tiny UTINYINT, ubig UBIGINT, uhuge UHUGEINT, single FLOAT, bits BIT,
    fixed INTEGER[3], zoned TIMETZ, secs TIMESTAMP_S, millis TIMESTAMP_MS, nanos TIMESTAMP_NS, endless DATE,
    spans INTERVAL[], nested STRUCT(m MAP(VARCHAR, INTEGER), u UNION(n INTEGER, s VARCHAR), i INTERVAL, b BLOB),
    precise_clock TIME_NS, small SMALLINT, signed_tiny TINYINT, usmall USMALLINT, uint UINTEGER
  );
  INSERT INTO more VALUES
    (1, INTERVAL '1 year 2 months 3 days 04:05:06.789', MAP {'a': 1, 'b': NULL}, MAP {1: ['x', 'y'], 2: []},
     union_value(num := 7), '{"x": [1, 2, {"y": null}], "z": "quote \\" here"}', ['{}', '[1]', 'null'], 'happy',
     255, 18446744073709551615, 340282366920938463463374607431768211455, 0.1, '10110', [1, 2, 3],
     TIMETZ '12:34:56.789+05:30', TIMESTAMP_S '2024-01-02 03:04:05', TIMESTAMP_MS '2024-01-02 03:04:05.678',
     TIMESTAMP_NS '2024-01-02 03:04:05.123456789', 'infinity'::DATE, [INTERVAL '-1 day', INTERVAL '36 hours'],
     {'m': MAP {'k': 2}, 'u': union_value(s := 'text'), 'i': INTERVAL '-3 months 1 microsecond', 'b': '\\x5C\\x00'::BLOB},
     TIME_NS '12:34:56.123456789', -32768, -128, 65535, 4294967295),
    (2, INTERVAL '-1 month -2 days -1 microsecond', MAP {}, NULL, union_value(str := '7'), '"just a string"', NULL,
     'sad', 0, 0, 0, 'NaN'::FLOAT, '0', [NULL, NULL, NULL], TIMETZ '00:00:00-14', 'infinity'::TIMESTAMP_S,
     '-infinity'::TIMESTAMP_MS, 'infinity'::TIMESTAMP_NS, '-infinity'::DATE, [], NULL, TIME_NS '00:00:00', 32767, 127, 0, 0),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`;

function allBytesHex(): string {
  let hex = '';
  for (let byte = 0; byte < 256; byte++) hex += byte.toString(16).padStart(2, '0');
  return `'${hex}'`;
}

/** Copies `table` from one new file to a new table of another through the two node types, batch by batch. */
async function copyThroughRecords(setup: string, table: string) {
  const dir = await temporaryDirectory();
  await sql(join(dir, 'backup.duckdb'), setup);
  const ctx = testContext(dir, { batchSize: 2 });
  const batches = await collect(duckdbSource.read({ path: 'backup.duckdb', table, key: 'id' }, ctx));
  const writer = await duckdbDestination.open({ path: 'restore.duckdb', table: `${table}_restored` }, ctx);
  for (const [index, batch] of batches.entries()) await writer.write(batch, index + 1);
  await writer.prepare();
  await writer.commit();
  expect(ctx.rejected).toEqual([]);
  const describe = (file: string, name: string) =>
    sql(join(dir, file), `SELECT column_name, column_type FROM (DESCRIBE ${name})`);
  const checksum = (file: string, name: string) =>
    sql(join(dir, file), `SELECT count(*), bit_xor(hash(t)) FROM ${name} AS t`);
  const rows = (file: string, name: string) => sql(join(dir, file), `SELECT * FROM ${name} ORDER BY id`);
  return {
    batches: batches as (RecordBatch & { cursor: unknown })[],
    original: {
      types: await describe('backup.duckdb', table),
      checksum: await checksum('backup.duckdb', table),
      rows: await rows('backup.duckdb', table),
    },
    restored: {
      types: await describe('restore.duckdb', `${table}_restored`),
      checksum: await checksum('restore.duckdb', `${table}_restored`),
      rows: await rows('restore.duckdb', `${table}_restored`),
    },
  };
}

describe('duckdb.source → duckdb.destination round trip', () => {
  it('restores every core type (huge integers, decimals, times, blobs, lists, structs, NULLs) exactly', async () => {
    const { batches, original, restored } = await copyThroughRecords(CORE_TYPES, 'everything');
    expect(batches.map((batch) => batch.records.length)).toEqual([2, 2]);
    expect(restored.types).toEqual(original.types);
    expect(restored.checksum).toEqual(original.checksum);
    expect(restored.checksum[0]?.[0]).toBe('4');
    expect(restored.rows).toEqual(original.rows);
    // The record forms the README documents.
    const [first, second] = batches[0]?.records ?? [];
    expect(first).toMatchObject({
      big: '9007199254740993',
      huge: '170141183460469231731687303715884105727',
      real: 0.1,
      money: '1234567890123456.78',
      precise: '1234567890123456789012345678.0123456789',
      day: '2024-01-02',
      clock: '13:14:15.123456',
      moment: '2024-01-02 03:04:05.123456',
      instant: '2024-01-02 01:04:05.123456+00',
      id_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      bytes: '\\x00\\xFF\\x5C\\x27\\x22ab',
      numbers: [1, null, 3],
      pair: { a: 1, b: 'x' },
      pairs: [{ a: 1, b: 'x' }, null, { a: null, b: 'y' }],
    });
    expect(second?.text).toBe('quotes \' " and\nnewline, tab\t, unicode ✓ Zoë 李 😀, \\x41 backslash');
    expect(batches[0]?.schema?.find((column) => column.name === 'pairs')?.type).toBe('STRUCT(a INTEGER, b VARCHAR)[]');
  });

  it('restores MAP, UNION, INTERVAL, JSON, ENUM, unsigned, BIT, fixed arrays, TIMETZ and infinite dates exactly', async () => {
    const { original, restored } = await copyThroughRecords(MORE_TYPES, 'more');
    expect(restored.types).toEqual(original.types);
    expect(restored.checksum).toEqual(original.checksum);
    expect(restored.rows).toEqual(original.rows);
  });
});

describe('duckdb.destination with records from text sources', () => {
  it('loads plain strings (as a CSV gives them) into an existing typed table exactly', async () => {
    const dir = await temporaryDirectory();
    const file = join(dir, 'typed.duckdb');
    await sql(
      file,
      `CREATE TABLE typed (
         n INTEGER, big BIGINT, money DECIMAL(12,2), flag BOOLEAN, day DATE, instant TIMESTAMPTZ, id_uuid UUID,
         bytes BLOB, numbers INTEGER[], words VARCHAR[], pair STRUCT(a INTEGER, b VARCHAR),
         pairs STRUCT(a INTEGER, b VARCHAR)[], doc JSON, span INTERVAL);
       CREATE TABLE expected AS SELECT * FROM typed LIMIT 0;
       INSERT INTO expected VALUES
         (42, -9007199254740993, 12.30, true, DATE '2024-01-02', TIMESTAMPTZ '2024-01-02 01:04:05+00',
          'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\xAA'::BLOB, [1, 2], ['a "quoted"', 'b'], {'a': 1, 'b': 'x'},
          [{'a': 1, 'b': 'x'}], '{"a": 1}', INTERVAL '1 day'),
         (7, 0, 0.5, false, NULL, NULL, NULL, '\\x00'::BLOB, [], [], {'a': 2, 'b': 'y z'}, NULL, '[]', NULL);`,
    );
    const ctx = testContext(dir);
    const writer = await duckdbDestination.open({ path: 'typed.duckdb', table: 'typed' }, ctx);
    await writer.write(
      {
        kind: 'records',
        stream: 'leads.csv',
        records: [
          {
            n: '42',
            big: '-9007199254740993',
            money: '12.3',
            flag: 'true',
            day: '2024-01-02',
            instant: '2024-01-02 03:04:05+02',
            id_uuid: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
            bytes: '\\xAA',
            numbers: '[1, 2]',
            words: '["a \\"quoted\\"", "b"]',
            pair: '{"a": 1, "b": "x"}',
            pairs: '[{"a": 1, "b": "x"}]',
            doc: '{"a": 1}',
            span: '1 day',
          },
          // DuckDB's own text forms (what COPY … TO 'x.csv' writes) and JSON values load too.
          {
            n: 7,
            big: 0,
            money: 0.5,
            flag: false,
            bytes: '\\x00',
            numbers: [],
            words: '[]',
            pair: "{'a': 2, 'b': y z}",
            doc: [],
          },
        ],
      },
      1,
    );
    await writer.prepare();
    await writer.commit();
    expect(ctx.rejected).toEqual([]);
    expect(
      await sql(
        file,
        `SELECT (SELECT count(*) FROM (FROM typed EXCEPT ALL FROM expected)), (SELECT count(*) FROM (FROM expected EXCEPT ALL FROM typed)), (SELECT count(*) FROM typed)`,
      ),
    ).toEqual([['0', '0', '2']]);
  });
});

// The speed of the same copy at 1M rows is entry 8 of `npm run bench` (test/bench/entries/duckdb-nodes.ts).
describe('duckdb.source → duckdb.destination on the demo orders table', () => {
  it('reads and loads 25,000 orders with a quoted note column exactly, in batches of 10,000', async () => {
    const rows = 25_000;
    const dir = await temporaryDirectory();
    await generateOrders(join(dir, 'orders.duckdb'), rows);
    const ordersWithNote = `SELECT *, 'order "' || order_id || '"' AS note FROM orders`;
    const ctx = testContext(dir, { batchSize: 10_000 });
    const source = { path: 'orders.duckdb', query: ordersWithNote, key: 'order_id' };
    const batches = await collect(duckdbSource.read(source, ctx));
    expect(batches.map((batch) => (batch as RecordBatch).records.length)).toEqual([10_000, 10_000, 5_000]);
    const writer = await duckdbDestination.open({ path: 'copy.duckdb', table: 'orders' }, ctx);
    for (const [index, batch] of batches.entries()) await writer.write(batch, index + 1);
    await writer.prepare();
    await writer.commit();
    expect(ctx.rejected).toEqual([]);
    const copied = await sql(join(dir, 'copy.duckdb'), `SELECT count(*), bit_xor(hash(t)) FROM orders t`);
    expect(copied).toEqual(
      await sql(join(dir, 'orders.duckdb'), `SELECT count(*), bit_xor(hash(t)) FROM (${ordersWithNote}) t`),
    );
    expect(copied[0]![0]).toBe(String(rows));
  });
});
