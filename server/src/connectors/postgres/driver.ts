/** How the shared database-source code (node-kit/sql/database-source.ts) reaches PostgreSQL. */
import type pg from 'pg';
import type { SourceDriver } from '../../node-kit/sql/database-source.ts';
import { postgresCatalog } from './catalog.ts';
import { connectPostgres, disconnectPostgres, interruptPostgres } from './connection.ts';
import { postgresSession } from './session.ts';
import type { PostgresSourceConfig } from './source-config.ts';

export const postgresDriver: SourceDriver<PostgresSourceConfig, pg.Client> = {
  connect: connectPostgres,
  disconnect: disconnectPostgres,
  interrupt: interruptPostgres,
  // Repeatable read: every page and table of the read as of one moment, as pg_dump reads.
  beginSnapshot: async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  },
  endSnapshot: async (client) => {
    await client.query('COMMIT');
  },
  catalog: async (client, config) => postgresCatalog(client, config.schema ?? 'public'),
  session: postgresSession,
};
