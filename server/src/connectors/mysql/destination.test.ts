import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect, it } from 'vitest';
import { ConfigError, VerificationError } from '../../errors.ts';
import type { Column, DestinationWriter, Rec, RecordBatch, TableShape } from '../../node-kit/contract.ts';
import { type TestContext, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { describeWithServices, mariadbService } from '../../testing/services.ts';
import { mysqlDestination } from './destination.ts';
import type { MysqlDestinationConfig } from './destination-config.ts';
import { useTestDatabase } from './target-test-database.ts';

const db = useTestDatabase();

const batch = (stream: string, records: Rec[], schema?: Column[], shape?: TableShape): RecordBatch => ({
  kind: 'records',
  stream,
  records,
  ...(schema ? { schema } : {}),
  ...(shape ? { shape } : {}),
});

async function open(config: Omit<MysqlDestinationConfig, 'url'>, ctx: Partial<TestContext> = {}) {
  const context = testContext(await temporaryDirectory(), ctx);
  const writer = await mysqlDestination.open({ url: db.url, ...config }, context);
  return { ctx: context, writer };
}

async function publish(writer: DestinationWriter) {
  await writer.prepare();
  await writer.commit();
}

const stagingTables = async () =>
  (
    await db.sql(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_backflow\\_stage\\_%' ORDER BY 1`,
    )
  ).map((row) => row.name as string);

const orderColumns: Column[] = [
  { name: 'id', type: 'BIGINT', notNull: true },
  { name: 'amount', type: 'DECIMAL(12,2)' },
  { name: 'note', type: 'VARCHAR', maxLength: 10 },
];

await describeWithServices('mysql.destination', [mariadbService], () => {
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

  it('insert: stages durably, shows nothing before commit, then appends in order', async () => {
    await db.sql(`CREATE TABLE ins_orders (id bigint PRIMARY KEY, amount decimal(12,2), note text)`);
    await db.sql(`INSERT INTO ins_orders VALUES (0, 1, 'old')`);
    const { writer } = await open({ table: 'ins_orders' });
    await writer.write(batch('orders', [{ id: '1', amount: '10.50', note: 'first' }], orderColumns), 1);
    await writer.write(
      batch(
        'orders',
        [
          { id: 2, amount: 3, note: null },
          { id: '3', amount: '0.01', note: "it's\ttab\nline \\N back\\" },
        ],
        orderColumns,
      ),
      2,
    );
    expect(await db.sql(`SELECT count(*) AS n FROM ins_orders`)).toEqual([{ n: '1' }]);
    expect(await stagingTables()).toHaveLength(1);
    await publish(writer);
    expect(await db.sql(`SELECT id, amount, note FROM ins_orders ORDER BY id`)).toEqual([
      { id: '0', amount: '1.00', note: 'old' },
      { id: '1', amount: '10.50', note: 'first' },
      { id: '2', amount: '3.00', note: null },
      { id: '3', amount: '0.01', note: "it's\ttab\nline \\N back\\" },
    ]);
    expect(await stagingTables()).toEqual([]);
    expect(writer.verification?.()).toEqual([
      expect.objectContaining({
        target: `${db.name}.ins_orders`,
        source: 3,
        loaded: 3,
        rejected: 0,
        missing: 0,
        ok: true,
      }),
    ]);
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

  it('upsert: the newest staged row of a key wins and other rows stay (ON DUPLICATE KEY UPDATE)', async () => {
    await db.sql(`CREATE TABLE up_contacts (region varchar(5), id int, email text, PRIMARY KEY (region, id))`);
    await db.sql(`INSERT INTO up_contacts VALUES ('eu', 1, 'old@a'), ('eu', 2, 'keep@b'), ('us', 1, 'old@c')`);
    const schema: Column[] = [
      { name: 'region', type: 'VARCHAR' },
      { name: 'id', type: 'INTEGER' },
      { name: 'email', type: 'VARCHAR' },
    ];
    const { writer } = await open({ table: 'up_contacts', mode: 'upsert', key: ['region', 'id'] });
    await writer.write(
      batch(
        'contacts',
        [
          { region: 'eu', id: 1, email: 'first@a' },
          { region: 'eu', id: 3, email: 'new@d' },
          { region: 'eu', id: 1, email: 'second@a' },
        ],
        schema,
      ),
      1,
    );
    await writer.write(
      batch(
        'contacts',
        [
          { region: 'us', id: 1, email: 'newest@c' },
          { region: 'eu', id: 1, email: 'newest@a' },
        ],
        schema,
      ),
      2,
    );
    await publish(writer);
    expect(await db.sql(`SELECT region, id, email FROM up_contacts ORDER BY region, id`)).toEqual([
      { region: 'eu', id: 1, email: 'newest@a' },
      { region: 'eu', id: 2, email: 'keep@b' },
      { region: 'eu', id: 3, email: 'new@d' },
      { region: 'us', id: 1, email: 'newest@c' },
    ]);
  });

  it('upsert into a table it creates keeps the newest row per key and makes the key the primary key', async () => {
    const { writer } = await open({ mode: 'upsert' });
    const shape = { primaryKey: ['id'] };
    await writer.write(
      batch(
        'up_new',
        [
          { id: '1', amount: '1', note: 'a' },
          { id: '1', amount: '2', note: 'b' },
        ],
        orderColumns,
        shape,
      ),
      1,
    );
    await writer.write(
      batch(
        'up_new',
        [
          { id: '2', amount: '3', note: 'c' },
          { id: '1', amount: '4', note: 'd' },
        ],
        orderColumns,
        shape,
      ),
      2,
    );
    await publish(writer);
    expect(await db.sql(`SELECT id, amount, note FROM up_new ORDER BY id`)).toEqual([
      { id: '1', amount: '4.00', note: 'd' },
      { id: '2', amount: '3.00', note: 'c' },
    ]);
    expect(
      await db.sql(
        `SELECT COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'up_new' AND CONSTRAINT_NAME = 'PRIMARY'`,
      ),
    ).toEqual([{ c: 'id' }]);
  });

  it('replace: swaps the contents at commit; a run that fails before commit leaves the old table as it was', async () => {
    await db.sql(`CREATE TABLE rep_orders (id bigint PRIMARY KEY, amount decimal(12,2), note text)`);
    await db.sql(`INSERT INTO rep_orders VALUES (1, 1, 'old'), (2, 2, 'old')`);
    const failing = await open({ table: 'rep_orders', mode: 'replace' });
    await failing.writer.write(batch('orders', [{ id: 9, amount: '9', note: 'new' }], orderColumns), 1);
    await failing.writer.prepare();
    await failing.writer.abort?.();
    expect(await db.sql(`SELECT id, note FROM rep_orders ORDER BY id`)).toEqual([
      { id: '1', note: 'old' },
      { id: '2', note: 'old' },
    ]);
    const good = await open({ table: 'rep_orders', mode: 'replace' }, { runId: 'run-2' });
    await good.writer.write(
      batch(
        'orders',
        [
          { id: 2, amount: '5', note: 'new' },
          { id: 3, amount: '6', note: 'new' },
        ],
        orderColumns,
      ),
      1,
    );
    await publish(good.writer);
    expect(await db.sql(`SELECT id, amount, note FROM rep_orders ORDER BY id`)).toEqual([
      { id: '2', amount: '5.00', note: 'new' },
      { id: '3', amount: '6.00', note: 'new' },
    ]);
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

  it('resumes after a crash: the batches after the checkpoint are deleted and replayed, none lands twice', async () => {
    const first = await open({ table: 'res_orders' });
    const rows = (from: number) =>
      [0, 1, 2].map((i) => ({ id: from + i, amount: `${from + i}.5`, note: `n${from + i}` }));
    const shape = { primaryKey: ['id'] };
    await first.writer.write(batch('orders', rows(0), orderColumns, shape), 1);
    const checkpoint = JSON.parse(JSON.stringify(first.writer.state?.()));
    await first.writer.write(batch('orders', rows(3), orderColumns, shape), 2);
    await first.writer.write(batch('orders', rows(6), orderColumns, shape), 3);
    await first.writer.abort?.();
    const resumed = await open({ table: 'res_orders' }, { resumeSeq: 1, resumeState: checkpoint });
    for (const [seq, from] of [
      [2, 3],
      [3, 6],
      [4, 9],
    ] as const)
      await resumed.writer.write(batch('orders', rows(from), orderColumns, shape), seq);
    await publish(resumed.writer);
    expect((await db.sql(`SELECT id FROM res_orders ORDER BY id`)).map((row) => row.id)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
    ]);
    expect(resumed.writer.verification?.()[0]).toMatchObject({ source: 12, loaded: 12, ok: true });
  });

  it('a commit repeated after a crash publishes once: from the staging tables, or nothing when they are gone', async () => {
    await db.sql(`CREATE TABLE again_existing (id bigint PRIMARY KEY, amount decimal(12,2), note text)`);
    const first = await open({ tables: { orders: 'again_orders', existing: 'again_existing' } });
    await first.writer.write(batch('orders', [{ id: 1, amount: '1', note: 'a' }], orderColumns), 1);
    await first.writer.write(batch('existing', [{ id: 5, amount: '5', note: 'e' }], orderColumns), 2);
    await first.writer.prepare();
    const prepared = JSON.parse(JSON.stringify(first.writer.state?.()));
    await first.writer.abort?.();
    expect(await db.sql(`SELECT count(*) AS n FROM again_existing`)).toEqual([{ n: '0' }]);
    const reopened = await open(
      { tables: { orders: 'again_orders', existing: 'again_existing' } },
      { resumeSeq: 2, resumeState: prepared, prepared: true },
    );
    await reopened.writer.commit();
    const again = await open(
      { tables: { orders: 'again_orders', existing: 'again_existing' } },
      { resumeSeq: 2, resumeState: prepared, prepared: true },
    );
    await again.writer.commit();
    expect(await db.sql(`SELECT id, note FROM again_orders`)).toEqual([{ id: '1', note: 'a' }]);
    expect(await db.sql(`SELECT id, note FROM again_existing`)).toEqual([{ id: '5', note: 'e' }]);
    expect((await stagingTables()).filter((name) => name.includes('again'))).toEqual([]);
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
