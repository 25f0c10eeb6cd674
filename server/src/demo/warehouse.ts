/**
 * The demo warehouse: a DuckDB file with customers, orders, events and support tickets that the
 * example flows read.
 * Every value derives from the row number through `hash()` (never `random()`), so two generations
 * are identical; the tables are built set-based from `range()` in a second or two.
 */
import { randomUUID } from 'node:crypto';
import { access, link, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export const DEMO_CUSTOMERS = 20_000;
export const DEMO_ORDERS = 200_000;
export const DEMO_EVENTS = 300_000;
export const DEMO_TICKETS = 300;

/** Picks from a SQL list literal by a hash: `pick(['a', 'b'], 'h')` → `['a', 'b'][1 + h % 2]`. */
function pick(values: readonly string[], hash: string): string {
  const list = values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ');
  return `[${list}][1 + (${hash} % ${values.length})::BIGINT]`;
}

const FIRST_NAMES = [
  'Ada',
  'Zoë',
  'Łukasz',
  'Søren',
  'Amélie',
  'José',
  'Mei',
  'Olúmidé',
  'Siobhán',
  'Noah',
  'Aiko',
  'Omar',
];
const LAST_NAMES = [
  "O'Brien",
  'Müller',
  'García',
  'Nguyen',
  'Kowalski',
  'Okafor',
  'Smith',
  'Tanaka',
  'Rossi',
  'Dubois',
];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'BR', 'JP', 'IN', 'NG', 'PL', 'ES'];
const CITIES = ['Springfield', 'Berlin', 'Lyon', 'Leeds', 'Recife', 'Osaka', 'Pune', 'Lagos', 'Kraków', 'Sevilla'];
const STREETS = ['Main St', 'Hauptstraße', 'Rue de la Paix', 'High Street', 'Rua Augusta', 'Sakura-dori'];
const TAGS = ['vip', 'newsletter', 'b2b', 'churn-risk', 'beta'];
const STATUSES = ['pending', 'paid', 'paid', 'paid', 'shipped', 'shipped', 'delivered', 'refunded', 'cancelled'];
const CURRENCIES = ['USD', 'EUR', 'EUR', 'GBP', 'BRL', 'JPY'];
const EVENT_TYPES = ['page_view', 'page_view', 'page_view', 'search', 'add_to_cart', 'checkout', 'login', 'logout'];
const TICKET_SUBJECTS = [
  'Refund for a double charge',
  "Can't log in after the password reset",
  'Invoice shows <wrong> VAT & fees',
  'Paiement refusé deux fois',
  '配送が遅れています',
  'App crashes on "Save"',
  'Export to CSV cuts long names',
  'Please close my account',
];
const PRIORITIES = ['low', 'normal', 'normal', 'high', 'urgent'];
/** The Slack sandbox's support channels: tickets-to-slack.json routes each ticket to its agent's channel. */
const AGENT_CHANNELS = ['#support-tier1', '#support-tier1', '#support-tier2', '#support-billing'];
const PAGES = ['/', '/pricing', '/docs', '/blog/launch', '/cart', '/account?tab=billing', '/search?q=caf%C3%A9'];

const CUSTOMERS_SQL = `
  CREATE TABLE customers (
    customer_id BIGINT PRIMARY KEY,
    name VARCHAR NOT NULL,
    email VARCHAR,
    country VARCHAR NOT NULL,
    signup_date DATE NOT NULL,
    lifetime_value DECIMAL(12,2) NOT NULL,
    tags VARCHAR[] NOT NULL,
    address STRUCT(street VARCHAR, city VARCHAR, zip VARCHAR)
  );
  INSERT INTO customers
  SELECT
    i,
    ${pick(FIRST_NAMES, 'h')} || ' ' || ${pick(LAST_NAMES, '(h >> 8)')},
    CASE WHEN h % 50 = 0 THEN NULL
      ELSE lower(strip_accents(${pick(FIRST_NAMES, 'h')})) || '.' || i || '@example.com' END,
    ${pick(COUNTRIES, '(h >> 16)')},
    DATE '2019-01-01' + ((h >> 24) % 2000)::INTEGER,
    (((h >> 32) % 5000000) / 100)::DECIMAL(12,2),
    list_filter(${`[${TAGS.map((tag) => `'${tag}'`).join(', ')}]`}, lambda tag, position: ((h >> (40 + position)) & 7) = 0),
    CASE WHEN h % 97 = 0 THEN NULL ELSE {
      'street': ((h >> 12) % 999 + 1)::VARCHAR || ' ' || ${pick(STREETS, '(h >> 20)')},
      'city': ${pick(CITIES, '(h >> 16)')},
      'zip': lpad(((h >> 28) % 100000)::VARCHAR, 5, '0')
    } END
  FROM (SELECT i, hash(i, 'customers') AS h FROM range(1, ${DEMO_CUSTOMERS} + 1) AS r(i));
`;

/** The orders table of `rows` rows over `customers` customers; the same formula at every size. */
function ordersSql(rows: number, customers: number): string {
  return `
  CREATE TABLE orders (
    order_id BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    ordered_at TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    currency VARCHAR NOT NULL,
    items INTEGER NOT NULL
  );
  INSERT INTO orders
  SELECT
    i,
    1 + (h % ${customers})::BIGINT,
    -- Whole seconds from 2022-01-01 UTC: no time zone rule can change them.
    to_timestamp(1640995200 + ((h >> 8) % 94608000)::BIGINT),
    ${pick(STATUSES, '(h >> 24)')},
    ((100 + (h >> 32) % 99900) / 100)::DECIMAL(12,2),
    ${pick(CURRENCIES, '(h >> 40)')},
    (1 + (h >> 48) % 9)::INTEGER
  FROM (SELECT i, hash(i, 'orders') AS h FROM range(1, ${rows} + 1) AS r(i));
`;
}

