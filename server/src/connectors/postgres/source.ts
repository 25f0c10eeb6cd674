/**
 * `postgres.source`: a query, a table, or many tables (parents before children) as records
 * batches, keyset-paged in key order in one snapshot, so an interrupted run resumes exactly after
 * its last checkpoint; or incrementally, the rows changed since the last succeeded run.
 */
import { CancelledError } from '../../errors.ts';
import {
  defineSource,
  type NodeContext,
  type SourceBatch,
  type SourceContext,
  type StreamInfo,
} from '../../node-kit/contract.ts';
import { connectionFields } from '../../node-kit/sql/connection.ts';
import { readStreams } from '../../node-kit/sql/read-streams.ts';
import { keyColumns } from '../../node-kit/sql/source-config.ts';
import { streamInfos } from '../../node-kit/sql/stream-info.ts';
import { planStreams } from '../../node-kit/sql/stream-plan.ts';
import { describeTables, listTables, postgresCatalog } from './catalog.ts';
import { connectPostgres, disconnectPostgres, interruptPostgres, sourceFailure } from './connection.ts';
import { postgresSession } from './session.ts';
import { type PostgresSourceConfig, postgresSourceConfig } from './source-config.ts';

async function* read(config: PostgresSourceConfig, ctx: SourceContext): AsyncGenerator<SourceBatch> {
  const client = await connectPostgres(config, ctx.nodeId);
  const interrupt = () => interruptPostgres(client);
  ctx.signal.addEventListener('abort', interrupt, { once: true });
  try {
    // One snapshot for the whole read: every page and every table as of the same moment (as pg_dump reads).
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const streams = await planStreams(postgresCatalog(client, config.schema ?? 'public'), config, ctx);
    const incremental = config.incremental && {
      cursor: config.incremental.cursor,
      ...(config.incremental.key === undefined ? {} : { key: keyColumns(config.incremental.key)! }),
      ...(config.incremental.lookback === undefined ? {} : { lookback: config.incremental.lookback }),
    };
    yield* readStreams(postgresSession(client, config, ctx), streams, incremental, ctx);
    await client.query('COMMIT');
  } catch (error) {
    if (ctx.signal.aborted) throw new CancelledError();
    throw sourceFailure(error, config, ctx.nodeId);
  } finally {
    ctx.signal.removeEventListener('abort', interrupt);
    await disconnectPostgres(client);
  }
}

/** Connects; with a query, table or tables, also resolves what they read. */
async function check(config: PostgresSourceConfig, ctx: NodeContext): Promise<void> {
  const client = await connectPostgres(config, ctx.nodeId);
  try {
    if (config.query !== undefined || config.table !== undefined || config.tables !== undefined) {
      await planStreams(postgresCatalog(client, config.schema ?? 'public'), config, ctx);
    }
  } catch (error) {
    throw sourceFailure(error, config, ctx.nodeId);
  } finally {
    await disconnectPostgres(client);
  }
}

/** Every table and view of every schema, with columns, primary key, indexes and foreign keys. */
async function discover(config: PostgresSourceConfig, ctx: NodeContext): Promise<StreamInfo[]> {
  const client = await connectPostgres(config, ctx.nodeId);
  try {
    const tables = await listTables(client);
    return streamInfos(tables, await describeTables(client, tables), config.schema ?? 'public');
  } catch (error) {
    throw sourceFailure(error, config, ctx.nodeId);
  } finally {
    await disconnectPostgres(client);
  }
}

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
