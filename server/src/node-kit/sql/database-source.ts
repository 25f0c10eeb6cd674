/**
 * The functions of a database source node (`read`, `check`, `discover`), whatever the database:
 * the connector gives a `SourceDriver` (how to connect, take a snapshot, and answer the catalog and
 * session questions) and gets the node's behaviour, the same for every database.
 */
import { CancelledError } from '../../errors.ts';
import type { NodeContext, SourceBatch, SourceContext, StreamInfo } from '../contract.ts';
import { type ConnectionConfig, sourceFailure } from './connection.ts';
import { type IncrementalRead, readStreams, type SqlSession, type SqlStream } from './read-streams.ts';
import { keyColumns } from './source-config.ts';
import { streamInfos } from './stream-info.ts';
import { planStreams, type SourceSelection, type SqlCatalog } from './stream-plan.ts';

/** A database source's config, as far as the shared code reads it. */
export interface DatabaseSourceConfig extends ConnectionConfig, SourceSelection {
  incremental?: { cursor: string; key?: string | string[]; lookback?: number };
}

export interface SourceDriver<C extends DatabaseSourceConfig, Connection> {
  connect(config: C, nodeId: string): Promise<Connection>;
  disconnect(connection: Connection): Promise<void>;
  /** Stops the statement under way at once (the run was cancelled). */
  interrupt(connection: Connection): void;
  /** Starts the read's one consistent, read-only snapshot, and ends it. */
  beginSnapshot(connection: Connection): Promise<void>;
  endSnapshot(connection: Connection): Promise<void>;
  catalog(connection: Connection, config: C): Promise<SqlCatalog>;
  session(connection: Connection, config: C, ctx: SourceContext): SqlSession;
}

function incrementalRead(config: DatabaseSourceConfig): IncrementalRead | undefined {
  const incremental = config.incremental;
  if (incremental === undefined) return undefined;
  return {
    cursor: incremental.cursor,
    ...(incremental.key === undefined ? {} : { key: keyColumns(incremental.key)! }),
    ...(incremental.lookback === undefined ? {} : { lookback: incremental.lookback }),
  };
}

export function databaseSource<C extends DatabaseSourceConfig, Connection>(driver: SourceDriver<C, Connection>) {
  /** Runs `work` on a fresh connection, errors typed and free of secrets, the connection closed however it ends. */
  const withConnection = async <T>(config: C, ctx: NodeContext, work: (connection: Connection) => Promise<T>) => {
    const connection = await driver.connect(config, ctx.nodeId);
    try {
      return await work(connection);
    } catch (error) {
      throw sourceFailure(error, config, ctx.nodeId);
    } finally {
      await driver.disconnect(connection);
    }
  };

  const read = (config: C, ctx: SourceContext) =>
    readPlanned(driver, config, ctx, (connection, streams) =>
      readStreams(driver.session(connection, config, ctx), streams, incrementalRead(config), ctx),
    );

  /** Connects; with a query, table or tables, also resolves what they read. */
  const check = (config: C, ctx: NodeContext): Promise<void> =>
    withConnection(config, ctx, async (connection) => {
      if (config.query !== undefined || config.table !== undefined || config.tables !== undefined) {
        await planStreams(await driver.catalog(connection, config), config, ctx);
      }
    });

  /** Every table and view, with columns, primary key, indexes and foreign keys. */
  const discover = (config: C, ctx: NodeContext): Promise<StreamInfo[]> =>
    withConnection(config, ctx, async (connection) => {
      const catalog = await driver.catalog(connection, config);
      const tables = await catalog.listTables();
      return streamInfos(tables, await catalog.describeTables(tables), catalog.defaultSchema);
    });

  return { read, check, discover };
}

/**
 * Runs a read over the config's streams on one connection in one snapshot: the run's cancel stops
 * the statement under way, errors leave typed and free of secrets, the connection is closed however
 * the read ends. The row path and a fused part-writing read both go through here.
 */
export async function* readPlanned<C extends DatabaseSourceConfig, Connection>(
  driver: SourceDriver<C, Connection>,
  config: C,
  ctx: SourceContext,
  reader: (connection: Connection, streams: SqlStream[]) => AsyncIterable<SourceBatch>,
): AsyncGenerator<SourceBatch> {
  const connection = await driver.connect(config, ctx.nodeId);
  const interrupt = () => driver.interrupt(connection);
  ctx.signal.addEventListener('abort', interrupt, { once: true });
  try {
    // One snapshot for the whole read: every page and every table as of one moment (as pg_dump reads).
    await driver.beginSnapshot(connection);
    const streams = await planStreams(await driver.catalog(connection, config), config, ctx);
    yield* reader(connection, streams);
    await driver.endSnapshot(connection);
  } catch (error) {
    if (ctx.signal.aborted) throw new CancelledError();
    throw sourceFailure(error, config, ctx.nodeId);
  } finally {
    ctx.signal.removeEventListener('abort', interrupt);
    await driver.disconnect(connection);
  }
}
