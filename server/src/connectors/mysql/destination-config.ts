/** `mysql.destination`'s config: one TypeBox declaration (schema and type), and how it connects. */
import { Readable } from 'node:stream';
import { type Static, Type } from '@sinclair/typebox';
import type { ConnectionOptions } from 'mysql2/promise';
import {
  connectionParts,
  describeConnection,
  destinationConnectionProperties,
  targetLocation,
  targetProperties,
} from '../../node-kit/sql/stage-config.ts';
import { mysqlSystem } from './connection.ts';

export const mysqlDestinationConfig = Type.Object(
  {
    ...destinationConnectionProperties({ ...mysqlSystem, name: 'MySQL or MariaDB' }),
    ...targetProperties(),
  },
  { title: 'MySQL / MariaDB destination', additionalProperties: false },
);

export type MysqlDestinationConfig = Static<typeof mysqlDestinationConfig>;

export const defaultPort = mysqlSystem.defaultPort;

/**
 * What mysql2 connects with: exact text for big numbers, decimals and dates (the record forms),
 * utf8mb4, and LOAD DATA LOCAL allowed only for streams this process builds (never a file path).
 */
export function connectionOptions(config: MysqlDestinationConfig): ConnectionOptions {
  const common: ConnectionOptions = {
    charset: 'utf8mb4',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
    connectTimeout: 10_000,
    // Each LOAD DATA passes its own stream; a server asking for any other file gets nothing.
    infileStreamFactory: () => Readable.from([]),
  };
  if (config.url !== undefined) return { ...common, uri: config.url };
  return { ...common, ...connectionParts(config, defaultPort) };
}

/** `mysql://user@host:3306/db, table orders`: where a run writes, never with a password. */
export function mysqlLocation(config: MysqlDestinationConfig): string {
  const connection = describeConnection(config, 'mysql', defaultPort);
  return targetLocation(connection, config, (table) => table, ' (a table per stream)');
}
