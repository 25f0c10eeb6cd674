/**
 * The read of a database source, whatever the database: its streams one after another (in
 * foreign-key order), each paged by keyset in key order, batches cut at `batchSize` and at every
 * multiple of `alignRows`, each carrying the cursor after it. The connector supplies a
 * `SqlSession` (how its database runs a statement and converts rows); this module decides what to
 * ask and where a resumed or incremental read starts.
 */
import { CancelledError, ConfigError, SourceError } from '../../errors.ts';
import type { Column, Rec, SourceBatch, SourceContext, TableShape } from '../contract.ts';
import { BoundValues, type SqlDialect } from './dialect.ts';
import { canLookBack, type IncrementalMark, LookbackMemory, lookbackStart } from './incremental.ts';
import { keyComparison, orderBy, whereClause } from './keyset.ts';

/** One stream a source reads: a table (or the query), described. */
export interface SqlStream {
  name: string;
  /** What to select from, as SQL after FROM (a quoted table or a parenthesised query). */
  relation: string;
  columns: Column[];
  shape?: TableShape;
  /** Columns the read pages by, unique together; empty: one scan, resumed by skipping the rows already read. */
  key: string[];
}

/** How one database runs the statements of a read. */
export interface SqlSession {
  dialect: SqlDialect;
  /** The select list of a stream (each column as this database reads it into a record). */
  selectList(stream: SqlStream): string;
  /** The rows of a bounded statement (with LIMIT) as records. */
  rows(sql: string, values: unknown[], stream: SqlStream): Promise<Rec[]>;
  /** The rows of an unbounded statement as records, chunk by chunk, never all held at once. */
  scan(sql: string, values: unknown[], stream: SqlStream): AsyncIterable<Rec[]>;
  /** A key value as a record holds it, as a bound parameter of this database. */
  param(column: Column, value: unknown): unknown;
  /** Called once a stream was read to its end (e.g. to report the values it converted). */
  finished?(stream: SqlStream): void;
}

export interface IncrementalRead {
  cursor: string;
  key?: string[];
  lookback?: number;
}

/**
 * Where a read is, after a batch: the stream, the key (or cursor and key) values of its last row
 * read, the rows already read of a stream without a key, and for incremental reads where each
 * stream's next run starts.
 */
export interface ReadCursor {
  stream: string;
  after: unknown[] | null;
  skip?: number;
  since?: Record<string, IncrementalMark>;
}

export async function* readStreams(
  session: SqlSession,
  streams: readonly SqlStream[],
  incremental: IncrementalRead | undefined,
  ctx: SourceContext,
): AsyncGenerator<SourceBatch> {
  const resume = readCursorOf(ctx.resumeCursor, ctx.nodeId, 'resume from');
  const lastRun = incremental ? readCursorOf(ctx.lastRunCursor, ctx.nodeId, 'continue incrementally from') : undefined;
  const since: Record<string, IncrementalMark> | undefined = incremental
    ? { ...(resume ? resume.since : lastRun?.since) }
    : undefined;
  let first = 0;
  if (resume) {
    first = streams.findIndex((stream) => stream.name === resume.stream);
    if (first < 0) {
      throw new SourceError(
        `node "${ctx.nodeId}": cannot resume in stream "${resume.stream}": the source no longer reads it (${streams.map((s) => s.name).join(', ')})`,
        { nodeId: ctx.nodeId, stream: resume.stream },
      );
    }
  }
  let lastYielded: string | undefined;
  let final: ReadCursor | undefined;
  for (let index = first; index < streams.length; index++) {
    const stream = streams[index]!;
    const from = index === first ? resume : undefined;
    const batches = incremental
      ? readChanges(session, stream, incremental, from, since!, ctx)
      : stream.key.length > 0
        ? readByKey(session, stream, from, ctx)
        : readByScan(session, stream, from, ctx);
    let cursor: ReadCursor | undefined;
    for await (const batch of batches) {
      cursor = batch.cursor as ReadCursor;
      lastYielded = JSON.stringify(cursor);
      yield batch;
      if (ctx.signal.aborted) throw new CancelledError();
    }
    session.finished?.(stream);
    final = { stream: stream.name, after: cursor?.after ?? from?.after ?? null, ...(since ? { since } : {}) };
  }
  // An incremental read that moved no row still moved its marks (or must hand them on): one empty batch carries them.
  if (incremental && final && JSON.stringify(final) !== lastYielded) {
    const stream = streams[streams.length - 1]!;
    yield { ...emptyBatch(stream), cursor: final };
  }
}

