/**
 * The database benchmarks' inputs, on the real servers (PostgreSQL 15, MariaDB 10.11), generated set
 * based on first use and reused after: a `backflow_bench` database on each. A seed is complete only
 * once its marker (a table comment naming the seed's version) is written last, so an interrupted or
 * outdated seed is built again from scratch. Every value derives from the row number (no random()),
 * so two seeds are identical.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

/** Where the servers are; override for a server elsewhere (the URLs name no database). */
export const postgresServer = process.env.BENCH_POSTGRES_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
export const mariadbServer = process.env.BENCH_MARIADB_SERVER ?? 'mysql://root@127.0.0.1:3306';

export const benchDatabase = 'backflow_bench';

/** The Postgres table of entry 10. */
export const postgresTable = 'payments';
export const postgresRows = 2_000_000;

/** The MariaDB tables of entry 11, parents first, with their row counts (1M in all). */
export const mariadbTables = { customers: 100_000, orders: 400_000, order_items: 500_000 } as const;
export type MariadbTable = keyof typeof mariadbTables;

/** Bump when the generated data changes: a seed with another marker is rebuilt. */
const seedMarker = 'backflow bench seed v1';

export function postgresUrl(database: string): string {
  return `${postgresServer}/${database}`;
}

export function mariadbUrl(database: string): string {
  return `${mariadbServer}/${database}`;
}

// --- PostgreSQL --------------------------------------------------------------------------------

export async function withPostgres<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl(database) });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL at ${postgresServer} does not answer (${errorText(error)}); start it with .ci/run`);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const paymentsSql = `
  CREATE TABLE ${postgresTable} (
    id bigint PRIMARY KEY,
    customer text NOT NULL,
    amount numeric(12,2) NOT NULL,
    paid_at timestamptz NOT NULL,
    refunded boolean NOT NULL,
    details jsonb
  );
  INSERT INTO ${postgresTable}
  SELECT
    i,
    (ARRAY['Ada Lovelace', 'O''Brien, Pat', 'Zoë Müller', 'José "Pepe" García'])[1 + i % 4] || ' #' || i % 100000,
    (i * 104729 % 1000000) / 100.0,
    timestamptz '2022-01-01 00:00:00+00' + (i * 15485863 % 94608000) * interval '1 second',
    i % 17 = 0,
    CASE WHEN i % 10 = 0 THEN NULL ELSE jsonb_build_object(
      'channel', (ARRAY['web', 'store', 'phone'])[1 + i % 3],
      'items', 1 + i % 9,
      'ref', 'r-' || i
    ) END
  FROM generate_series(1::bigint, ${postgresRows}) AS s(i);
`;

/** `backflow_bench.payments`, 2M rows, built unless a complete seed of this version is there. */
export async function seedPostgres(): Promise<void> {
  await withPostgres('postgres', async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [benchDatabase]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${benchDatabase}`);
  });
  await withPostgres(benchDatabase, async (client) => {
    const marker = await client.query<{ comment: string | null }>(
      'SELECT obj_description(to_regclass($1), $2) AS comment',
      [postgresTable, 'pg_class'],
    );
    if (marker.rows[0]?.comment === seedMarker) return;
    console.log(`  seeding PostgreSQL ${benchDatabase}.${postgresTable} (${postgresRows.toLocaleString('en')} rows)`);
    // DDL is transactional in Postgres: an interrupted seed leaves no table at all.
    await client.query('BEGIN');
    await client.query(`DROP TABLE IF EXISTS ${postgresTable}`);
    await client.query(paymentsSql);
    await client.query('COMMIT');
    // Hint bits and the visibility map set now, so the first timed read does not pay for them.
    await client.query(`VACUUM (FREEZE, ANALYZE) ${postgresTable}`);
    await client.query(`COMMENT ON TABLE ${postgresTable} IS '${seedMarker}'`);
  });
}

/** A new empty database `name` (dropped first if a previous trial left it). */
export async function freshPostgresDatabase(name: string): Promise<void> {
  await withPostgres('postgres', async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  });
}

