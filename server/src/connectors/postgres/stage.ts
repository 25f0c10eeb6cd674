/**
 * One stream's staging table in Postgres: `_backflow_stage_<table>_<hash>` beside the target, with
 * the target's column types (or, for a table to create, the batch schema's mapped types and its
 * primary key) plus `_backflow_seq`, `_backflow_row` and `_backflow_hash`. Each batch is loaded by
 * COPY FROM STDIN in one committed transaction, each attempt inside a SAVEPOINT: a COPY the
 * database refuses is split until the refused rows stand alone (isolate-failures.ts), and those
 * go to `ctx.reject` with Postgres's own message while the rest is staged.
 */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type { Column, TableShape } from '../../node-kit/columns.ts';
import type { Rec, RecordBatch } from '../../node-kit/contract.ts';
import { loadIsolatingFailures } from '../../node-kit/isolate-failures.ts';
import { HASH_COLUMN, ROW_COLUMN, SEQ_COLUMN, type StagedColumn } from '../../node-kit/sql/stage-columns.ts';
import { type SavedTally, StreamTally } from '../../node-kit/sql/stage-verification.ts';
import { rowHasher } from '../../node-kit/verification.ts';
import { copyEscape, inputText, type ToText } from './copy-text.ts';
import { quoteIdentifier, quoteTable, showTable, type TableName } from './sql.ts';

/** What a resume needs of a stream: where it stages, how fields map, what it received. */
export interface SavedStream {
  stream: string;
  target: TableName;
  stage: TableName;
  /** The batch schema (for the table made at publish: identity, indexes, foreign keys). */
  schema: Column[];
  shape: TableShape;
  columns: StagedColumn[];
  /** The target did not exist: publishing renames the staging table into place. */
  created: boolean;
  /** Key columns (table names) of an upsert, or of the created table's primary key. */
  key: string[];
  /** Existing target: columns that must be inserted OVERRIDING SYSTEM VALUE / whose sequence is reset. */
  alwaysIdentity: boolean;
  sequences: string[];
  tally: SavedTally;
}

export interface RowRefusal {
  row: number;
  reason: string;
}

export class StreamStage {
  readonly tally: StreamTally;
  private readonly encoders: ToText[];
  private readonly hashRow: (values: readonly unknown[]) => bigint;

  constructor(
    readonly saved: Omit<SavedStream, 'tally'>,
    tally?: SavedTally,
  ) {
    this.tally = new StreamTally(tally);
    this.encoders = saved.columns.map((column) => inputText(column.type));
    this.hashRow = rowHasher(saved.columns.map((column) => column.type));
  }

  get stream(): string {
    return this.saved.stream;
  }

  get target(): TableName {
    return this.saved.target;
  }

  get table(): TableName {
    return this.saved.stage;
  }

  get columns(): StagedColumn[] {
    return this.saved.columns;
  }

  save(): SavedStream {
    return { ...this.saved, tally: this.tally.save() };
  }

