/**
 * A whole MySQL/MariaDB database migrated into PostgreSQL by the CLI, as a user runs it: every column
 * type arrives (with the documented conversions: zero dates as NULL, tinyint(1) as boolean, SET as
 * an array), rows PostgreSQL refuses are rejected with its message while the rest lands, keys,
 * indexes, foreign keys and identities are rebuilt, and the verification report proves each table.
 * Then kill -9 mid-load and at the index phase, `--resume`: every table equals its source.
 * Tables are compared row by row here, by key, in canonical form (node-kit/verification.ts).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { canonicalValue } from '../../server/src/node-kit/verification.ts';
import { describeWithServices, mariadbService, postgresService } from '../../server/src/testing/services.ts';
import { envRef, holdAtSql, holding, runCli, spawnCliWithEnv, withPostgres, workDir } from './support.ts';

const mysqlServer = `mysql://root@${mariadbService.host}:${mariadbService.port}`;
const postgresServer = `postgres://postgres@${postgresService.host}:${postgresService.port}`;
const suffix = randomBytes(5).toString('hex');
const sourceName = `bf_e2e_src_${suffix}`;
const customers = 3000;
const ordersPerCustomer = 4;

/** The source database: three tables with foreign keys, every type, and rows PostgreSQL will refuse. */
const schema = `
CREATE TABLE customers (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(255),
  active TINYINT(1) NOT NULL DEFAULT 1,
  balance DECIMAL(12,2),
  ratio FLOAT,
  score DOUBLE,
  big BIGINT,
  ubig BIGINT UNSIGNED,
  tiny TINYINT,
  born DATE,
  created DATETIME(6),
  seen TIMESTAMP(3) NULL DEFAULT NULL,
  wake TIME,
  since YEAR,
  notes TEXT,
  tags SET('vip','new','churned'),
  tier ENUM('bronze','silver','gold'),
  meta JSON,
  avatar BLOB,
  flags BIT(8),
  UNIQUE KEY customers_email (email),
  KEY customers_created (created)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE orders (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  amount DECIMAL(10,2) NOT NULL,
  placed DATETIME NOT NULL,
  KEY orders_placed (placed),
  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  line SMALLINT NOT NULL,
  sku CHAR(8) NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  PRIMARY KEY (order_id, line),
  CONSTRAINT items_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB;`;

/** Customers PostgreSQL refuses: a NUL byte in text, a TIME beyond 24 hours, an impossible date. */
const refusedCustomers = [7, 1234, 2999];

async function seed(connection: mysql.Connection): Promise<void> {
  await connection.query(schema);
  // Zero and impossible dates exist in real MySQL databases; this session lets them in.
  await connection.query(`SET SESSION sql_mode = 'ALLOW_INVALID_DATES'`);
  await connection.query(
    `INSERT INTO customers (id, name, email, active, balance, ratio, score, big, ubig, tiny, born, created, seen, wake, since, notes, tags, tier, meta, avatar, flags)
     SELECT seq,
            CONCAT('Customer ', seq, CASE WHEN seq % 7 = 1 THEN ' "quoted", comma' WHEN seq % 7 = 2 THEN ' Zoë 🚀' ELSE '' END),
            IF(seq % 11 = 0, NULL, CONCAT('c', seq, '@example.com')),
            seq % 2,
            IF(seq % 13 = 0, NULL, (seq * 7919 % 2000000) / 100 - 10000),
            seq / 8,
            seq * 1.0e-3 + 0.1,
            IF(seq = 2, 9223372036854775807, IF(seq = 3, -9223372036854775808, seq * 1000003)),
            IF(seq = 4, 18446744073709551615, seq),
            seq % 128 - 64,
            IF(seq % 17 = 0, '0000-00-00', DATE_ADD('1950-01-01', INTERVAL seq * 7 DAY)),
            IF(seq % 19 = 0, '0000-00-00 00:00:00', TIMESTAMPADD(MICROSECOND, seq * 1000001, '2020-01-01 00:00:00')),
            IF(seq % 5 = 0, NULL, TIMESTAMPADD(SECOND, seq * 61, '2021-06-01 12:00:00')),
            SEC_TO_TIME(seq * 17 % 86400),
            1990 + seq % 30,
            IF(seq % 3 = 0, NULL, CONCAT('line one', CHAR(10), 'line two, "x" \\\\ ', seq)),
            ELT(seq % 4 + 1, '', 'vip', 'vip,new', 'churned'),
            ELT(seq % 3 + 1, 'bronze', 'silver', 'gold'),
            IF(seq % 6 = 0, NULL, JSON_OBJECT('b', seq, 'a', JSON_ARRAY(1, 'two', NULL), 'nested', JSON_OBJECT('x', 'é'))),
            IF(seq % 4 = 0, NULL, UNHEX(CONCAT('00FF5C27', LPAD(HEX(seq), 8, '0')))),
            seq % 256
       FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_${customers}) numbers`,
  );
  await connection.query(`UPDATE customers SET notes = CONCAT('nul', CHAR(0), 'byte') WHERE id = ?`, [
    refusedCustomers[0],
  ]);
  await connection.query(`UPDATE customers SET wake = '838:59:59' WHERE id = ?`, [refusedCustomers[1]]);
  await connection.query(`UPDATE customers SET born = '2023-02-30' WHERE id = ?`, [refusedCustomers[2]]);
  await connection.query(
    `INSERT INTO orders (id, customer_id, amount, placed)
     SELECT seq, (seq - 1) % ${customers} + 1, (seq % 100000) / 100, TIMESTAMPADD(MINUTE, seq, '2022-01-01')
       FROM seq_1_to_${customers * ordersPerCustomer}`,
  );
  await connection.query(
    `INSERT INTO order_items (order_id, line, sku, quantity)
     SELECT o.seq, l.seq, CONCAT('SKU', LPAD(o.seq % 99999, 5, '0')), o.seq % 7 + 1
       FROM seq_1_to_${customers * ordersPerCustomer} o JOIN seq_1_to_2 l`,
  );
}

