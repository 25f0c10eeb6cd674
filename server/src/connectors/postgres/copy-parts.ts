/**
 * `postgres.source` → `csv.format`, fused by the planner (part-fusions.ts): each part is one
 * `COPY (SELECT … WHERE key in (lower, upper] ORDER BY key) TO STDOUT (FORMAT csv)` streamed through
 * gzip (when asked) and a hash into the part file, so rows never become records in JavaScript. A
 * part's upper key is the last of the next `rowsPerFile` keys (one index-only query); the cursor after
 * a part is `{ stream, after: <upper key>, part: <next part number> }`, so a resumed run continues
 * with the next part of the right stream and never writes a row twice.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import { CancelledError, SourceError } from '../../errors.ts';
import type { Column, SourceBatch, SourceContext } from '../../node-kit/contract.ts';
import { measure } from '../../node-kit/digest.ts';
import { partFileName } from '../../node-kit/parts.ts';
import { BoundValues } from '../../node-kit/sql/dialect.ts';
import { keyComparison, orderBy, whereClause } from '../../node-kit/sql/keyset.ts';
import type { SqlStream } from '../../node-kit/sql/read-streams.ts';
import { postgresDialect } from './connection.ts';
import { csvExpression } from './csv-text.ts';
import { keyParameter } from './record-values.ts';

/** How csv.format's options read as COPY's. */
export interface CsvParts {
  header: boolean;
  delimiter: string;
  gzip: boolean;
  rowsPerFile?: number;
}

/** Where a fused read resumes: in `stream`, after its key `after`, at part number `part`; past it when `done`. */
export interface PartsCursor {
  stream: string;
  after: unknown[] | null;
  part: number;
  done?: true;
}

/** A table without a key is cut by its physical row position: PostgreSQL scans a ctid range directly. */
const rowPosition: Column = { name: 'ctid', type: 'VARCHAR' };

