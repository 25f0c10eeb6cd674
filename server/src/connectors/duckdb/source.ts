/**
 * `duckdb.source`: the rows of a DuckDB table or query as records batches. With a `key` the read
 * is one ordered, streaming keyset query, so an interrupted run resumes after the last
 * checkpointed row without skipping or repeating any (DESIGN.md §4).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { CancelledError, ConfigError, errorMessage, SourceError } from '../../errors.ts';
import type { JSONSchema } from '../../flow/json-schema.ts';
import {
  type Column,
  type CopyFormat,
  maxBatchSize,
  type NodeContext,
  type NodeType,
  type Rec,
  type SourceBatch,
  type SourceContext,
  type StreamInfo,
} from '../../node-kit/contract.ts';
import { copyParts, partKeys } from './copy-parts.ts';
import {
  connectNodeDatabase,
  disconnect,
  formatQualifiedName,
  keyRangeFilter,
  parseQualifiedName,
  quoteIdentifier,
  quoteQualifiedName,
} from './database.ts';
import { recordValue } from './record-values.ts';
import { lineAndColumn, parseSql } from './sql-syntax.ts';

export type DuckDBSourceConfig = {
  path: string;
  query?: string;
  table?: string;
  key?: string | string[];
  batchSize?: number;
};

const keySchema: JSONSchema = {
  title: 'Key',
  description:
    'Column, or columns, that identify a row uniquely. The read is ordered by them, which lets an interrupted run resume after the last checkpoint.',
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
  ],
};

const configSchema: JSONSchema = {
  type: 'object',
  title: 'DuckDB source',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: {
      type: 'string',
      'x-local-path': true,
      minLength: 1,
      title: 'Database file',
      description: 'Path of the .duckdb file; a relative path is resolved against the flow directory.',
    },
    query: {
      type: 'string',
      minLength: 1,
      title: 'Query',
      description: 'A SELECT statement; each result row becomes a record. Give either a query or a table.',
      // Drawn as a SQL editor, which asks the server to parse it as the user leaves it.
      contentMediaType: 'application/sql',
    },
    table: {
      type: 'string',
      minLength: 1,
      title: 'Table',
      description:
        'A table or view to read whole, optionally with its schema (sales.orders). Give either a table or a query.',
    },
    key: keySchema,
    batchSize: {
      type: 'integer',
      minimum: 1,
      maximum: maxBatchSize,
      title: 'Batch size',
      description: 'Records per batch; the engine default when empty.',
    },
  },
  oneOf: [
    { title: 'Read a query', required: ['query'] },
    { title: 'Read a table', required: ['table'] },
  ],
};

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

async function openSource(config: DuckDBSourceConfig, ctx: NodeContext): Promise<OpenSource> {
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

function sourceRelation(
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
function queryRelation(query: string): string {
  // On lines of its own so a trailing comment cannot swallow the closing parenthesis.
  return `(\n${withoutFinalSemicolon(query)}\n) AS source_query`;
}

/** A query without its final `;` (and a `-- comment` after it), as a read selects from it. */
function withoutFinalSemicolon(query: string): string {
  return query.replace(/;\s*(?:--[^\n]*)?\s*$/, '');
}

/**
 * Parses the query (never runs it): where DuckDB's parser stopped, as a line and column of the
 * query, or that it is not the one SELECT a read selects from.
 */
async function checkSyntax(config: Partial<DuckDBSourceConfig>): Promise<{ path: string; message: string }[]> {
  const query = config.query;
  if (typeof query !== 'string' || query.trim() === '') return [];
  const issue = (message: string) => [{ path: 'query', message }];
  const parsed = await parseSql(withoutFinalSemicolon(query));
  if ('statements' in parsed) {
    if (parsed.statements === 1) return [];
    return issue(
      parsed.statements === 0 ? 'holds no statement' : `holds ${parsed.statements} statements; a read takes one SELECT`,
    );
  }
  if (parsed.errorType === 'parser') {
    if (parsed.position === undefined) return issue(parsed.message);
    const { line, column } = lineAndColumn(query, parsed.position);
    return issue(`${parsed.message} (line ${line}, column ${column})`);
  }
  // A statement other than a plain SELECT: fine if a read can select from it (PIVOT), else not.
  const wrapped = await parseSql(`SELECT * FROM ${queryRelation(query)}`);
  if ('errorType' in wrapped && wrapped.errorType === 'parser') {
    return issue('is not a SELECT statement: a read selects the rows of the query');
  }
  return [];
}

/** Column names and DuckDB's own type text (DESCRIBE keeps aliases such as JSON that result types lose). */
async function describeRelation(connection: DuckDBConnection, relation: string): Promise<Column[]> {
  // prepare() accepts exactly one statement, so a query cannot smuggle in a second one.
  const describe = await connection.prepare(`DESCRIBE SELECT * FROM ${relation}`);
  try {
    const rows = (await describe.runAndReadAll()).getRowsJson();
    return rows.map(([name, type]) => ({ name: String(name), type: String(type) }));
  } finally {
    describe.destroySync();
  }
}

