import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect, it } from 'vitest';
import { ConfigError, VerificationError } from '../../errors.ts';
import type { Column, Rec, TableShape } from '../../node-kit/contract.ts';
import { temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { describeWithServices, mariadbService } from '../../testing/services.ts';
import {
  destinationOpener,
  orderColumns,
  publish,
  recordBatch,
  sqlDestinationSuite,
} from '../../testing/sql-destination-suite.ts';
import { mysqlDestination } from './destination.ts';
import { useMysqlDatabase } from './test-database.ts';

const db = useMysqlDatabase();

const batch = recordBatch;
const open = destinationOpener(mysqlDestination, db);

const stagingTables = async () =>
  (
    await db.sql(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_backflow\\_stage\\_%' ORDER BY 1`,
    )
  ).map((row) => row.name as string);

await describeWithServices('mysql.destination', [mariadbService], () => {
  sqlDestinationSuite({
    type: mysqlDestination,
    db,
    target: (table) => `${db.name}.${table}`,
    stagingTables,
    primaryKey: async (table) =>
      (
        await db.sql(
          `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
          [table],
        )
      ).map((row) => row.name as string),
  });

  it('validates its config and names where it writes without the password', () => {
    const validate = new Ajv2020({ strict: false }).compile(mysqlDestination.config);
    expect(validate({ url: 'mysql://u@h/db', table: 'orders', mode: 'replace' })).toBe(true);
    expect(validate({ url: 'x', schema: 'public' })).toBe(false);
    expect(
      mysqlDestination.location?.({ url: 'mysql://bob:s3cret@db.example/shop', table: 'orders' }, testContext('/tmp')),
    ).toBe('mysql://bob@db.example:3306/shop, table orders');
  });

  it('check passes on the test database and refuses a missing one readably, without the password', async () => {
    const ctx = testContext(await temporaryDirectory());
    await mysqlDestination.check?.({ url: db.url, table: 'orders' }, ctx);
    const refused = mysqlDestination.check?.({ url: 'mysql://root:hunter22@127.0.0.1:3306/bf_no_such_db' }, ctx);
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(
      /cannot connect to mysql:\/\/root@127.0.0.1:3306\/bf_no_such_db: Access denied/,
    );
    await expect(refused).rejects.not.toThrow(/hunter22/);
  });

  it('round-trips every column type of the mapping into a created table, with exact DDL types', async () => {
    const schema: Column[] = [
      { name: 'id', type: 'INTEGER', notNull: true },
      { name: 'ti', type: 'TINYINT' },
      { name: 'uti', type: 'UTINYINT' },
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
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'tstz', type: 'TIMESTAMPTZ' },
      { name: 'iv', type: 'INTERVAL' },
      { name: 'tags', type: 'VARCHAR[]' },
    ];
    const full: Rec = {
      id: 1,
      ti: -128,
      uti: 255,
      usi: 65535,
      ui: 4294967295,
      bi: '-9223372036854775808',
      ubi: '18446744073709551615',
      hi: '170141183460469231731687303715884105727',
      dec: '1234567890123456789012345678.0123456789',
      f: 0.10000000149011612,
      d: 0.1,
      b: true,
      vc: 'ünïcødé ✓ 😀 "q"',
      txt: 'two\nlines\ttab \\N back\\slash',
      bl: '\\x00\\xFFab\\x5C\\x09\\x0A',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      j: '{"b": [1, 2.5, null], "a": "x"}',
      st: { a: 1, b: 'x' },
      e: "it's big",
      dt: '2024-02-29',
      tm: '13:14:15.123456',
      ts: '2024-01-02 03:04:05.123456',
      tstz: '2024-01-02 03:04:05.5+02',
      iv: { months: 14, days: -3, micros: '3723000004' },
      tags: ['a,b', 'c"d', null],
    };
    const empty: Rec = Object.fromEntries(schema.map((column) => [column.name, column.name === 'id' ? 2 : null]));
    const { writer } = await open({ table: 'all_types' });
    await writer.write(batch('all_types', [full, empty], schema), 1);
    await publish(writer);
    expect(writer.verification?.()[0]).toMatchObject({ ok: true, loaded: 2 });
    const types = await db.sql(
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'all_types' ORDER BY ORDINAL_POSITION`,
    );
    expect(types.map((row) => `${row.name} ${row.type}`)).toEqual([
      'id int(11)',
      'ti tinyint(4)',
      'uti tinyint(3) unsigned',
      'usi smallint(5) unsigned',
      'ui int(10) unsigned',
      'bi bigint(20)',
      'ubi bigint(20) unsigned',
      'hi decimal(39,0)',
      'dec decimal(38,10)',
      'f float',
      'd double',
      'b tinyint(1)',
      'vc varchar(20)',
      'txt longtext',
      'bl longblob',
      'u uuid',
      'j longtext',
      'st longtext',
      "e enum('small','it''s big')",
      'dt date',
      'tm time(6)',
      'ts datetime(6)',
      'tstz datetime(6)',
      'iv longtext',
      'tags longtext',
    ]);
    const rows = await db.sql(`SELECT * FROM all_types ORDER BY id`);
    expect(rows[0]).toEqual({
      id: 1,
      ti: -128,
      uti: 255,
      usi: 65535,
      ui: 4294967295,
      bi: '-9223372036854775808',
      ubi: '18446744073709551615',
      hi: '170141183460469231731687303715884105727',
      dec: '1234567890123456789012345678.0123456789',
      f: 0.1,
      d: 0.1,
      b: 1,
      vc: 'ünïcødé ✓ 😀 "q"',
      txt: 'two\nlines\ttab \\N back\\slash',
      bl: Buffer.from([0, 255, 0x61, 0x62, 0x5c, 9, 10]),
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      j: { b: [1, 2.5, null], a: 'x' },
      st: { a: 1, b: 'x' },
      e: "it's big",
      dt: '2024-02-29',
      tm: '13:14:15.123456',
      ts: '2024-01-02 03:04:05.123456',
      tstz: '2024-01-02 01:04:05.500000',
      iv: { months: 14, days: -3, micros: '3723000004' },
      tags: ['a,b', 'c"d', null],
    });
    expect(Object.entries(rows[1] as Rec).filter(([, value]) => value !== null)).toEqual([['id', 2]]);
  });

  it('rejects the rows MySQL refuses with its own message naming the field, and loads the rest', async () => {
    await db.sql(`CREATE TABLE bad_parents (id int PRIMARY KEY)`);
    await db.sql(`INSERT INTO bad_parents VALUES (1), (2)`);
    await db.sql(`CREATE TABLE bad_rows (
      id int PRIMARY KEY, qty smallint NOT NULL CHECK (qty >= 0), code varchar(3), day date, doc json,
      parent int, utf3 varchar(10) CHARACTER SET utf8mb3, FOREIGN KEY (parent) REFERENCES bad_parents (id))`);
    await db.sql(`INSERT INTO bad_rows (id, qty) VALUES (100, 1)`);
    const schema: Column[] = [
      { name: 'id', type: 'INTEGER' },
      { name: 'qty', type: 'SMALLINT' },
      { name: 'code', type: 'VARCHAR' },
      { name: 'day', type: 'DATE' },
      { name: 'doc', type: 'JSON' },
      { name: 'parent', type: 'INTEGER' },
      { name: 'utf3', type: 'VARCHAR' },
    ];
    const good = (id: number) => ({ id, qty: 1, code: 'abc', day: '2024-01-01', doc: '{"a":1}', parent: 1, utf3: 'é' });
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
      good(100),
      { ...good(11), utf3: '😀' },
      { ...good(12), code: 'a\uD800' },
      good(10),
    ];
    const { ctx, writer } = await open({ table: 'bad_rows' });
    await writer.write(batch('bad_rows', records, schema), 1);
    await publish(writer);
    expect(ctx.rejected.map(({ record, reason }) => [record.id, reason])).toEqual([
      [2, `field "qty": Column 'qty' cannot be null`],
      [3, `field "qty": CONSTRAINT \`qty\` failed for \`${db.name}\`.\`bad_rows\``],
      [4, `field "qty": Out of range value for column 'qty'`],
      [5, `field "code": Data too long for column 'code'`],
      [7, expect.stringMatching(/^field "day": Incorrect date value: '2024-02-30' for column/)],
      [8, `field "doc": CONSTRAINT \`doc\` failed for \`${db.name}\`.\`bad_rows\``],
      [11, expect.stringMatching(/^field "utf3": Incorrect string value: '\\xF0\\x9F\\x98\\x80' for column/)],
      [12, 'field "code": invalid UTF-8: the text holds half of a surrogate pair'],
      [
        9,
        expect.stringMatching(
          /^Cannot add or update a child row: a foreign key constraint fails .*FOREIGN KEY \(`parent`\)/,
        ),
      ],
      [100, "Duplicate entry '100' for key 'PRIMARY'"],
    ]);
    expect((await db.sql(`SELECT id FROM bad_rows ORDER BY id`)).map((row) => row.id)).toEqual([1, 6, 10, 100]);
    expect(writer.verification?.()).toEqual([
      expect.objectContaining({ source: 13, loaded: 3, rejected: 10, missing: 0, ok: true }),
    ]);
  });

  it('builds created tables: primary key, indexes and foreign keys after the data, AUTO_INCREMENT past the largest id', async () => {
    const customers: Column[] = [
      { name: 'id', type: 'INTEGER', notNull: true, autoIncrement: true },
      { name: 'email', type: 'VARCHAR' },
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
    const { ctx, writer } = await open({ tables: { 'shop.customers': 'customers', 'shop.orders': 'orders' } });
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
        '12',
        expect.stringMatching(
          /^field "customer_id": Cannot add or update a child row: a foreign key constraint fails .*orders_customer.*\(99\) is not in customers/,
        ),
      ],
    ]);
    expect(
      await db.sql(
        `SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('customers', 'orders') AND SEQ_IN_INDEX = 1 ORDER BY 1, 2`,
      ),
    ).toEqual([
      { t: 'customers', i: 'customers_email', n: '0' },
      { t: 'customers', i: 'PRIMARY', n: '0' },
      { t: 'orders', i: 'by_customer', n: '1' },
      { t: 'orders', i: 'PRIMARY', n: '0' },
    ]);
    expect(
      await db.sql(
        `SELECT CONSTRAINT_NAME AS c, DELETE_RULE AS d, REFERENCED_TABLE_NAME AS r FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'orders'`,
      ),
    ).toEqual([{ c: 'orders_customer', d: 'CASCADE', r: 'customers' }]);
    await db.sql(`INSERT INTO customers (email) VALUES ('c@x')`);
    expect(await db.sql(`SELECT max(id) AS id FROM customers`)).toEqual([{ id: 8 }]);
    await db.sql(`INSERT INTO orders (customer_id, total) VALUES (1, 1)`);
    expect(await db.sql(`SELECT max(id) AS id FROM orders`)).toEqual([{ id: '42' }]);
    expect((await db.sql(`SHOW COLUMNS FROM orders`)).map((row) => row.Field)).toEqual(['id', 'customer_id', 'total']);
    expect(
      writer
        .verification?.()
        .map((report) => [report.target, report.source, report.loaded, report.rejected, report.ok]),
    ).toEqual([
      [`${db.name}.customers`, 2, 2, 0, true],
      [`${db.name}.orders`, 4, 3, 1, true],
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
    const [stage] = (await stagingTables()).filter((name) => name.includes('ver_orders'));
    await db.sql(`UPDATE \`${stage}\` SET amount = 99 WHERE id = 2`);
    const failure = writer.prepare();
    await expect(failure).rejects.toThrow(VerificationError);
    await expect(failure).rejects.toThrow(/\.ver_orders .* at key id=2/);
    await writer.abort?.();
    expect(
      await db.sql(
        `SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ver_orders'`,
      ),
    ).toEqual([{ n: '0' }]);
  });

  it('a created child may point at parent rows an existing table takes in the same run', async () => {
    await db.sql(`CREATE TABLE fk_parents (id int PRIMARY KEY)`);
    await db.sql(`INSERT INTO fk_parents VALUES (1)`);
    const parent: Column[] = [{ name: 'id', type: 'INTEGER', notNull: true }];
    const child: Column[] = [
      { name: 'id', type: 'INTEGER', notNull: true },
      { name: 'parent_id', type: 'INTEGER' },
    ];
    const childShape: TableShape = {
      primaryKey: ['id'],
      foreignKeys: [
        { name: 'fk_kids_parent', columns: ['parent_id'], referencedStream: 'parents', referencedColumns: ['id'] },
      ],
    };
    const { ctx, writer } = await open({ tables: { parents: 'fk_parents', kids: 'fk_kids' } });
    await writer.write(batch('parents', [{ id: 2 }], parent, { primaryKey: ['id'] }), 1);
    await writer.write(
      batch(
        'kids',
        [
          { id: 1, parent_id: 1 },
          { id: 2, parent_id: 2 },
          { id: 3, parent_id: 3 },
        ],
        child,
        childShape,
      ),
      2,
    );
    await publish(writer);
    expect(ctx.rejected.map(({ record }) => record.id)).toEqual([3]);
    expect((await db.sql(`SELECT id FROM fk_kids ORDER BY id`)).map((row) => row.id)).toEqual([1, 2]);
    expect(
      await db.sql(
        `SELECT REFERENCED_TABLE_NAME AS r FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'fk_kids'`,
      ),
    ).toEqual([{ r: 'fk_parents' }]);
  });
});