  /**
   * Stages a batch in one committed transaction; returns the rows Postgres refused (each with
   * its message), which are not staged. The staged rows' hashes join the stream's checksum.
   */
  async load(client: pg.Client, batch: RecordBatch, seq: number): Promise<RowRefusal[]> {
    const refusals: RowRefusal[] = [];
    const text = this.copyText(batch, seq, refusals);
    const copy = `COPY ${quoteTable(this.table)} (${[
      ...this.columns.map((column) => column.name),
      SEQ_COLUMN,
      ROW_COLUMN,
      HASH_COLUMN,
    ]
      .map(quoteIdentifier)
      .join(', ')}) FROM STDIN`;
    const indexes = text.rows.map((_, index) => index);
    const { from: copyFrom } = await import('pg-copy-streams');
    await client.query('BEGIN');
    try {
      const failures = await loadIsolatingFailures(
        indexes,
        async (slice) => {
          await client.query('SAVEPOINT backflow_load');
          try {
            // The slices loadIsolatingFailures hands on are runs of consecutive rows.
            await pipeline(text.chunks(slice[0] as number, slice.length), client.query(copyFrom(copy)));
            await client.query('RELEASE SAVEPOINT backflow_load');
          } catch (error) {
            await client.query('ROLLBACK TO SAVEPOINT backflow_load');
            throw error;
          }
        },
        isRowError,
      );
      await client.query('COMMIT');
      const failed = new Set(failures.map((failure) => failure.row));
      indexes.forEach((index) => {
        if (!failed.has(index)) this.tally.received.add(text.hashes[index] as bigint);
      });
      for (const failure of failures) {
        refusals.push({ row: text.rows[failure.row] as number, reason: this.reason(failure.error) });
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.tally.rejected += refusals.length;
    return refusals.sort((a, b) => a.row - b.row);
  }

  /**
   * The batch's COPY text (each record's mapped fields, then seq, row and hash) and each row's hash
   * as received; records that cannot be written are added to `refusals` instead. The text is kept as
   * its pieces (mostly the records' own strings and tabs) and joined a chunk at a time when sent:
   * no string per field or per line, which at a million rows was most of the load's garbage.
   */
  private copyText(batch: RecordBatch, seq: number, refusals: RowRefusal[]): CopyText {
    const columns = this.columns;
    const fields = columns.map((column) => column.field);
    const values: unknown[] = new Array(columns.length);
    const parts: string[] = [];
    /** After staged row i: parts.length, and the characters of rows 0..i. */
    const partEnds: number[] = [];
    const charEnds: number[] = [];
    const hashes: bigint[] = [];
    const rows: number[] = [];
    const records = batch.records;
    let chars = 0;
    for (let row = 0; row < records.length; row++) {
      const record = records[row] as Rec;
      for (let index = 0; index < fields.length; index++) values[index] = record[fields[index] as string];
      const mark = parts.length;
      let length = 0;
      let hash: bigint;
      try {
        hash = this.hashRow(values);
        for (let index = 0; index < values.length; index++) {
          const field = this.fieldText(index, values[index]);
          parts.push(field, '\t');
          length += field.length + 1;
        }
      } catch (error) {
        parts.length = mark;
        refusals.push({ row, reason: `${error instanceof Error ? error.message : String(error)}` });
        continue;
      }
      const tail = `${seq}\t${row}\t${hash}\n`;
      parts.push(tail);
      chars += length + tail.length;
      partEnds.push(parts.length);
      charEnds.push(chars);
      hashes.push(hash);
      rows.push(row);
    }
    return { rows, hashes, chunks: (first, count) => copyChunks(parts, partEnds, charEnds, first, count) };
  }

  /** A value's COPY field text (escaped, `\N` for NULL); throws naming the field when it cannot be written. */
  private fieldText(index: number, value: unknown): string {
    let text: string | null;
    try {
      text = (this.encoders[index] as ToText)(value);
    } catch (error) {
      const column = this.columns[index] as StagedColumn;
      throw new Error(
        `field "${column.field}": cannot write ${JSON.stringify(value)} as ${column.type}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return text === null ? '\\N' : copyEscape(text);
  }

  /** Postgres's message for a refused row, naming the field, with the staging table's name as the target's. */
  reason(error: unknown): string {
    const failure = error as pg.DatabaseError;
    const column = failure.column ?? columnOfWhere(failure.where);
    const field = this.columns.find((staged) => staged.name === column)?.field ?? column;
    const detail = failure.detail ? ` (${failure.detail})` : '';
    const text = `${field === undefined ? '' : `field "${field}": `}${failure.message}${detail}`;
    return text.split(this.table.name).join(this.target.name).slice(0, 1000);
  }

  /** A message about this stream's table for the user (the target's name, never the staging table's). */
  describe(): string {
    return showTable(this.target);
  }
}

/** COPY's error context names the column: `COPY t, line 1, column amount: "abc"`. */
function columnOfWhere(where: string | undefined): string | undefined {
  if (where === undefined) return undefined;
  return /, column ([^:]+)(?::|$)/m.exec(where)?.[1];
}

/** Data exceptions (22: bad value, out of range, invalid encoding) and integrity violations (23). */
export function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** A batch's COPY text: the staged rows (their places in the batch), their hashes, and their text in chunks. */
interface CopyText {
  rows: number[];
  hashes: bigint[];
  /** The text of staged rows first..first+count-1, in chunks. */
  chunks(first: number, count: number): Iterable<string>;
}

/** Characters per write (128 Ki, 128–512 KiB of UTF-8): few writes, never the whole batch in one string. */
const chunkChars = 131_072;

/** Rows' pieces joined into chunks of about `chunkChars` characters. */
function* copyChunks(
  parts: readonly string[],
  partEnds: readonly number[],
  charEnds: readonly number[],
  first: number,
  count: number,
): Generator<string> {
  const end = first + count;
  let row = first;
  while (row < end) {
    const startChars = row === 0 ? 0 : (charEnds[row - 1] as number);
    let last = row;
    while (last + 1 < end && (charEnds[last] as number) - startChars < chunkChars) last += 1;
    yield parts.slice(row === 0 ? 0 : (partEnds[row - 1] as number), partEnds[last] as number).join('');
    row = last + 1;
  }
}