/**
 * Rows DuckDB sorts at a time. One `ORDER BY key` over a whole table makes DuckDB sort (and hold)
 * all of it before the first row comes back, so a keyed read goes range by range instead: memory
 * stays bounded by a range whatever the table's size.
 */
const rowsPerRange = 250_000;
/** Sampled keys per range: enough for ranges of roughly even size. */
const samplesPerRange = 64;

/** Where a keyed read resumes: after these key values, or from the start. */
function resumeAfter(source: OpenSource, resumeCursor: unknown, nodeId: string): unknown[] | null {
  if (resumeCursor === undefined || resumeCursor === null) return null;
  if (!Array.isArray(resumeCursor) || resumeCursor.length !== source.keys.length) {
    const expected = source.keys.map((key) => key.name).join(', ');
    throw new SourceError(
      `node "${nodeId}": cannot resume from cursor ${JSON.stringify(resumeCursor)}: expected values for ${expected}`,
      { nodeId, stream: source.stream },
    );
  }
  return resumeCursor;
}

/**
 * Upper bounds that split the rows after `after` into ranges of about `rowsPerRange` rows, taken
 * from a sample of the keys (the read stays exact whatever the bounds: they only bound memory).
 */
async function rangeBounds(source: OpenSource, after: unknown[] | null): Promise<unknown[][]> {
  const { connection, relation, keys } = source;
  const rest = keyRangeFilter(keys, after, null);
  const count = await connection.prepare(`SELECT count(*) FROM ${relation} ${rest.where}`);
  count.bind(rest.values);
  const remaining = Number((await count.runAndReadAll()).getRowsJson()[0]?.[0] ?? 0);
  count.destroySync();
  const ranges = Math.ceil(remaining / rowsPerRange);
  if (ranges <= 1) return [];
  const keyList = keys.map((key) => quoteIdentifier(key.name)).join(', ');
  const sample = await connection.prepare(
    `SELECT ${keyList} FROM (SELECT ${keyList} FROM ${relation} ${rest.where})
     USING SAMPLE reservoir(${ranges * samplesPerRange} ROWS) ORDER BY ${keyList}`,
  );
  sample.bind(rest.values);
  const sampled = (await sample.runAndReadAll()).convertRows(recordValue);
  sample.destroySync();
  const bounds: unknown[][] = [];
  for (let range = 1; range < ranges; range++) {
    const bound = sampled[Math.floor((range * sampled.length) / ranges)];
    const previous = bounds[bounds.length - 1];
    if (bound && JSON.stringify(bound) !== JSON.stringify(previous)) bounds.push(bound);
  }
  return bounds;
}

/** The queries of a read, each with its values bound: key ranges in key order, or one plain scan without a key. */
async function* readQueries(source: OpenSource, ctx: SourceContext): AsyncGenerator<{ sql: string; values: string[] }> {
  const { relation, keys } = source;
  if (keys.length === 0) {
    yield { sql: `SELECT * FROM ${relation}`, values: [] };
    return;
  }
  const order = `ORDER BY ${keys.map((key) => quoteIdentifier(key.name)).join(', ')}`;
  let lower = resumeAfter(source, ctx.resumeCursor, ctx.nodeId);
  for (const upper of [...(await rangeBounds(source, lower)), null]) {
    const range = keyRangeFilter(keys, lower, upper);
    yield { sql: `SELECT * FROM ${relation} ${range.where} ${order}`, values: range.values };
    lower = upper;
  }
}

/** The rows of one query as records, chunk by chunk. */
async function* streamRecords(source: OpenSource, sql: string, values: string[]): AsyncGenerator<Rec[]> {
  const statement = await source.connection.prepare(sql);
  statement.bind(values);
  const result = await statement.stream().finally(() => statement.destroySync());
  const names = result.columnNames();
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return;
    const chunkColumns = chunk.convertColumns(recordValue);
    const records: Rec[] = new Array(chunk.rowCount);
    for (let row = 0; row < chunk.rowCount; row++) {
      const record: Rec = {};
      for (let column = 0; column < names.length; column++) {
        record[names[column] as string] = chunkColumns[column]?.[row];
      }
      records[row] = record;
    }
    yield records;
  }
}