/** A value as a SQL literal (COPY takes no bound parameters), escaped by the driver. */
function literal(client: pg.Client, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`;
  return client.escapeLiteral(String(value));
}

/** The key range condition with the bounds inlined as literals (for COPY), or bound (for a query). */
function rangeCondition(keys: string[], lower: unknown[] | null, upper: unknown[] | null, bound: BoundValues) {
  const conditions: string[] = [];
  if (lower !== null) conditions.push(keyComparison(postgresDialect, keys, '>', lower, bound));
  if (upper !== null) conditions.push(keyComparison(postgresDialect, keys, '<=', upper, bound));
  return whereClause(conditions);
}

/** Replaces `$n` placeholders by their values as literals. */
function inline(client: pg.Client, sql: string, values: unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, index: string) => literal(client, values[Number(index) - 1]));
}

export async function* copyParts(
  client: pg.Client,
  streams: readonly SqlStream[],
  options: CsvParts,
  ctx: SourceContext,
): AsyncGenerator<SourceBatch> {
  const resume = resumePosition(ctx.resumeCursor, ctx.nodeId);
  const first = resume ? streams.findIndex((stream) => stream.name === resume.stream) : 0;
  if (first < 0) {
    throw new SourceError(
      `node "${ctx.nodeId}": cannot resume in stream "${resume!.stream}": the source no longer reads it`,
      {
        nodeId: ctx.nodeId,
      },
    );
  }
  for (let index = resume?.done ? first + 1 : first; index < streams.length; index++) {
    const stream = streams[index]!;
    const from = index === first ? resume : undefined;
    yield* streamParts(client, stream, options, from, ctx);
  }
}

async function* streamParts(
  client: pg.Client,
  stream: SqlStream,
  options: CsvParts,
  from: PartsCursor | undefined,
  ctx: SourceContext,
): AsyncGenerator<SourceBatch> {
  const keyColumns =
    stream.key.length > 0 ? stream.key.map((name) => stream.columns.find((c) => c.name === name)!) : [rowPosition];
  const keys = keyColumns.map((column) => column.name);
  const quote = postgresDialect.quoteIdentifier;
  const select = stream.columns.map((column) => csvExpression(column, quote)).join(', ');
  const copyOptions = `FORMAT csv, HEADER ${options.header}, DELIMITER ${client.escapeLiteral(options.delimiter)}`;
  let lower = from?.after ? from.after.map((value, i) => keyParameter(keyColumns[i]!, value)) : null;
  let part = from?.part ?? 1;
  for (;;) {
    if (ctx.signal.aborted) throw new CancelledError();
    let upper: unknown[] | null = null;
    let expected: number | undefined;
    if (options.rowsPerFile !== undefined) {
      // The last of the next rowsPerFile keys, and how many there are: the part's range and its rows.
      const bound = new BoundValues(postgresDialect);
      const keyList = keys.map(quote).join(', ');
      const { rows } = await client.query<(string | null)[]>({
        text: `SELECT ${keyList}, count(*) OVER () FROM (SELECT ${keyList} FROM ${stream.relation} ${rangeCondition(keys, lower, null, bound)}
                 ${orderBy(postgresDialect, keys)} LIMIT ${options.rowsPerFile}) AS part_keys ${orderBy(postgresDialect, keys, true)} LIMIT 1`,
        values: bound.values,
        rowMode: 'array',
      });
      const last = rows[0];
      if (last === undefined) return; // nothing left: no empty part
      upper = last.slice(0, keys.length);
      expected = Number(last[keys.length]);
    }
    const bound = new BoundValues(postgresDialect);
    const where = rangeCondition(keys, lower, upper, bound);
    const query = inline(
      client,
      `SELECT ${select} FROM ${stream.relation} ${where} ${orderBy(postgresDialect, keys)}`,
      bound.values,
    );
    const name = partFileName(stream.name, part, 'csv', options.gzip);
    const file = join(ctx.tempDir, name);
    await mkdir(dirname(file), { recursive: true });
    const { to: copyTo } = await import('pg-copy-streams');
    const copy = client.query(copyTo(`COPY (${query}) TO STDOUT (${copyOptions})`));
    const measured = measure();
    await pipeline([copy, ...(options.gzip ? [createGzip({ level: 6 })] : []), measured, createWriteStream(file)]);
    const rows = Number(copy.rowCount);
    if (rows === 0) {
      // An empty table has no part, as the row path writes none.
      await rm(file, { force: true });
      return;
    }
    if (expected !== undefined && rows !== expected) {
      throw new SourceError(
        `node "${ctx.nodeId}": part ${name} holds ${rows} rows where its key range had ${expected}`,
        {
          nodeId: ctx.nodeId,
          stream: stream.name,
        },
      );
    }
    const { bytes, sha256 } = measured.result();
    const done = upper === null || rows < options.rowsPerFile!;
    const cursor: PartsCursor = { stream: stream.name, after: upper, part: part + 1, ...(done ? { done: true } : {}) };
    yield {
      kind: 'file',
      name,
      stream: stream.name,
      rows,
      bytes,
      sha256,
      schema: stream.columns,
      contentType: 'text/csv',
      localPath: file,
      open: () => createReadStream(file),
      dispose: () => rm(file, { force: true }),
      cursor,
    };
    if (done) return;
    part += 1;
    lower = upper;
  }
}

function resumePosition(cursor: unknown, nodeId: string): PartsCursor | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  const { stream, after, part, done } = cursor as Partial<PartsCursor>;
  if (typeof stream !== 'string' || !(after === null || Array.isArray(after)) || typeof part !== 'number') {
    throw new SourceError(
      `node "${nodeId}": cannot resume from cursor ${JSON.stringify(cursor).slice(0, 200)}: expected { stream, after, part }`,
      { nodeId },
    );
  }
  return { stream, after, part, ...(done ? { done } : {}) };
}
