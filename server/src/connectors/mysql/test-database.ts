/**
 * A fresh MariaDB/MySQL database per test file (`bf_test_<random>`), dropped after it, so test files
 * run in parallel. Its `sql` returns rows with big numbers, decimals and dates as text, in UTC.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import { mariadbService } from '../../testing/services.ts';
import { mysqlDestination } from './destination.ts';

const server = `mysql://root@${mariadbService.host}:${mariadbService.port}`;

export interface TestDatabase {
  /** URL of the database (root without a password, as the test server has it). */
  url: string;
  name: string;
  /** Runs SQL in the database (several statements allowed); the rows, or the result of a statement that returns none. */
  sql(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
}

async function asAdmin(statement: string): Promise<void> {
  const admin = await mysql.createConnection(server);
  await admin.query(statement);
  await admin.end();
}

/** Creates the database before the file's tests and drops it after them. */
export function useMysqlDatabase(): TestDatabase {
  const name = `bf_test_${randomBytes(6).toString('hex')}`;
  const url = `${server}/${name}`;
  let connection: mysql.Connection | undefined;
  beforeAll(async () => {
    await asAdmin(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    connection = await mysql.createConnection({
      uri: url,
      multipleStatements: true,
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
    await asAdmin(`DROP DATABASE IF EXISTS ${name}`);
  });
  return {
    url,
    name,
    async sql(text, values) {
      if (connection === undefined) throw new Error('the test database is not ready');
      const [rows] = await connection.query(text, values);
      return rows as Record<string, unknown>[];
    },
  };
}

/** `mysql.destination` and this database, as the mirror suite (testing/sql-mirror-suite.ts) takes them. */
export function mysqlMirrorTarget(db: ReturnType<typeof useMysqlDatabase>) {
  return {
    type: mysqlDestination as never,
    db,
    shown: (table: string) => table,
    runTables: async () =>
      (
        await db.sql(
          `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_backflow\\_%' ORDER BY 1`,
        )
      ).map((row) => row.name as string),
  };
}