export async function dropPostgresDatabase(name: string): Promise<void> {
  await withPostgres('postgres', (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Row counts of the tables in `database` named `tables`, whatever schema holds them (pgloader uses its own). */
export async function postgresRowCounts(database: string, tables: readonly string[]): Promise<Map<string, number>> {
  return withPostgres(database, async (client) => {
    const found = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_name = ANY($1)
         AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      [tables],
    );
    const counts = new Map<string, number>();
    for (const { schema, name } of found.rows) {
      const result = await client.query<{ rows: string }>(
        `SELECT count(*) AS rows FROM ${quoteIdent(schema)}.${quoteIdent(name)}`,
      );
      counts.set(name, (counts.get(name) ?? 0) + Number(result.rows[0]!.rows));
    }
    return counts;
  });
}

/** What a migration built besides the rows, counted over the user schemas of `database`. */
export interface PostgresShape {
  primaryKeys: number;
  foreignKeys: number;
  /** Every index, those of primary keys and unique constraints included. */
  indexes: number;
}

export async function postgresShape(database: string): Promise<PostgresShape> {
  return withPostgres(database, async (client) => {
    const result = await client.query<{ primary_keys: string; foreign_keys: string; indexes: string }>(
      `SELECT
         (SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
           WHERE c.contype = 'p' AND n.nspname NOT IN ('pg_catalog', 'information_schema')) AS primary_keys,
         (SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
           WHERE c.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema')) AS foreign_keys,
         (SELECT count(*) FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')) AS indexes`,
    );
    const row = result.rows[0]!;
    return {
      primaryKeys: Number(row.primary_keys),
      foreignKeys: Number(row.foreign_keys),
      indexes: Number(row.indexes),
    };
  });
}

export function shapeText(shape: PostgresShape): string {
  return `${shape.primaryKeys} primary keys, ${shape.foreignKeys} foreign keys, ${shape.indexes} indexes`;
}

/** `PostgreSQL 15.20`, for the notes under an entry. */
export async function postgresVersion(): Promise<string> {
  const version = await withPostgres('postgres', (client) =>
    client.query<{ v: string }>("SELECT current_setting('server_version') AS v"),
  );
  return `PostgreSQL ${version.rows[0]!.v.split(' ')[0]}`;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// --- MariaDB -----------------------------------------------------------------------------------

async function withMariadb<T>(work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection({ uri: mariadbServer, multipleStatements: true });
  } catch (error) {
    throw new Error(`MariaDB at ${mariadbServer} does not answer (${errorText(error)}); start it with .ci/run`);
  }
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

/** Customers → orders → order_items, foreign keys between them, secondary indexes, and most MariaDB types. */
const mariadbSchemaSql = `
  CREATE TABLE customers (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(190) NOT NULL,
    name VARCHAR(100) NOT NULL,
    country CHAR(2) NOT NULL,
    active TINYINT(1) NOT NULL,
    created_at DATETIME NOT NULL,
    notes TEXT NULL,
    UNIQUE KEY customers_email (email)
  ) ENGINE=InnoDB;
  CREATE TABLE orders (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    customer_id INT NOT NULL,
    status ENUM('pending', 'paid', 'shipped', 'delivered', 'refunded') NOT NULL,
    total DECIMAL(12,2) NOT NULL,
    ordered_at DATETIME NOT NULL,
    shipped_on DATE NULL,
    KEY orders_ordered_at (ordered_at),
    CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
  ) ENGINE=InnoDB;
  CREATE TABLE order_items (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id INT NOT NULL,
    sku VARCHAR(32) NOT NULL,
    quantity SMALLINT NOT NULL,
    unit_price DECIMAL(10,2) NOT NULL,
    gift TINYINT(1) NOT NULL,
    attributes JSON NULL,
    KEY order_items_sku (sku),
    CONSTRAINT order_items_order FOREIGN KEY (order_id) REFERENCES orders (id)
  ) ENGINE=InnoDB;
`;

const mariadbDataSql = `
  INSERT INTO customers (id, email, name, country, active, created_at, notes)
  SELECT
    seq,
    CONCAT('customer', seq, '@example.com'),
    CONCAT(ELT(1 + seq % 4, 'Ada', 'Zoë', 'Łukasz', 'Siobhán'), ' ', ELT(1 + seq % 5, 'Müller', 'O''Brien', 'García', 'Nguyen', 'Okafor')),
    ELT(1 + seq % 6, 'US', 'DE', 'FR', 'GB', 'BR', 'JP'),
    seq % 7 <> 0,
    TIMESTAMP '2019-01-01 00:00:00' + INTERVAL (seq * 7919 % 157680000) SECOND,
    IF(seq % 3 = 0, NULL, CONCAT('Kunde ', seq, ', café "', seq % 100, '"'))
  FROM seq_1_to_${mariadbTables.customers};
  INSERT INTO orders (id, customer_id, status, total, ordered_at, shipped_on)
  SELECT
    seq,
    1 + seq * 7919 % ${mariadbTables.customers},
    ELT(1 + seq % 5, 'pending', 'paid', 'shipped', 'delivered', 'refunded'),
    (seq * 104729 % 1000000) / 100,
    TIMESTAMP '2022-01-01 00:00:00' + INTERVAL (seq * 15485863 % 94608000) SECOND,
    IF(seq % 5 IN (2, 3), DATE '2022-01-03' + INTERVAL (seq * 15485863 % 94608000) DIV 86400 DAY, NULL)
  FROM seq_1_to_${mariadbTables.orders};
  INSERT INTO order_items (id, order_id, sku, quantity, unit_price, gift, attributes)
  SELECT
    seq,
    1 + (seq - 1) % ${mariadbTables.orders},
    CONCAT('SKU-', LPAD(seq * 31 % 5000, 5, '0')),
    1 + seq % 9,
    (seq * 7919 % 50000) / 100,
    seq % 23 = 0,
    IF(seq % 4 = 0, NULL, JSON_OBJECT('color', ELT(1 + seq % 3, 'red', 'green', 'blue'), 'size', 36 + seq % 10))
  FROM seq_1_to_${mariadbTables.order_items};
`;

/** `backflow_bench` with customers 100k, orders 400k, order_items 500k, unless a complete seed of this version is there. */
export async function seedMariadb(): Promise<void> {
  await withMariadb(async (connection) => {
    const [marker] = await connection.query<mysql.RowDataPacket[]>(
      'SELECT table_comment AS comment FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
      [benchDatabase, 'order_items'],
    );
    if (marker[0]?.comment === seedMarker) return;
    console.log(`  seeding MariaDB ${benchDatabase} (customers, orders, order_items: 1,000,000 rows)`);
    // MariaDB's DDL is not transactional: the marker, written last, is what says the seed is whole.
    await connection.query(`DROP DATABASE IF EXISTS ${benchDatabase}`);
    await connection.query(`CREATE DATABASE ${benchDatabase} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await connection.query(`USE ${benchDatabase}`);
    await connection.query(mariadbSchemaSql);
    // The generated rows satisfy the keys by construction; checking each one would only slow the seed.
    await connection.query('SET SESSION foreign_key_checks = 0, SESSION unique_checks = 0');
    await connection.query(mariadbDataSql);
    await connection.query('SET SESSION foreign_key_checks = 1, SESSION unique_checks = 1');
    await connection.query('ANALYZE TABLE customers, orders, order_items');
    await connection.query(`ALTER TABLE order_items COMMENT = '${seedMarker}'`);
  });
}

/** `MariaDB 10.11.19`, for the notes under an entry. */
export async function mariadbVersion(): Promise<string> {
  return withMariadb(async (connection) => {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT version() AS v');
    const version = String(rows[0]?.v);
    return `${version.includes('MariaDB') ? 'MariaDB' : 'MySQL'} ${version.split('-')[0]}`;
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
