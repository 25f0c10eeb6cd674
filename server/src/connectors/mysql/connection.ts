/**
 * Connecting to MySQL or MariaDB for a node: the config's URL or fields resolved, the session in UTC
 * (TIMESTAMP values read as UTC), every value read as its text or bytes (record-values.ts converts
 * them by column type), errors typed and free of the password.
 */
import type mysql from 'mysql2/promise';
import {
  type ConnectionConfig,
  type ConnectionTarget,
  connectionRefused,
  describeConnection,
  nodeConnectionTarget,
} from '../../node-kit/sql/connection.ts';
import type { SqlDialect } from '../../node-kit/sql/dialect.ts';

export const mysqlSystem = {
  name: 'MySQL',
  protocols: ['mysql', 'mariadb'],
  defaultPort: 3306,
  urlExample: 'mysql://user:password@host:3306/database',
} as const;

export const mysqlDialect: SqlDialect = {
  quoteIdentifier: (name) => `\`${name.replaceAll('`', '``')}\``,
  placeholder: () => '?',
  // MySQL and MariaDB use an index for `a > ? OR (a = ? AND b > ?)`, not always for a row comparison.
  rowComparison: 'expanded',
};

/** Wire types whose values may be bytes (binary strings, blobs, bits): read as a Buffer, decoded by column type. */
const byteTypes = new Set([
  'BIT',
  'BLOB',
  'TINY_BLOB',
  'MEDIUM_BLOB',
  'LONG_BLOB',
  'STRING',
  'VAR_STRING',
  'VARCHAR',
  'GEOMETRY',
]);

/** Every value as the server sent it: text, or bytes for the string and blob types. */
const rawValue: mysql.TypeCast = (field) => (byteTypes.has(field.type) ? field.buffer() : field.string());

export function mysqlTarget(config: ConnectionConfig, nodeId: string): ConnectionTarget {
  return nodeConnectionTarget(config, mysqlSystem, nodeId);
}

/** Where a node connects, as a user may see it (no password). */
export function mysqlLocation(config: ConnectionConfig, nodeId: string): string {
  return describeConnection(mysqlTarget(config, nodeId), 'mysql');
}

/** A connected session in UTC with utf8mb4. */
export async function connectMysql(config: ConnectionConfig, nodeId: string): Promise<mysql.Connection> {
  const target = mysqlTarget(config, nodeId);
  const where = describeConnection(target, 'mysql');
  let connection: mysql.Connection | undefined;
  try {
    // mysql2 loads when a node connects, not at every start of the CLI.
    const { default: mysql } = await import('mysql2/promise');
    connection = await mysql.createConnection({
      host: target.host,
      port: target.port,
      ...(target.user === undefined ? {} : { user: target.user }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.database === undefined ? {} : { database: target.database }),
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      typeCast: rawValue,
      connectTimeout: 15_000,
      ...(target.options.ssl === 'true' || target.options['ssl-mode'] === 'REQUIRED' ? { ssl: {} } : {}),
    });
    connection.on('error', () => undefined); // a connection dropped while idle: the next query reports it
    await connection.query("SET time_zone = '+00:00'");
    return connection;
  } catch (error) {
    connection?.destroy();
    throw connectionRefused(error, config, where, nodeId);
  }
}

/** Ends a connection, ignoring one already gone. */
export async function disconnectMysql(connection: mysql.Connection): Promise<void> {
  await connection.end().catch(() => connection.destroy());
}
