/** A fresh MariaDB/MySQL database per test file (`bf_test_<random>`), dropped after it, so test files run in parallel. */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import { mariadbService } from '../../testing/services.ts';

export interface TestDatabase {
  /** URL of the database (root without a password, as the test server has it). */
  url: string;
  name: string;
  /** Runs SQL in the database (several statements allowed). */
  sql(text: string, values?: unknown[]): Promise<unknown>;
}

/** Creates the database before the file's tests and drops it after them. */
export function useMysqlDatabase(): TestDatabase {
  const name = `bf_test_${randomBytes(6).toString('hex')}`;
  const server = `mysql://root@${mariadbService.host}:${mariadbService.port}`;
  let connection: mysql.Connection | undefined;
  beforeAll(async () => {
    const admin = await mysql.createConnection(server);
    await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    await admin.end();
    connection = await mysql.createConnection({ uri: `${server}/${name}`, multipleStatements: true });
  });
  afterAll(async () => {
    await connection?.end();
    const admin = await mysql.createConnection(server);
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  });
  return {
    url: `${server}/${name}`,
    name,
    sql: async (text, values) => (await connection!.query(text, values))[0],
  };
}
