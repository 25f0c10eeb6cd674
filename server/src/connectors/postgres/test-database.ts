/**
 * A fresh PostgreSQL database per test file (`bf_test_<random>`), dropped after it, so test files
 * run in parallel. Its `sql` returns rows with every value as Postgres's text, in UTC.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { postgresService } from '../../testing/services.ts';
import { postgresDestination } from './destination.ts';

const server = `postgres://postgres@${postgresService.host}:${postgresService.port}`;

export interface TestDatabase {
  /** URL of the database (no password: the test server trusts local connections). */
  url: string;
  name: string;
  /** Runs SQL in the database (several statements allowed without values); rows with every value as text. */
  sql(text: string, values?: unknown[]): Promise<Record<string, string | null>[]>;
}

async function asAdmin(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  await admin.query(statement);
  await admin.end();
}

/** Creates the database before the file's tests and drops it after them. */
export function usePostgresDatabase(): TestDatabase {
  const name = `bf_test_${randomBytes(6).toString('hex')}`;
  const url = `${server}/${name}`;
  let client: pg.Client | undefined;
  beforeAll(async () => {
    await asAdmin(`CREATE DATABASE ${name}`);
    client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (text: string) => text } });
    await client.connect();
    await client.query(`SET TimeZone = 'UTC'; SET IntervalStyle = 'iso_8601'`);
  });
  afterAll(async () => {
    await client?.end();
    await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return {
    url,
    name,
    async sql(text, values) {
      if (client === undefined) throw new Error('the test database is not ready');
      return (await client.query(text, values)).rows;
    },
  };
}

/** `postgres.destination` and this database, as the mirror suite (testing/sql-mirror-suite.ts) takes them. */
export function postgresMirrorTarget(db: TestDatabase) {
  return {
    type: postgresDestination as never,
    db,
    shown: (table: string) => `public.${table}`,
    runTables: async () =>
      (await db.sql(`SELECT relname FROM pg_class WHERE relname LIKE '\\_backflow\\_%' ORDER BY 1`)).map(
        (row) => row.relname as string,
      ),
  };
}