const EVENTS_SQL = `
  CREATE TABLE events (
    event_id UUID PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    type VARCHAR NOT NULL,
    payload JSON
  );
  INSERT INTO events
  SELECT
    md5('event-' || i)::UUID,
    1 + (h % ${DEMO_CUSTOMERS})::BIGINT,
    make_timestamp(1640995200000000 + ((h >> 8) % 94608000000000)::BIGINT),
    ${pick(EVENT_TYPES, '(h >> 24)')},
    CASE WHEN h % 11 = 0 THEN NULL ELSE json_object(
      'page', ${pick(PAGES, '(h >> 32)')},
      'duration_ms', ((h >> 40) % 60000)::INTEGER,
      'mobile', (h >> 56) % 3 = 0
    ) END
  FROM (SELECT i, hash(i, 'events') AS h FROM range(1, ${DEMO_EVENTS} + 1) AS r(i));
`;

/** Urgent tickets go to the escalations channel; the others to an agent's channel picked by hash. */
const TICKETS_SQL = `
  CREATE TABLE support_tickets (
    ticket_id BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    subject VARCHAR NOT NULL,
    priority VARCHAR NOT NULL,
    agent_channel VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
  );
  INSERT INTO support_tickets
  SELECT
    i,
    1 + (h % ${DEMO_CUSTOMERS})::BIGINT,
    ${pick(TICKET_SUBJECTS, '(h >> 8)')} || ' (#' || i || ')',
    priority,
    CASE WHEN priority = 'urgent' THEN '#support-escalations' ELSE ${pick(AGENT_CHANNELS, '(h >> 24)')} END,
    make_timestamp(1735689600000000 + ((h >> 32) % 31536000000000)::BIGINT)
  FROM (
    SELECT i, h, ${pick(PRIORITIES, '(h >> 16)')} AS priority
    FROM (SELECT i, hash(i, 'support_tickets') AS h FROM range(1, ${DEMO_TICKETS} + 1) AS r(i))
  );
`;

/** Generates the demo warehouse at `path` unless the file exists; one made before a table was added gets it. */
export async function ensureDemoWarehouse(path: string): Promise<void> {
  await buildOnce(path, [CUSTOMERS_SQL, ordersSql(DEMO_ORDERS, DEMO_CUSTOMERS), EVENTS_SQL, TICKETS_SQL], {
    support_tickets: TICKETS_SQL,
  });
}

/**
 * Tables the demo gained after a release: an existing demo file gets them, so every template runs on
 * it. Checked read-only; a file another process holds open is left as it is (the next start adds them).
 */
async function addMissingTables(path: string, tables: Record<string, string>): Promise<void> {
  const missing = await withDatabase(path, true, async (connection) => {
    const present = new Set(
      (await connection.runAndReadAll('SELECT table_name FROM duckdb_tables()')).getRows().map(([name]) => name),
    );
    return Object.keys(tables).filter((table) => !present.has(table));
  });
  if (missing === undefined || missing.length === 0) return;
  await withDatabase(path, false, async (connection) => {
    for (const table of missing) await connection.run(tables[table]!);
  });
}

/** Runs `work` on the file, or returns undefined when another process holds it. */
async function withDatabase<T>(
  path: string,
  readOnly: boolean,
  work: (connection: DuckDBConnection) => Promise<T>,
): Promise<T | undefined> {
  let instance: DuckDBInstance;
  // DuckDB loads when the demo warehouse is used, not at every start of the CLI.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  try {
    instance = await DuckDBInstance.create(path, readOnly ? { access_mode: 'READ_ONLY' } : {});
  } catch (error) {
    if (/lock/i.test(String(error))) return undefined;
    throw error;
  }
  try {
    const connection = await instance.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * Writes a file at `path` holding only an `orders` table of `rows` rows (the demo's formula), unless
 * the file exists, so benchmarks at 1M/5M/10M rows build their input once.
 */
export async function generateOrders(path: string, rows: number): Promise<void> {
  await buildOnce(path, [ordersSql(rows, DEMO_CUSTOMERS)]);
}

/** Concurrent first uses within this process wait for the same build. */
const builds = new Map<string, Promise<void>>();

function buildOnce(path: string, statements: string[], addedLater: Record<string, string> = {}): Promise<void> {
  let build = builds.get(path);
  if (build === undefined) {
    build = buildDatabase(path, statements)
      .then(() => (Object.keys(addedLater).length > 0 ? addMissingTables(path, addedLater) : undefined))
      .finally(() => builds.delete(path));
    builds.set(path, build);
  }
  return build;
}

/**
 * Builds the file under a temporary name and links it into place only when complete: a reader
 * never sees a half-built file, and `link` refuses to replace a file another process finished first.
 */
async function buildDatabase(path: string, statements: string[]): Promise<void> {
  if (await exists(path)) return;
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID()}.building`;
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(temporary);
    try {
      const connection = await instance.connect();
      for (const statement of statements) await connection.run(statement);
      await connection.run('CHECKPOINT');
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
    await link(temporary, path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temporary, { force: true });
    await rm(`${temporary}.wal`, { force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
