/** `postgres.source`'s config: one declaration for the JSON Schema and the TypeScript type. */
import { type Static, Type } from '@sinclair/typebox';
import { connectionProperties } from '../../node-kit/sql/connection.ts';
import { sourceChoices, sourceProperties } from '../../node-kit/sql/source-config.ts';
import { postgresSystem } from './connection.ts';

export const postgresSourceConfig = Type.Object(
  {
    ...connectionProperties(postgresSystem),
    ...sourceProperties,
    schema: Type.Optional(
      Type.String({
        minLength: 1,
        default: 'public',
        title: 'Schema',
        description: 'Where table names without a schema are looked up.',
      }),
    ),
  },
  { title: 'PostgreSQL source', additionalProperties: false, oneOf: sourceChoices },
);
export type PostgresSourceConfig = Static<typeof postgresSourceConfig>;
