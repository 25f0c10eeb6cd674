/** `postgres.destination`'s config: one TypeBox declaration (schema and type), and how it connects. */
import { type Static, Type } from '@sinclair/typebox';
import type { ClientConfig } from 'pg';
import {
  connectionProperties,
  describeConnection,
  tableOfStream,
  targetProperties,
} from '../../node-kit/sql/stage-config.ts';

export const postgresDestinationConfig = Type.Object(
  {
    ...connectionProperties('PostgreSQL', 'postgres://user:password@host:5432/database', 5432),
    schema: Type.Optional(
      Type.String({ minLength: 1, default: 'public', title: 'Schema', description: 'Schema of the tables written.' }),
    ),
    ...targetProperties(),
  },
  { title: 'PostgreSQL destination', additionalProperties: false },
);

export type PostgresDestinationConfig = Static<typeof postgresDestinationConfig>;

export const defaultPort = 5432;

/** What `pg` connects with: the URL, or the parts (a URL wins when both are given). */
export function clientConfig(config: PostgresDestinationConfig): ClientConfig {
  const common: ClientConfig = { application_name: 'backflow', connectionTimeoutMillis: 10_000 };
  if (config.url !== undefined) return { ...common, connectionString: config.url };
  return {
    ...common,
    host: config.host ?? '127.0.0.1',
    port: config.port ?? defaultPort,
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.database === undefined ? {} : { database: config.database }),
  };
}

/** `postgres://user@host:5432/db, table public.orders`: where a run writes, never with a password. */
export function postgresLocation(config: PostgresDestinationConfig): string {
  const connection = describeConnection(config, 'postgres', defaultPort);
  const schema = config.schema ?? 'public';
  if (config.table !== undefined) return `${connection}, table ${schema}.${tableOfStream(config, '')}`;
  const listed = Object.values(config.tables ?? {});
  if (listed.length > 0) return `${connection}, tables ${listed.map((table) => `${schema}.${table}`).join(', ')}`;
  return `${connection}, schema ${schema} (a table per stream)`;
}
