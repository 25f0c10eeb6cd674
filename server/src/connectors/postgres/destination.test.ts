import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect, it } from 'vitest';
import { ConfigError, VerificationError } from '../../errors.ts';
import type { Column, Rec, TableShape } from '../../node-kit/contract.ts';
import { temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { describeWithServices, postgresService } from '../../testing/services.ts';
import {
  destinationOpener,
  orderColumns,
  publish,
  recordBatch,
  sqlDestinationSuite,
} from '../../testing/sql-destination-suite.ts';
import { postgresDestination } from './destination.ts';
import { usePostgresDatabase } from './test-database.ts';

const db = usePostgresDatabase();

const batch = recordBatch;
const open = destinationOpener(postgresDestination, db);

const stagingTables = async () =>
  (await db.sql(`SELECT relname FROM pg_class WHERE relname LIKE '\\_backflow\\_stage\\_%' ORDER BY 1`)).map(
    (row) => row.relname as string,
  );

await describeWithServices('postgres.destination', [postgresService], () => {
  sqlDestinationSuite({
    type: postgresDestination,
    db,
    target: (table) => `public.${table}`,
    stagingTables,
    primaryKey: async (table) =>
      (
        await db.sql(
          `SELECT a.attname AS name FROM pg_index i
             CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.position`,
          [table],
        )
      ).map((row) => row.name as string),
  });

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

  it('rejects the rows Postgres refuses with its own message naming the field, and loads the rest', async () => {
    await db.sql(`CREATE TABLE bad_parents (id int PRIMARY KEY)`);
    await db.sql(`INSERT INTO bad_parents VALUES (1), (2)`);
    await db.sql(`CREATE TABLE bad_rows (
      id int PRIMARY KEY, qty smallint NOT NULL CHECK (qty >= 0), code varchar(3), day date, doc jsonb,
      parent int REFERENCES bad_parents (id))`);
    await db.sql(`INSERT INTO bad_rows VALUES (100, 1, 'x', null, null, null)`);
    const schema: Column[] = [
      { name: 'id', type: 'INTEGER' },
      { name: 'qty', type: 'SMALLINT' },
      { name: 'code', type: 'VARCHAR' },
      { name: 'day', type: 'DATE' },
      { name: 'doc', type: 'JSON' },
      { name: 'parent', type: 'INTEGER' },
    ];
    const good = (id: number) => ({ id, qty: 1, code: 'abc', day: '2024-01-01', doc: '{"a":1}', parent: 1 });
    const records: Rec[] = [
      good(1),
      { ...good(2), qty: null },
      { ...good(3), qty: -1 },
      { ...good(4), qty: 70000 },
      { ...good(5), code: 'abcd' },
      good(6),
      { ...good(7), day: '2024-02-30' },
      { ...good(8), doc: '{"a":' },
      { ...good(9), parent: 42 },
      { ...good(100) },
      { ...good(11), code: 'a\uD800' },
      good(10),
    ];
    const { ctx, writer } = await open({ table: 'bad_rows' });
    await writer.write(batch('bad_rows', records, schema), 1);
    await publish(writer);
    expect(ctx.rejected.map(({ record, reason }) => [record.id, reason])).toEqual([
      [
        2,
        expect.stringMatching(
          /^field "qty": null value in column "qty" of relation "bad_rows" violates not-null constraint/,
        ),
      ],
      [3, expect.stringMatching(/^new row for relation "bad_rows" violates check constraint "bad_rows_qty_check"/)],
      [4, 'field "qty": value "70000" is out of range for type smallint'],
      [5, 'field "code": value too long for type character varying(3)'],
      [7, 'field "day": date/time field value out of range: "2024-02-30"'],
      [8, expect.stringMatching(/^field "doc": invalid input syntax for type json/)],
      [
        11,
        expect.stringMatching(
          /^field "code": cannot write .* as VARCHAR: invalid UTF-8: the text holds half of a surrogate pair$/,
        ),
      ],
      [
        9,
        expect.stringMatching(
          /violates foreign key constraint "bad_rows_parent_fkey".*Key \(parent\)=\(42\) is not present/,
        ),
      ],
      [
        100,
        expect.stringMatching(
          /duplicate key value violates unique constraint "bad_rows_pkey".*Key \(id\)=\(100\) already exists/,
        ),
      ],
    ]);
    expect((await db.sql(`SELECT id FROM bad_rows ORDER BY id`)).map((row) => row.id)).toEqual(['1', '6', '10', '100']);
    expect(writer.verification?.()).toEqual([
      expect.objectContaining({ source: 12, loaded: 3, rejected: 9, missing: 0, ok: true }),
    ]);
  });

  it('builds created tables after the data: primary key, indexes, foreign keys to this run, identity past the largest id', async () => {
    const customers: Column[] = [
      { name: 'id', type: 'INTEGER', notNull: true, autoIncrement: true },
      { name: 'email', type: 'VARCHAR', maxLength: 100 },
    ];
    const orders: Column[] = [
      { name: 'id', type: 'BIGINT', notNull: true, autoIncrement: true },
      { name: 'customer_id', type: 'INTEGER' },
      { name: 'total', type: 'DECIMAL(10,2)' },
    ];
    const customerShape: TableShape = {
      primaryKey: ['id'],
      indexes: [{ name: 'customers_email', columns: ['email'], unique: true }],
    };
    const orderShape: TableShape = {
      primaryKey: ['id'],
      indexes: [{ name: 'by_customer', columns: ['customer_id'], unique: false }],
      foreignKeys: [
        {
          name: 'orders_customer',
          columns: ['customer_id'],
          referencedStream: 'shop.customers',
          referencedColumns: ['id'],
          onDelete: 'CASCADE',
        },
      ],
    };
    const { ctx, writer } = await open({
      schema: 'shop_copy',
      tables: { 'shop.customers': 'customers', 'shop.orders': 'orders' },
    });
    await writer.write(
      batch(
        'shop.customers',
        [
          { id: 1, email: 'a@x' },
          { id: 7, email: 'b@x' },
        ],
        customers,
        customerShape,
      ),
      1,
    );
    await writer.write(
      batch(
        'shop.orders',
        [
          { id: '10', customer_id: 1, total: '5' },
          { id: '41', customer_id: 7, total: '6' },
          { id: '12', customer_id: 99, total: '7' },
          { id: '13', customer_id: null, total: '8' },
        ],
        orders,
        orderShape,
      ),
      2,
    );
    await publish(writer);
    expect(ctx.rejected.map(({ record, reason }) => [record.id, reason])).toEqual([
      [
        12,
        expect.stringMatching(
          /^field "customer_id": .*violates foreign key constraint "orders_customer".*Key \(customer_id\)=\(99\) is not present in table "customers"/,
        ),
      ],
    ]);
    expect(await db.sql(`SELECT indexname FROM pg_indexes WHERE schemaname = 'shop_copy' ORDER BY 1`)).toEqual([
      { indexname: 'by_customer' },
      { indexname: 'customers_email' },
      { indexname: 'customers_pkey' },
      { indexname: 'orders_pkey' },
    ]);
    expect(
      await db.sql(
        `SELECT conname, confdeltype FROM pg_constraint WHERE contype = 'f' AND connamespace = 'shop_copy'::regnamespace`,
      ),
    ).toEqual([{ conname: 'orders_customer', confdeltype: 'c' }]);
    expect(await db.sql(`INSERT INTO shop_copy.customers (email) VALUES ('c@x') RETURNING id`)).toEqual([{ id: '8' }]);
    expect(await db.sql(`INSERT INTO shop_copy.orders (customer_id, total) VALUES (1, 1) RETURNING id`)).toEqual([
      { id: '42' },
    ]);
    expect(
      await db.sql(
        `SELECT attname FROM pg_attribute WHERE attrelid = 'shop_copy.orders'::regclass AND attnum > 0 AND NOT attisdropped`,
      ),
    ).toEqual([{ attname: 'id' }, { attname: 'customer_id' }, { attname: 'total' }]);
    expect(
      writer
        .verification?.()
        .map((report) => [report.target, report.source, report.loaded, report.rejected, report.ok]),
    ).toEqual([
      ['shop_copy.customers', 2, 2, 0, true],
      ['shop_copy.orders', 4, 3, 1, true],
    ]);
  });

  it('verification fails naming the table and key when a staged row was changed, and publishes nothing', async () => {
    const { writer } = await open({ table: 'ver_orders' });
    await writer.write(
      batch(
        'orders',
        [1, 2, 3].map((id) => ({ id, amount: `${id}`, note: 'n' })),
        orderColumns,
        { primaryKey: ['id'] },
      ),
      1,
    );
    const [stage] = (await stagingTables()).filter((name) => name?.includes('ver_orders'));
    await db.sql(`UPDATE "${stage}" SET amount = 99 WHERE id = 2`);
    const failure = writer.prepare();
    await expect(failure).rejects.toThrow(VerificationError);
    await expect(failure).rejects.toThrow(/public.ver_orders .* at key id=2/);
    expect(writer.verification?.()).toEqual([
      expect.objectContaining({
        target: 'public.ver_orders',
        source: 3,
        loaded: 3,
        ok: false,
        firstDifference: expect.objectContaining({ key: 'id=2' }),
      }),
    ]);
    await writer.abort?.();
    expect(await db.sql(`SELECT to_regclass('ver_orders') AS t`)).toEqual([{ t: null }]);
  });

  it('verification counts a staged row deleted behind its back as missing', async () => {
    const { writer } = await open({ table: 'ver_gone' });
    await writer.write(
      batch(
        'orders',
        [1, 2].map((id) => ({ id, amount: '1', note: null })),
        orderColumns,
      ),
      1,
    );
    const [stage] = (await stagingTables()).filter((name) => name?.includes('ver_gone'));
    await db.sql(`DELETE FROM "${stage}" WHERE id = 1`);
    await expect(writer.prepare()).rejects.toThrow(/public.ver_gone does not hold what stream "orders" sent/);
    expect(writer.verification?.()[0]).toMatchObject({ source: 2, loaded: 1, missing: 1, ok: false });
    await writer.abort?.();
  });

  it('matches fields to an existing table ignoring case, and warns once about fields with no column', async () => {
    await db.sql(`CREATE TABLE case_orders ("OrderId" int, note text)`);
    const schema: Column[] = [
      { name: 'orderid', type: 'INTEGER' },
      { name: 'NOTE', type: 'VARCHAR' },
      { name: 'extra', type: 'VARCHAR' },
    ];
    const { ctx, writer } = await open({ table: 'case_orders' });
    await writer.write(batch('orders', [{ orderid: 1, NOTE: 'a', extra: 'x' }], schema), 1);
    await writer.write(batch('orders', [{ orderid: 2, NOTE: null, extra: 'y' }], schema), 2);
    await publish(writer);
    expect(await db.sql(`SELECT "OrderId", note FROM case_orders ORDER BY 1`)).toEqual([
      { OrderId: '1', note: 'a' },
      { OrderId: '2', note: null },
    ]);
    expect(ctx.warnings).toEqual(['field "extra" matches no column of public.case_orders; its values are not written']);
    expect(writer.verification?.()[0]).toMatchObject({ source: 2, loaded: 2, ok: true });
  });
});
