/** An opened, described DuckDB source relation: what both of `duckdb.source`'s reads start from and how they end. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { CancelledError, ConfigError, errorMessage, SourceError } from '../../errors.ts';
import type { Column, NodeContext, SourceBatch, SourceContext } from '../../node-kit/contract.ts';
import { connectNodeDatabase, disconnect, parseQualifiedName, quoteQualifiedName } from './database.ts';
import type { DuckDBSourceConfig } from './source-config.ts';

/** An opened, described source: what every read starts from. */
export interface OpenSource {
  connection: DuckDBConnection;
  /** SQL of the relation to read, usable after FROM. */
  relation: string;
  stream: string;
  columns: Column[];
  /** The key columns, in order (empty without a key). */
  keys: Column[];
}

export async function openSource(config: DuckDBSourceConfig, ctx: NodeContext): Promise<OpenSource> {
  const { relation, stream, configPath } = sourceRelation(config, ctx.nodeId);
  const connection = await connectNodeDatabase(config.path, ctx, { mustExist: true, readOnly: true });
  try {
    const columns = await describeRelation(connection, relation).catch((cause: unknown) => {
      throw new ConfigError(`node "${ctx.nodeId}": cannot read ${configPath}: ${errorMessage(cause)}`, {
        nodeId: ctx.nodeId,
        details: [{ path: `config.${configPath}`, message: errorMessage(cause) }],
        cause,
      });
    });
    const keyNames = config.key === undefined ? [] : typeof config.key === 'string' ? [config.key] : config.key;
    const keys = keyNames.flatMap((key) => columns.filter((column) => column.name === key));
    const missing = keyNames.filter((key) => !columns.some((column) => column.name === key));
    if (missing.length > 0) {
      const message = `key column ${missing.join(', ')} is not among the columns (${columns.map((c) => c.name).join(', ')})`;
      throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
        nodeId: ctx.nodeId,
        details: [{ path: 'config.key', message }],
      });
    }
    return { connection, relation, stream, columns, keys };
  } catch (error) {
    disconnect(connection);
    throw error;
  }
}

export function sourceRelation(
  config: DuckDBSourceConfig,
  nodeId: string,
): { relation: string; stream: string; configPath: 'query' | 'table' } {
  if ((config.query === undefined) === (config.table === undefined)) {
    throw new ConfigError(`node "${nodeId}": give exactly one of query and table`, {
      nodeId,
      details: [{ path: 'config', message: 'give exactly one of query and table' }],
    });
  }
  if (config.query !== undefined)
    return { relation: queryRelation(config.query), stream: 'query', configPath: 'query' };
  const table = config.table as string;
  try {
    return { relation: quoteQualifiedName(parseQualifiedName(table)), stream: table, configPath: 'table' };
  } catch (cause) {
    throw new ConfigError(`node "${nodeId}": ${errorMessage(cause)}`, {
      nodeId,
      details: [{ path: 'config.table', message: errorMessage(cause) }],
      cause,
    });
  }
}

/** A query as a relation to select from. */
export function queryRelation(query: string): string {
  // On lines of its own so a trailing comment cannot swallow the closing parenthesis.
  return `(\n${withoutFinalSemicolon(query)}\n) AS source_query`;
}

/** A query without its final `;` (and a `-- comment` after it), as a read selects from it. */
export function withoutFinalSemicolon(query: string): string {
  return query.replace(/;\s*(?:--[^\n]*)?\s*$/, '');
}

/** Column names, DuckDB's own type text (DESCRIBE keeps aliases such as JSON that result types lose) and NOT NULL. */
export async function describeRelation(connection: DuckDBConnection, relation: string): Promise<Column[]> {
  // prepare() accepts exactly one statement, so a query cannot smuggle in a second one.
  const describe = await connection.prepare(`DESCRIBE SELECT * FROM ${relation}`);
  try {
    const rows = (await describe.runAndReadAll()).getRowsJson();
    // DESCRIBE keeps a table column's NOT NULL (`null` = NO), so a table created from it elsewhere keeps it too.
    return rows.map(([name, type, nullable]) => ({
      name: String(name),
      type: String(type),
      ...(nullable === 'NO' ? { notNull: true } : {}),
    }));
  } finally {
    describe.destroySync();
  }
}

/**
 * Runs one of the source's reads to its end: the run's abort signal interrupts DuckDB mid-query,
 * errors leave typed, and the connection is given back however the read ends.
 */
export async function* supervise(
  source: OpenSource,
  ctx: SourceContext,
  batches: AsyncGenerator<SourceBatch>,
): AsyncGenerator<SourceBatch> {
  const interrupt = () => source.connection.interrupt();
  ctx.signal.addEventListener('abort', interrupt, { once: true });
  try {
    yield* batches;
  } catch (error) {
    if (ctx.signal.aborted) throw new CancelledError();
    if (error instanceof ConfigError || error instanceof SourceError) throw error;
    throw new SourceError(`node "${ctx.nodeId}": reading ${source.stream} failed: ${errorMessage(error)}`, {
      nodeId: ctx.nodeId,
      stream: source.stream,
      cause: error,
    });
  } finally {
    ctx.signal.removeEventListener('abort', interrupt);
    disconnect(source.connection);
  }
}
