/**
 * `postgres.source`: a query, a table, or many tables (parents before children) as records
 * batches, keyset-paged in key order in one snapshot, so an interrupted run resumes exactly after
 * its last checkpoint; or incrementally, the rows changed since the last succeeded run.
 */
import type pg from 'pg';
import { defineSource } from '../../node-kit/contract.ts';
import { connectionFields } from '../../node-kit/sql/connection.ts';
import { databaseSource } from '../../node-kit/sql/database-source.ts';
import { postgresCatalog } from './catalog.ts';
import { connectPostgres, disconnectPostgres, interruptPostgres } from './connection.ts';
import { postgresSession } from './session.ts';
import { type PostgresSourceConfig, postgresSourceConfig } from './source-config.ts';

const { read, check, discover } = databaseSource<PostgresSourceConfig, pg.Client>({
  connect: connectPostgres,
  disconnect: disconnectPostgres,
  interrupt: interruptPostgres,
  beginSnapshot: async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  },
  endSnapshot: async (client) => {
    await client.query('COMMIT');
  },
  catalog: async (client, config) => postgresCatalog(client, config.schema ?? 'public'),
  session: postgresSession,
});

export const postgresSource = defineSource({
  type: 'postgres.source',
  title: 'PostgreSQL source',
  description:
    'Reads a query, a table or many tables (parents before children) as records, resumable by key; incremental by a cursor column.',
  config: postgresSourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  check,
  discover,
  read,
});