let source: mysql.Connection;
const targets: string[] = [];

/** A client on one of the server's databases. */
function withDatabase<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withPostgres(`${postgresServer}/${database}`, work);
}

async function newTarget(): Promise<string> {
  const name = `bf_e2e_dst_${suffix}_${targets.length}`;
  targets.push(name);
  await withDatabase('postgres', (client) => client.query(`CREATE DATABASE ${name}`));
  return name;
}

await describeWithServices('MySQL → PostgreSQL migration', [mariadbService, postgresService], () => {
  beforeAll(async () => {
    const admin = await mysql.createConnection(mysqlServer);
    await admin.query(`CREATE DATABASE ${sourceName} CHARACTER SET utf8mb4`);
    await admin.end();
    source = await mysql.createConnection({
      uri: `${mysqlServer}/${sourceName}`,
      multipleStatements: true,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      timezone: 'Z',
    });
    await source.query(`SET time_zone = '+00:00'`);
    await seed(source);
  }, 120_000);

  afterAll(async () => {
    await source?.end();
    const admin = await mysql.createConnection(mysqlServer);
    await admin.query(`DROP DATABASE IF EXISTS ${sourceName}`);
    await admin.end();
    await withDatabase('postgres', async (client) => {
      for (const name of targets) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
  });

  it('migrates every table and type, rejects what PostgreSQL refuses with its message, rebuilds keys and verifies', async () => {
    const target = await newTarget();
    const cwd = await writeFlow('migrate');
    const result = await spawnCliWithEnv(['run', 'flow.json', '--json'], cwd, urls(target)).done;
    expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe('succeeded');
    // Where the data went, as a user looks for it: the URL shown (it holds no password to hide).
    expect(summary.outputs.postgres).toContain(`127.0.0.1:${postgresService.port}/${target}`);

    // Accounting: read = written + rejected, and the three refused customers are the ones rejected.
    expect(summary.nodes.mysql.read).toBe(customers + customers * ordersPerCustomer * 3);
    // Each refused customer takes its orders and their items with it: they would break the foreign keys.
    const refusedOrders = refusedCustomers.length * ordersPerCustomer;
    const refusedItems = refusedOrders * 2;
    expect(summary.nodes.postgres.rejected).toBe(refusedCustomers.length + refusedOrders + refusedItems);
    expect(summary.nodes.postgres.written).toBe(summary.nodes.mysql.read - summary.nodes.postgres.rejected);
    const rejected = await runCli(['rejected', summary.runId], cwd);
    const rejectedRows = rejected.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { record: { id: number }; reasons: string[] });
    const customerRejects = rejectedRows.filter((row) => !('customer_id' in row.record) && !('order_id' in row.record));
    expect(customerRejects.map((row) => row.record.id).sort((a, b) => a - b)).toEqual(refusedCustomers);
    for (const row of customerRejects) expect(row.reasons.join(' ')).toMatch(/notes|wake|born|0x00|time|date/i);
    const orphans = rejectedRows.filter((row) => 'customer_id' in row.record || 'order_id' in row.record);
    expect(orphans).toHaveLength(refusedOrders + refusedItems);
    for (const row of orphans) expect(row.reasons.join(' ')).toMatch(/customers|orders/);

    // The verification report: per table, source = loaded + rejected, checksums equal.
    const report = summary.verification.postgres as {
      stream: string;
      source: number;
      loaded: number;
      rejected: number;
      ok: boolean;
    }[];
    expect(report.map((table) => [table.stream, table.source, table.loaded, table.rejected, table.ok])).toEqual([
      ['customers', customers, customers - refusedCustomers.length, refusedCustomers.length, true],
      ['orders', customers * ordersPerCustomer, customers * ordersPerCustomer - refusedOrders, refusedOrders, true],
      [
        'order_items',
        customers * ordersPerCustomer * 2,
        customers * ordersPerCustomer * 2 - refusedItems,
        refusedItems,
        true,
      ],
    ]);

    await expectTablesEqualSource(target, refusedCustomers);
    await expectShapeRebuilt(target);
  }, 300_000);

  it('killed mid-load and at the index phase, each resumed run leaves every table equal to its source', async () => {
    for (const hold of [
      { point: 'the 5th batch COPY', env: holdAtSql('^\\s*COPY\\s+\\S+.*FROM\\s+STDIN', 5) },
      { point: 'the first CREATE INDEX', env: holdAtSql('CREATE\\s+(UNIQUE\\s+)?INDEX', 1) },
    ]) {
      const target = await newTarget();
      const cwd = await writeFlow(`kill-${targets.length}`);
      const cli = spawnCliWithEnv(['run', 'flow.json', '--json'], cwd, { ...urls(target), ...hold.env });
      await holding(cli);
      cli.child.kill('SIGKILL');
      await cli.done;

      const resumed = await spawnCliWithEnv(['run', 'flow.json', '--resume', '--json'], cwd, urls(target)).done;
      expect(resumed.code, `${hold.point}: ${resumed.stderr}`).toBe(0);
      const summary = JSON.parse(resumed.stdout);
      expect(summary.resumed, hold.point).toBe(true);
      expect(summary.status).toBe('succeeded');
      await expectTablesEqualSource(target, refusedCustomers);
      await expectShapeRebuilt(target);
      // No staging table is left behind.
      const leftovers = await withDatabase(target, async (client) =>
        client.query(`SELECT table_name FROM information_schema.tables WHERE table_name LIKE '%backflow%'`),
      );
      expect(leftovers.rows, hold.point).toEqual([]);
    }
  }, 600_000);
});

/** The database URLs the flow reads from the environment, as a user keeps them out of flow files. */
function urls(target: string): Record<string, string> {
  return { MYSQL_URL: `${mysqlServer}/${sourceName}`, POSTGRES_URL: `${postgresServer}/${target}` };
}

async function writeFlow(name: string): Promise<string> {
  const cwd = await workDir(`mysql-pg-${name}`);
  const flow = {
    name: `mysql-to-postgres-${name}`,
    settings: { batchSize: 1000 },
    nodes: [
      { id: 'mysql', type: 'mysql.source', config: { url: envRef('MYSQL_URL'), tables: ['*'] } },
      {
        id: 'postgres',
        type: 'postgres.destination',
        config: { url: envRef('POSTGRES_URL'), mode: 'replace', createTables: true },
      },
    ],
    edges: [{ from: 'mysql', to: 'postgres' }],
  };
  await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(flow, null, 2));
  return cwd;
}

