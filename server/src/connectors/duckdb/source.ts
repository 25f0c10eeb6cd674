/**
 * `duckdb.source`: the rows of a DuckDB table or query as records batches. With a `key` the read
 * is one ordered, streaming keyset query, so an interrupted run resumes after the last
 * checkpointed row without skipping or repeating any (DESIGN.md §4).
 */
import { compileRecordLiteral } from '@backflow/transforms';
import { CancelledError, SourceError } from '../../errors.ts';
import {
  defineSource,
  type NodeContext,
  type Rec,
  type SourceBatch,
  type SourceContext,
  type StreamInfo,
} from '../../node-kit/contract.ts';
import { connectNodeDatabase, disconnect, formatQualifiedName, keyRangeFilter, quoteIdentifier } from './database.ts';
import { recordValue } from './record-values.ts';
import { type OpenSource, openSource, queryRelation, supervise, withoutFinalSemicolon } from './relation.ts';
import { type DuckDBSourceConfig, duckdbSourceConfig } from './source-config.ts';
import { lineAndColumn, parseSql } from './sql-syntax.ts';

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
  const recordAt = compileRecordLiteral<(columns: unknown[][], row: number) => Rec>(
    result.columnNames(),
    ['columns', 'row'],
    (column) => `columns[${column}][row]`,
  );
  // DuckDB makes the next chunk on its own threads while this one is converted here.
  let next = result.fetchChunk();
  try {
    for (;;) {
      const chunk = await next;
      if (chunk === null || chunk.rowCount === 0) return;
      next = result.fetchChunk();
      const chunkColumns = chunk.convertColumns(recordValue);
      const records: Rec[] = new Array(chunk.rowCount);
      for (let row = 0; row < chunk.rowCount; row++) records[row] = recordAt(chunkColumns, row);
      yield records;
    }
  } finally {
    // A read stopped early (a preview, a cancel) settles the fetch in flight before the result goes.
    await next.catch(() => undefined);
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

async function* read(config: DuckDBSourceConfig, ctx: SourceContext): AsyncGenerator<SourceBatch> {
  const source = await openSource(config, ctx);
  yield* supervise(source, ctx, readRecords(source, config.batchSize ?? ctx.batchSize, ctx));
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

export const duckdbSource = defineSource({
  type: 'duckdb.source',
  title: 'DuckDB source',
  description: 'Reads the rows of a DuckDB table or SQL query as records, in key order when a key is given.',
  config: duckdbSourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields: ['path'],
  checkSyntax,
  check,
  discover,
  read,
});
