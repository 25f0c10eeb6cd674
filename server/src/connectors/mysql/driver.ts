/** How the shared database-source code (node-kit/sql/database-source.ts) reaches MySQL and MariaDB. */
import type mysql from 'mysql2/promise';
import type { SourceDriver } from '../../node-kit/sql/database-source.ts';
import { mysqlCatalog } from './catalog.ts';
import { connectMysql, disconnectMysql } from './connection.ts';
import { mysqlSession } from './session.ts';
import type { MysqlSourceConfig } from './source-config.ts';

export const mysqlDriver: SourceDriver<MysqlSourceConfig, mysql.Connection> = {
  connect: connectMysql,
  disconnect: disconnectMysql,
  // Closing the socket fails the statement under way at once; the server kills it when it notices.
  interrupt: (connection) => connection.destroy(),
  // One consistent snapshot for every page and table of the read (InnoDB), as mysqldump --single-transaction.
  beginSnapshot: async (connection) => {
    await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  },
  endSnapshot: async (connection) => {
    await connection.query('COMMIT');
  },
  catalog: (connection) => mysqlCatalog(connection),
  session: mysqlSession,
};