/** The rows as records batches, cut at batchSize and at every multiple of alignRows (so downstream parts close on batch boundaries). */
async function* readRecords(source: OpenSource, batchSize: number, ctx: SourceContext): AsyncGenerator<SourceBatch> {
  const { keys, stream, columns } = source;
  const toBatch = (records: Rec[]): SourceBatch => {
    const last = records[records.length - 1] as Rec;
    return {
      kind: 'records',
      stream,
      records,
      schema: columns,
      cursor: keys.length === 0 ? null : keys.map((key) => last[key.name]),
    };
  };
  let emitted = 0;
  const nextBatchSize = () =>
    ctx.alignRows ? Math.min(batchSize, ctx.alignRows - (emitted % ctx.alignRows)) : batchSize;
  let records: Rec[] = [];
  let size = nextBatchSize();
  for await (const { sql, values } of readQueries(source, ctx)) {
    for await (const chunk of streamRecords(source, sql, values)) {
      if (ctx.signal.aborted) throw new CancelledError();
      for (const record of chunk) {
        records.push(record);
        if (records.length === size) {
          yield toBatch(records);
          if (ctx.signal.aborted) throw new CancelledError();
          emitted += records.length;
          records = [];
          size = nextBatchSize();
        }
      }
    }
  }
  if (records.length > 0) yield toBatch(records);
}

/**
 * Runs one of the source's reads to its end: the run's abort signal interrupts DuckDB mid-query,
 * errors leave typed, and the connection is given back however the read ends.
 */
async function* supervise(
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

async function* read(config: DuckDBSourceConfig, ctx: SourceContext): AsyncGenerator<SourceBatch> {
  const source = await openSource(config, ctx);
  yield* supervise(source, ctx, readRecords(source, config.batchSize ?? ctx.batchSize, ctx));
}

/** Pushed down into a format node: DuckDB writes the part files (copy-parts.ts). */
async function* readParts(
  config: DuckDBSourceConfig,
  ctx: SourceContext,
  format: CopyFormat,
): AsyncGenerator<SourceBatch> {
  const source = await openSource(config, ctx);
  const keys = partKeys(source, config.table !== undefined);
  if (keys === undefined) {
    disconnect(source.connection);
    throw new ConfigError(`node "${ctx.nodeId}": a query needs a key to be written in parts`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config.key', message: 'a query needs a key to be written in parts' }],
    });
  }
  yield* supervise(source, ctx, copyParts(source, keys, ctx, format));
}

/** Opens the database read-only; with a table or query, also resolves its columns and key. */
async function check(config: DuckDBSourceConfig, ctx: NodeContext): Promise<void> {
  if (config.table === undefined && config.query === undefined) {
    disconnect(await connectNodeDatabase(config.path, ctx, { mustExist: true, readOnly: true }));
    return;
  }
  const { connection } = await openSource(config, ctx);
  disconnect(connection);
}

/** Every table and view of the database (Backflow's staging tables aside), with columns and primary keys. */
async function discover(config: DuckDBSourceConfig, ctx: NodeContext): Promise<StreamInfo[]> {
  const connection = await connectNodeDatabase(config.path, ctx, { mustExist: true, readOnly: true });
  try {
    const columnRows = (
      await connection.runAndReadAll(
        `SELECT schema_name, table_name, column_name, data_type
           FROM duckdb_columns()
          WHERE database_name = current_database() AND NOT internal AND NOT starts_with(table_name, '_backflow_stage_')
          ORDER BY schema_name, table_name, column_index`,
      )
    ).getRowsJson();
    const keyRows = (
      await connection.runAndReadAll(
        `SELECT schema_name, table_name, constraint_column_names
           FROM duckdb_constraints()
          WHERE database_name = current_database() AND constraint_type = 'PRIMARY KEY'`,
      )
    ).getRowsJson();
    const streamName = (schema: unknown, table: unknown) =>
      formatQualifiedName(
        schema === 'main' ? { name: String(table) } : { schema: String(schema), name: String(table) },
      );
    const streams = new Map<string, StreamInfo>();
    for (const [schema, table, name, type] of columnRows) {
      const streamId = streamName(schema, table);
      let info = streams.get(streamId);
      if (info === undefined) {
        info = { name: streamId, columns: [] };
        streams.set(streamId, info);
      }
      info.columns.push({ name: String(name), type: String(type) });
    }
    for (const [schema, table, keyColumnNames] of keyRows) {
      const info = streams.get(streamName(schema, table));
      if (info !== undefined) info.key = (keyColumnNames as string[]).map(String);
    }
    return [...streams.values()];
  } finally {
    disconnect(connection);
  }
}

export const duckdbSource: NodeType<DuckDBSourceConfig> = {
  type: 'duckdb.source',
  role: 'source',
  title: 'DuckDB source',
  description: 'Reads the rows of a DuckDB table or SQL query as records, in key order when a key is given.',
  config: configSchema,
  inputs: [],
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields: ['path'],
  checkSyntax,
  check,
  discover,
  read,
  canReadParts: (config) => config.table !== undefined || config.key !== undefined,
  readParts,
};
