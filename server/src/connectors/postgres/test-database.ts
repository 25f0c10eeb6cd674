/** A fresh PostgreSQL database per test file (`bf_test_<random>`), dropped after it, so test files run in parallel. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { postgresService } from '../../testing/services.ts';

const adminUrl = `postgres://postgres@${postgresService.host}:${postgresService.port}/postgres`;

export interface TestDatabase {
  /** URL of the database (no password: the test server trusts local connections). */
  url: string;
  name: string;
  /** Runs SQL in the database (several statements allowed). */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
}

/** Creates the database before the file's tests and drops it after them. */
export function usePostgresDatabase(): TestDatabase {
  const name = `bf_test_${randomBytes(6).toString('hex')}`;
  const url = `postgres://postgres@${postgresService.host}:${postgresService.port}/${name}`;
  let client: pg.Client | undefined;
  beforeAll(async () => {
    const admin = new pg.Client(adminUrl);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    client = new pg.Client(url);
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    const admin = new pg.Client(adminUrl);
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  return { url, name, sql: (text, values) => client!.query(text, values) };
}
