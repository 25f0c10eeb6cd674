/** `postgres.destination`'s config: one TypeBox declaration (schema and type), and how it connects. */
import { type Static, Type } from '@sinclair/typebox';
import type { ClientConfig } from 'pg';
import {
  connectionParts,
  describeConnection,
  destinationConnectionProperties,
  targetLocation,
  targetProperties,
} from '../../node-kit/sql/stage-config.ts';
import { postgresSystem } from './connection.ts';

export const postgresDestinationConfig = Type.Object(
  {
    ...destinationConnectionProperties(postgresSystem),
    schema: Type.Optional(
      Type.String({ minLength: 1, default: 'public', title: 'Schema', description: 'Schema of the tables written.' }),
    ),
    ...targetProperties(),
  },
  { title: 'PostgreSQL destination', additionalProperties: false },
);

export type PostgresDestinationConfig = Static<typeof postgresDestinationConfig>;

export const defaultPort = postgresSystem.defaultPort;

/** What `pg` connects with: the URL, or the parts (a URL wins when both are given). */
export function clientConfig(config: PostgresDestinationConfig): ClientConfig {
  const common: ClientConfig = { application_name: 'backflow', connectionTimeoutMillis: 10_000 };
  if (config.url !== undefined) return { ...common, connectionString: config.url };
  return { ...common, ...connectionParts(config, defaultPort) };
}

/** `postgres://user@host:5432/db, table public.orders`: where a run writes, never with a password. */
export function postgresLocation(config: PostgresDestinationConfig): string {
  const connection = describeConnection(config, 'postgres', defaultPort);
  const schema = config.schema ?? 'public';
  return targetLocation(connection, config, (table) => `${schema}.${table}`, `, schema ${schema} (a table per stream)`);
}
