/** A Postgres database of its own for a test file: created on the test server, dropped after. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

export interface TestDatabase {
  name: string;
  url: string;
  /** Runs SQL in the test database; rows with every value as Postgres's text. */
  sql(text: string, values?: unknown[]): Promise<Record<string, string | null>[]>;
}

const server = 'postgres://postgres@127.0.0.1:5432';

/** Registers beforeAll/afterAll hooks making `bf_test_<random>` and dropping it. */
export function useTestDatabase(): TestDatabase {
  const name = `bf_test_${randomBytes(6).toString('hex')}`;
  let client: pg.Client | undefined;
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: `${server}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    client = new pg.Client({
      connectionString: `${server}/${name}`,
      types: { getTypeParser: () => (text: string) => text },
    });
    await client.connect();
    await client.query(`SET TimeZone = 'UTC'; SET IntervalStyle = 'iso_8601'`);
  });
  afterAll(async () => {
    await client?.end();
    const admin = new pg.Client({ connectionString: `${server}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  return {
    name,
    url: `${server}/${name}`,
    async sql(text, values) {
      if (client === undefined) throw new Error('the test database is not ready');
      return (await client.query(text, values)).rows;
    },
  };
}
