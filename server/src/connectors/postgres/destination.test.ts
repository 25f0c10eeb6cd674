import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect, it } from 'vitest';
import { ConfigError, VerificationError } from '../../errors.ts';
import type { Column, DestinationWriter, Rec, RecordBatch, TableShape } from '../../node-kit/contract.ts';
import { type TestContext, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { describeWithServices, postgresService } from '../../testing/services.ts';
import { postgresDestination } from './destination.ts';
import type { PostgresDestinationConfig } from './destination-config.ts';
import { useTestDatabase } from './test-database.ts';

const db = useTestDatabase();

const batch = (stream: string, records: Rec[], schema?: Column[], shape?: TableShape): RecordBatch => ({
  kind: 'records',
  stream,
  records,
  ...(schema ? { schema } : {}),
  ...(shape ? { shape } : {}),
});

async function open(config: Omit<PostgresDestinationConfig, 'url'>, ctx: Partial<TestContext> = {}) {
  const context = testContext(await temporaryDirectory(), ctx);
  const writer = await postgresDestination.open({ url: db.url, ...config }, context);
  return { ctx: context, writer };
}

async function publish(writer: DestinationWriter) {
  await writer.prepare();
  await writer.commit();
}

const stagingTables = async () =>
  (await db.sql(`SELECT relname FROM pg_class WHERE relname LIKE '\\_backflow\\_stage\\_%' ORDER BY 1`)).map(
    (row) => row.relname,
  );

const orderColumns: Column[] = [
  { name: 'id', type: 'BIGINT', notNull: true },
  { name: 'amount', type: 'DECIMAL(12,2)' },
  { name: 'note', type: 'VARCHAR', maxLength: 10 },
];

await describeWithServices('postgres.destination', [postgresService], () => {
  it('validates its config: modes, a key, no unknown field, secrets writeOnly', () => {
    const validate = new Ajv2020({ strict: false }).compile(postgresDestination.config);
    expect(validate({ url: 'postgres://u@h/db', table: 'orders' })).toBe(true);
    expect(
      validate({ host: 'h', user: 'u', password: 'p', database: 'd', tables: { a: 'b' }, mode: 'upsert', key: ['id'] }),
    ).toBe(true);
    expect(validate({ url: 'x', mode: 'merge' })).toBe(false);
    expect(validate({ url: 'x', extra: 1 })).toBe(false);
    const properties = postgresDestination.config.properties as Record<string, { writeOnly?: boolean }>;
    expect([properties.url?.writeOnly, properties.password?.writeOnly]).toEqual([true, true]);
  });

  it('names where it writes without the password', () => {
    const ctx = testContext('/tmp');
    expect(
      postgresDestination.location?.({ url: 'postgres://bob:s3cret@db.example:6543/shop', table: 'orders' }, ctx),
    ).toBe('postgres://bob@db.example:6543/shop, table public.orders');
  });

  it('check passes on the test database and refuses a missing one with a readable error without the password', async () => {
    const ctx = testContext(await temporaryDirectory());
    await postgresDestination.check?.({ url: db.url, table: 'orders' }, ctx);
    const refused = postgresDestination.check?.(
      { url: 'postgres://postgres:hunter22@127.0.0.1:5432/bf_no_such_db' },
      ctx,
    );
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(/postgres:\/\/postgres@127.0.0.1:5432\/bf_no_such_db: .*does not exist/);
    await expect(refused).rejects.not.toThrow(/hunter22/);
  });

  it('insert: stages durably, shows nothing before commit, then creates the table and appends in order', async () => {
    await db.sql(`CREATE TABLE ins_orders (id bigint PRIMARY KEY, amount numeric(12,2), note text)`);
    await db.sql(`INSERT INTO ins_orders VALUES (0, 1, 'old')`);
    const { writer } = await open({ table: 'ins_orders' });
    await writer.write(batch('orders', [{ id: '1', amount: '10.50', note: 'first' }], orderColumns), 1);
    await writer.write(
      batch(
        'orders',
        [
          { id: 2, amount: 3, note: null },
          { id: '3', amount: '0.01', note: "it's\ttab\nline \\ back" },
        ],
        orderColumns,
      ),
      2,
    );
    expect(await db.sql(`SELECT count(*) FROM ins_orders`)).toEqual([{ count: '1' }]);
    expect(await stagingTables()).toHaveLength(1);
    await publish(writer);
    expect(await db.sql(`SELECT id, amount, note FROM ins_orders ORDER BY id`)).toEqual([
      { id: '0', amount: '1.00', note: 'old' },
      { id: '1', amount: '10.50', note: 'first' },
      { id: '2', amount: '3.00', note: null },
      { id: '3', amount: '0.01', note: "it's\ttab\nline \\ back" },
    ]);
    expect(await stagingTables()).toEqual([]);
    expect(writer.verification?.()).toEqual([
      expect.objectContaining({
        stream: 'orders',
        target: 'public.ins_orders',
        source: 3,
        loaded: 3,
        rejected: 0,
        missing: 0,
        ok: true,
      }),
    ]);
  });

  it('round-trips every column type of the mapping into created tables, with exact DDL types', async () => {
    const schema: Column[] = [
      { name: 'id', type: 'INTEGER', notNull: true },
      { name: 'ti', type: 'TINYINT' },
      { name: 'uti', type: 'UTINYINT' },
      { name: 'si', type: 'SMALLINT' },
      { name: 'usi', type: 'USMALLINT' },
      { name: 'ui', type: 'UINTEGER' },
      { name: 'bi', type: 'BIGINT' },
      { name: 'ubi', type: 'UBIGINT' },
      { name: 'hi', type: 'HUGEINT' },
      { name: 'dec', type: 'DECIMAL(38,10)' },
      { name: 'f', type: 'FLOAT' },
      { name: 'd', type: 'DOUBLE' },
      { name: 'b', type: 'BOOLEAN' },
      { name: 'vc', type: 'VARCHAR', maxLength: 20 },
      { name: 'txt', type: 'VARCHAR' },
      { name: 'bl', type: 'BLOB' },
      { name: 'u', type: 'UUID' },
      { name: 'j', type: 'JSON' },
      { name: 'st', type: 'STRUCT(a INTEGER, b VARCHAR)' },
      { name: 'e', type: "ENUM('small', 'it''s big')" },
      { name: 'dt', type: 'DATE' },
      { name: 'tm', type: 'TIME' },
      { name: 'ttz', type: 'TIMETZ' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'tstz', type: 'TIMESTAMPTZ' },
      { name: 'iv', type: 'INTERVAL' },
      { name: 'bits', type: 'BIT' },
      { name: 'ints', type: 'INTEGER[]' },
      { name: 'texts', type: 'VARCHAR[]' },
      { name: 'grid', type: 'BIGINT[][]' },
    ];
    const full: Rec = {
      id: 1,
      ti: -128,
      uti: 255,
      si: -32768,
      usi: 65535,
      ui: 4294967295,
      bi: '-9223372036854775808',
      ubi: '18446744073709551615',
      hi: '170141183460469231731687303715884105727',
      dec: '1234567890123456789012345678.0123456789',
      f: 0.10000000149011612,
      d: 0.1,
      b: true,
      vc: 'ünïcødé ✓ "q"',
      txt: 'two\nlines\ttab \\N back\\slash',
      bl: '\\x00\\xFFab\\x5C',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      j: '{"b": [1, 2.5, null], "a": "x"}',
      st: { a: 1, b: 'x' },
      e: "it's big",
      dt: '2024-02-29',
      tm: '13:14:15.123456',
      ttz: '13:14:15+05:30',
      ts: '2024-01-02 03:04:05.123456',
      tstz: '2024-01-02 01:04:05.5+00',
      iv: { months: 14, days: -3, micros: '3723000004' },
      bits: '1011',
      ints: [1, null, -3],
      texts: ['a,b', 'c"d', 'e\\f', null, '{x}', 'NULL'],
      grid: [
        ['1', '2'],
        ['3', '9223372036854775807'],
      ],
    };
    const empty: Rec = Object.fromEntries(schema.map((column) => [column.name, column.name === 'id' ? 2 : null]));
    const odd: Rec = {
      ...empty,
      id: 3,
      d: 'NaN',
      f: 'Infinity',
      dt: 'infinity',
      ts: '-infinity',
      txt: '',
      texts: [],
      j: '[]',
    };
    const { writer } = await open({ table: 'all_types' });
    await writer.write(batch('all_types', [full, empty, odd], schema), 1);
    await publish(writer);
    expect(writer.verification?.()[0]).toMatchObject({ ok: true, loaded: 3 });
    const types = await db.sql(
      `SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull FROM pg_attribute
        WHERE attrelid = 'all_types'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    );
    expect(types.map((row) => `${row.attname} ${row.type}${row.attnotnull === 't' ? ' not null' : ''}`)).toEqual([
      'id integer not null',
      'ti smallint',
      'uti smallint',
      'si smallint',
      'usi integer',
      'ui bigint',
      'bi bigint',
      'ubi numeric(20,0)',
      'hi numeric(39,0)',
      'dec numeric(38,10)',
      'f real',
      'd double precision',
      'b boolean',
      'vc character varying(20)',
      'txt text',
      'bl bytea',
      'u uuid',
      'j jsonb',
      'st jsonb',
      'e all_types_e',
      'dt date',
      'tm time without time zone',
      'ttz time with time zone',
      'ts timestamp without time zone',
      'tstz timestamp with time zone',
      'iv interval',
      'bits bit varying',
      'ints integer[]',
      'texts text[]',
      'grid bigint[]',
    ]);
    const rows = await db.sql(`SELECT * FROM all_types ORDER BY id`);
    expect(rows[0]).toEqual({
      id: '1',
      ti: '-128',
      uti: '255',
      si: '-32768',
      usi: '65535',
      ui: '4294967295',
      bi: '-9223372036854775808',
      ubi: '18446744073709551615',
      hi: '170141183460469231731687303715884105727',
      dec: '1234567890123456789012345678.0123456789',
      f: '0.1',
      d: '0.1',
      b: 't',
      vc: 'ünïcødé ✓ "q"',
      txt: 'two\nlines\ttab \\N back\\slash',
      bl: '\\x00ff61625c',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      j: '{"a": "x", "b": [1, 2.5, null]}',
      st: '{"a": 1, "b": "x"}',
      e: "it's big",
      dt: '2024-02-29',
      tm: '13:14:15.123456',
      ttz: '13:14:15+05:30',
      ts: '2024-01-02 03:04:05.123456',
      tstz: '2024-01-02 01:04:05.5+00',
      iv: 'P1Y2M-3DT1H2M3.000004S',
      bits: '1011',
      ints: '{1,NULL,-3}',
      texts: '{"a,b","c\\"d","e\\\\f",NULL,"{x}","NULL"}',
      grid: '{{1,2},{3,9223372036854775807}}',
    });
    expect(Object.entries(rows[1] as Rec).filter(([, value]) => value !== null)).toEqual([['id', '2']]);
    expect(rows[2]).toMatchObject({
      d: 'NaN',
      f: 'Infinity',
      dt: 'infinity',
      ts: '-infinity',
      txt: '',
      texts: '{}',
      j: '[]',
    });
  });
});