/** Column → Backflow type, as the migration maps MySQL's (the documented table). */
const customerTypes: Record<string, string> = {
  id: 'INTEGER',
  name: 'VARCHAR',
  email: 'VARCHAR',
  active: 'BOOLEAN',
  balance: 'DECIMAL(12,2)',
  ratio: 'FLOAT',
  score: 'DOUBLE',
  big: 'BIGINT',
  ubig: 'UBIGINT',
  tiny: 'TINYINT',
  born: 'DATE',
  created: 'TIMESTAMP',
  seen: 'TIMESTAMPTZ',
  wake: 'TIME',
  since: 'SMALLINT',
  notes: 'VARCHAR',
  tags: 'VARCHAR[]',
  tier: 'VARCHAR',
  meta: 'JSON',
  avatar: 'BLOB',
  flags: 'BIT',
};

/** A MySQL value as the migration documents converting it, before canonicalisation. */
function converted(column: string, value: unknown): unknown {
  if (value === null) return null;
  if ((column === 'born' || column === 'created') && /^0000-00-00/.test(String(value))) return null;
  if (column === 'tags') return String(value) === '' ? [] : String(value).split(',');
  if (column === 'flags')
    return Number(Buffer.from(value as Buffer).readUInt8(0))
      .toString(2)
      .padStart(8, '0');
  return value;
}

