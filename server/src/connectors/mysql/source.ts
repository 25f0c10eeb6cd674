/**
 * `mysql.source` (MySQL and MariaDB): a query, a table, or many tables (parents before children) as
 * records batches, keyset-paged in key order in one consistent snapshot, so an interrupted run
 * resumes exactly after its last checkpoint; or incrementally, the rows changed since the last
 * succeeded run.
 */
import type mysql from 'mysql2/promise';
import { defineSource } from '../../node-kit/contract.ts';
import { connectionFields } from '../../node-kit/sql/connection.ts';
import { databaseSource } from '../../node-kit/sql/database-source.ts';
import { mysqlCatalog } from './catalog.ts';
import { connectMysql, disconnectMysql } from './connection.ts';
import { mysqlSession } from './session.ts';
import { type MysqlSourceConfig, mysqlSourceConfig } from './source-config.ts';

const { read, check, discover } = databaseSource<MysqlSourceConfig, mysql.Connection>({
  connect: connectMysql,
  disconnect: disconnectMysql,
  // Closing the socket fails the statement under way at once; the server kills it when it notices.
  interrupt: (connection) => connection.destroy(),
  beginSnapshot: async (connection) => {
    await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  },
  endSnapshot: async (connection) => {
    await connection.query('COMMIT');
  },
  catalog: (connection) => mysqlCatalog(connection),
  session: mysqlSession,
});

export const mysqlSource = defineSource({
  type: 'mysql.source',
  title: 'MySQL / MariaDB source',
  description:
    'Reads a query, a table or many tables (parents before children) of MySQL or MariaDB as records, resumable by key; incremental by a cursor column.',
  config: mysqlSourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  check,
  discover,
  read,
});