function emptyBatch(stream: SqlStream) {
  return {
    kind: 'records' as const,
    stream: stream.name,
    records: [] as Rec[],
    schema: stream.columns,
    ...(stream.shape ? { shape: stream.shape } : {}),
  };
}

/** Records per batch from here: `batchSize`, ending at the next multiple of `alignRows`. */
function batchRows(ctx: SourceContext, emitted: number): number {
  return ctx.alignRows ? Math.min(ctx.batchSize, ctx.alignRows - (emitted % ctx.alignRows)) : ctx.batchSize;
}

function columnOf(stream: SqlStream, name: string, nodeId: string, path: string): Column {
  const column = stream.columns.find((c) => c.name === name);
  if (column === undefined) {
    const message = `column "${name}" is not among the columns of ${stream.name} (${stream.columns.map((c) => c.name).join(', ')})`;
    throw new ConfigError(`node "${nodeId}": ${message}`, {
      nodeId,
      stream: stream.name,
      details: [{ path: `config.${path}`, message }],
    });
  }
  return column;
}

/** The statement of one page: the rows after `after` (or matching `start`) in `order`, at most `limit`. */
function pageStatement(
  session: SqlSession,
  stream: SqlStream,
  order: Column[],
  after: unknown[] | null,
  start: ((bound: BoundValues) => string) | undefined,
  limit: number,
) {
  const { dialect } = session;
  const bound = new BoundValues(dialect);
  const names = order.map((column) => column.name);
  const conditions: string[] = [];
  if (after !== null) {
    const values = after.map((value, index) => session.param(order[index]!, value));
    conditions.push(keyComparison(dialect, names, '>', values, bound));
  } else if (start) {
    conditions.push(start(bound));
  }
  const sql = `SELECT ${session.selectList(stream)} FROM ${stream.relation} ${whereClause(conditions)} ${orderBy(dialect, names)} LIMIT ${limit}`;
  return { sql, values: bound.values };
}

async function* readByKey(
  session: SqlSession,
  stream: SqlStream,
  from: ReadCursor | undefined,
  ctx: SourceContext,
): AsyncGenerator<SourceBatch> {
  const order = stream.key.map((name) => columnOf(stream, name, ctx.nodeId, 'key'));
  let after = from?.after ?? null;
  let emitted = 0;
  for (;;) {
    if (ctx.signal.aborted) throw new CancelledError();
    const limit = batchRows(ctx, emitted);
    const { sql, values } = pageStatement(session, stream, order, after, undefined, limit);
    const records = await session.rows(sql, values, stream);
    if (records.length === 0) return;
    const last = records[records.length - 1]!;
    after = order.map((column) => last[column.name]);
    emitted += records.length;
    yield { ...emptyBatch(stream), records, cursor: { stream: stream.name, after } satisfies ReadCursor };
    if (records.length < limit) return;
  }
}

async function* readByScan(
  session: SqlSession,
  stream: SqlStream,
  from: ReadCursor | undefined,
  ctx: SourceContext,
): AsyncGenerator<SourceBatch> {
  const skip = from?.skip ?? 0;
  if (skip > 0) {
    ctx.log.warn(
      'stream has no key: resuming by skipping the rows already read, in the order the database scans them',
      {
        stream: stream.name,
        skip,
      },
    );
  }
  let read = 0;
  let pending: Rec[] = [];
  const batch = (records: Rec[]): SourceBatch => ({
    ...emptyBatch(stream),
    records,
    cursor: { stream: stream.name, after: null, skip: read } satisfies ReadCursor,
  });
  for await (const chunk of session.scan(`SELECT ${session.selectList(stream)} FROM ${stream.relation}`, [], stream)) {
    if (ctx.signal.aborted) throw new CancelledError();
    for (const record of chunk) {
      read += 1;
      if (read <= skip) continue;
      pending.push(record);
      if (pending.length === batchRows(ctx, read - skip - pending.length)) {
        yield batch(pending);
        pending = [];
      }
    }
  }
  if (pending.length > 0) yield batch(pending);
}