async function expectTablesEqualSource(target: string, refused: number[]): Promise<void> {
  const customerOf = (order: number) => ((order - 1) % customers) + 1;
  const tables: {
    name: string;
    key: string[];
    types: Record<string, string>;
    refused: (row: Record<string, unknown>) => boolean;
  }[] = [
    { name: 'customers', key: ['id'], types: customerTypes, refused: (row) => refused.includes(Number(row.id)) },
    {
      name: 'orders',
      key: ['id'],
      types: { id: 'BIGINT', customer_id: 'INTEGER', amount: 'DECIMAL(10,2)', placed: 'TIMESTAMP' },
      refused: (row) => refused.includes(Number(row.customer_id)),
    },
    {
      name: 'order_items',
      key: ['order_id', 'line'],
      types: { order_id: 'BIGINT', line: 'SMALLINT', sku: 'VARCHAR', quantity: 'UINTEGER' },
      refused: (row) => refused.includes(customerOf(Number(row.order_id))),
    },
  ];
  for (const table of tables) {
    const columns = Object.keys(table.types);
    const order = table.key.join(', ');
    const [sourceRows] = (await source.query(`SELECT ${columns.join(', ')} FROM ${table.name} ORDER BY ${order}`)) as [
      Record<string, unknown>[],
      unknown,
    ];
    const expected = sourceRows
      .filter((row) => !table.refused(row))
      .map((row) => canonicalRow(columns, table.types, (column) => converted(column, row[column])));
    const actual = await withDatabase(target, async (client) => {
      const result = await client.query(`SELECT ${columns.join(', ')} FROM ${table.name} ORDER BY ${order}`);
      return result.rows.map((row: Record<string, unknown>) =>
        canonicalRow(columns, table.types, (column) => row[column]),
      );
    });
    expect(actual.length, `${table.name} row count`).toBe(expected.length);
    const firstDifference = actual.findIndex((row, index) => row !== expected[index]);
    expect(firstDifference === -1 ? undefined : [actual[firstDifference], expected[firstDifference]], table.name).toBe(
      undefined,
    );
  }
}

function canonicalRow(columns: string[], types: Record<string, string>, value: (column: string) => unknown): string {
  return JSON.stringify(columns.map((column) => canonicalValue(value(column), types[column] ?? 'VARCHAR')));
}

/** Primary keys, the unique and plain indexes, foreign keys, and identities that continue after the data. */
async function expectShapeRebuilt(target: string): Promise<void> {
  await withDatabase(target, async (client) => {
    const constraints = await client.query(
      `SELECT conrelid::regclass::text AS table_name, contype FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
    );
    expect(constraints.rows.map((row) => `${row.table_name}:${row.contype}`)).toEqual(
      expect.arrayContaining(['customers:p', 'orders:f', 'orders:p', 'order_items:f', 'order_items:p']),
    );
    const indexes = await client.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'`);
    const definitions = indexes.rows.map((row) => String(row.indexdef)).join('\n');
    expect(definitions).toMatch(/UNIQUE INDEX .* ON public\.customers .*\(email\)/);
    expect(definitions).toMatch(/INDEX .* ON public\.orders .*\(placed\)/);
    // The next customer gets the id after the largest migrated one.
    const next = await client.query(`INSERT INTO customers (name, active) VALUES ('new', true) RETURNING id`);
    expect(Number(next.rows[0].id)).toBe(customers + 1);
  });
}
