/** A MySQL database of its own for a test file: created on the test server, dropped after. */
import { randomBytes } from 'node:crypto';
import mysql, { type Connection } from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';

export interface TestDatabase {
  name: string;
  url: string;
  sql(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
}

const server = 'mysql://root@127.0.0.1:3306';

/** Registers beforeAll/afterAll hooks making `bf_test_<random>` and dropping it. */
export function useTestDatabase(): TestDatabase {
  const name = `bf_test_${randomBytes(6).toString('hex')}`;
  let connection: Connection | undefined;
  beforeAll(async () => {
    const admin = await mysql.createConnection(server);
    await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    await admin.end();
    connection = await mysql.createConnection({
      uri: `${server}/${name}`,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      timezone: 'Z',
      charset: 'utf8mb4',
    });
    await connection.query(`SET time_zone = '+00:00'`);
  });
  afterAll(async () => {
    await connection?.end();
    const admin = await mysql.createConnection(server);
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  });
  return {
    name,
    url: `${server}/${name}`,
    async sql(text, values) {
      if (connection === undefined) throw new Error('the test database is not ready');
      const [rows] = await connection.query(text, values);
      return rows as Record<string, unknown>[];
    },
  };
}