async function* readChanges(
  session: SqlSession,
  stream: SqlStream,
  incremental: IncrementalRead,
  from: ReadCursor | undefined,
  since: Record<string, IncrementalMark>,
  ctx: SourceContext,
): AsyncGenerator<SourceBatch> {
  const cursorColumn = columnOf(stream, incremental.cursor, ctx.nodeId, 'incremental.cursor');
  const keyNames = incremental.key ?? stream.key;
  if (keyNames.length === 0) {
    const message = `${stream.name} has no primary key: give incremental.key, the columns that tell rows sharing a cursor value apart`;
    throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
      nodeId: ctx.nodeId,
      stream: stream.name,
      details: [{ path: 'config.incremental.key', message }],
    });
  }
  const keys = keyNames.map((name) => columnOf(stream, name, ctx.nodeId, 'incremental.key'));
  const order = [cursorColumn, ...keys.filter((key) => key.name !== cursorColumn.name)];
  const { lookback } = incremental;
  if (lookback !== undefined && !canLookBack(cursorColumn.type)) {
    const message = `a lookback needs a time or number cursor; ${cursorColumn.name} is ${cursorColumn.type}`;
    throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config.incremental.lookback', message }],
    });
  }
  const mark = since[stream.name];
  const memory = lookback === undefined ? undefined : new LookbackMemory(cursorColumn.type, lookback, mark);
  const quotedCursor = session.dialect.quoteIdentifier(cursorColumn.name);
  let after: unknown[] | null = from ? from.after : lookback === undefined ? (mark?.after ?? null) : null;
  // Rows with a NULL cursor have no place in cursor order: an incremental read never sees them.
  const start = (bound: BoundValues) =>
    mark === undefined || lookback === undefined
      ? `${quotedCursor} IS NOT NULL`
      : `${quotedCursor} >= ${bound.bind(session.param(cursorColumn, lookbackStart(mark.after[0], cursorColumn.type, lookback)))}`;
  const keyOf = (record: Rec) => JSON.stringify(keys.map((key) => record[key.name]));
  let emitted = 0;
  for (;;) {
    if (ctx.signal.aborted) throw new CancelledError();
    const limit = batchRows(ctx, emitted);
    const { sql, values } = pageStatement(session, stream, order, after, start, limit);
    const rows = await session.rows(sql, values, stream);
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    after = order.map((column) => last[column.name]);
    const records = memory
      ? rows.filter((record) => {
          const key = keyOf(record);
          const value = record[cursorColumn.name];
          if (memory.unchanged(key, value)) return false;
          memory.remember(key, value);
          return true;
        })
      : rows;
    since[stream.name] = { after, ...(memory ? { recent: memory.snapshot() } : {}) };
    emitted += records.length;
    if (records.length > 0) {
      const cursor: ReadCursor = { stream: stream.name, after, since: structuredClone(since) };
      yield { ...emptyBatch(stream), records, cursor };
    }
    if (rows.length < limit) return;
  }
}

/** A cursor this source wrote, checked; undefined for none. */
function readCursorOf(cursor: unknown, nodeId: string, what: string): ReadCursor | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  const candidate = cursor as Partial<ReadCursor>;
  if (typeof candidate.stream !== 'string' || !(candidate.after === null || Array.isArray(candidate.after))) {
    throw new SourceError(
      `node "${nodeId}": cannot ${what} cursor ${JSON.stringify(cursor).slice(0, 200)}: expected { stream, after }`,
      { nodeId },
    );
  }
  return candidate as ReadCursor;
}
