/**
 * Connecting to PostgreSQL for a node: the config's URL or fields resolved, the session set so
 * every value comes back in one form (UTC, ISO dates, hex bytea, shortest exact floats), every value
 * read as text (record-values.ts converts it), errors typed and free of the password.
 */
import type pg from 'pg';
import {
  type ConnectionConfig,
  type ConnectionTarget,
  connectionRefused,
  describeConnection,
  nodeConnectionTarget,
} from '../../node-kit/sql/connection.ts';
import type { SqlDialect } from '../../node-kit/sql/dialect.ts';

export const postgresSystem = {
  name: 'PostgreSQL',
  protocols: ['postgres', 'postgresql'],
  defaultPort: 5432,
  urlExample: 'postgres://user:password@host:5432/database',
} as const;

export const postgresDialect: SqlDialect = {
  quoteIdentifier: (name) => `"${name.replaceAll('"', '""')}"`,
  placeholder: (index) => `$${index}`,
  rowComparison: 'row',
};

/**
 * Query options that send a statement with the extended protocol, which runs exactly one statement:
 * a source's query cannot smuggle in a second (`pg`'s types do not list the option).
 */
export const oneStatement = { queryMode: 'extended' } as Record<string, unknown>;

/** Every value as PostgreSQL's text: the conversion to record values is ours, by column type. */
const asText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/**
 * Session settings (as startup options, no extra round trip) that fix the text of values: timestamps
 * with zone in UTC (`+00`), ISO dates, `postgres` intervals, hex bytea, floats in their shortest exact
 * digits, UTF-8.
 */
const sessionOptions = [
  'TimeZone=UTC',
  'DateStyle=ISO,YMD',
  'IntervalStyle=postgres',
  'bytea_output=hex',
  'extra_float_digits=1',
  'client_encoding=UTF8',
]
  .map((setting) => `-c ${setting}`)
  .join(' ');

export function postgresTarget(config: ConnectionConfig, nodeId: string): ConnectionTarget {
  return nodeConnectionTarget(config, postgresSystem, nodeId);
}

/** Where a node connects, as a user may see it (no password). */
export function postgresLocation(config: ConnectionConfig, nodeId: string): string {
  return describeConnection(postgresTarget(config, nodeId), 'postgres');
}

function sslOf(target: ConnectionTarget): pg.ClientConfig['ssl'] {
  switch (target.options.sslmode) {
    case undefined:
    case 'disable':
    case 'prefer':
    case 'allow':
      return false;
    case 'no-verify':
      return { rejectUnauthorized: false };
    default:
      return true;
  }
}

/** A connected client; `read` sessions refuse writes (a source's query cannot change the database). */
export async function connectPostgres(
  config: ConnectionConfig,
  nodeId: string,
  { readOnly = true } = {},
): Promise<pg.Client> {
  const target = postgresTarget(config, nodeId);
  // pg loads when a node connects, not at every start of the CLI.
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    database: target.database ?? 'postgres',
    ...(target.user === undefined ? {} : { user: target.user }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ssl: sslOf(target),
    application_name: 'backflow',
    options: readOnly ? `${sessionOptions} -c default_transaction_read_only=on` : sessionOptions,
    types: asText,
    connectionTimeoutMillis: 15_000,
  });
  // A connection dropped while idle emits 'error'; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectionRefused(error, config, describeConnection(target, 'postgres'), nodeId);
  }
  return client;
}

/** Ends a client, ignoring a connection already gone. */
export async function disconnectPostgres(client: pg.Client): Promise<void> {
  await client.end().catch(() => undefined);
}

/**
 * Stops what the client is running: its socket is closed, so the statement under way fails at once
 * and the server cancels it when it next writes to the closed connection.
 */
export function interruptPostgres(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
