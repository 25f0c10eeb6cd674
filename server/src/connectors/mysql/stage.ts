/**
 * One stream's staging table in MySQL: `_backflow_stage_<table>_<hash>` beside the target, with
 * the target's column types (or, for a table to create, the batch schema's mapped types and its
 * primary key) plus `_backflow_seq`, `_backflow_row` and `_backflow_hash`. A batch is loaded by
 * LOAD DATA LOCAL INFILE from memory (mysql2's infileStreamFactory), in one committed
 * transaction. LOAD DATA LOCAL turns bad values into warnings (the server cannot stop the client
 * mid-file), so a load with any warning is rolled back to its SAVEPOINT and the batch is loaded
 * again by bound multi-row INSERTs under strict mode, split until the rows MySQL refuses stand
 * alone (isolate-failures.ts); those go to `ctx.reject` with MySQL's message, the rest is staged.
 */
import { Readable } from 'node:stream';
import type { Connection, ResultSetHeader } from 'mysql2/promise';
import type { Column, TableShape } from '../../node-kit/columns.ts';
import type { Rec, RecordBatch } from '../../node-kit/contract.ts';
import { loadIsolatingFailures } from '../../node-kit/isolate-failures.ts';
import { HASH_COLUMN, ROW_COLUMN, SEQ_COLUMN, type StagedColumn } from '../../node-kit/sql/stage-columns.ts';
import { type SavedTally, StreamTally } from '../../node-kit/sql/stage-verification.ts';
import { rowHasher } from '../../node-kit/verification.ts';
import { quoteIdentifier } from './sql.ts';
import { type ColumnLoader, columnLoader, loadEscape } from './values.ts';

export interface SavedStream {
  stream: string;
  target: string;
  stage: string;
  schema: Column[];
  shape: TableShape;
  columns: StagedColumn[];
  /** The target did not exist: publishing renames the staging table into place. */
  created: boolean;
  key: string[];
  tally: SavedTally;
}

export interface RowRefusal {
  row: number;
  reason: string;
}

/** Rows per bound INSERT statement when isolating (well under max_allowed_packet). */
const insertRows = 500;

export class StreamStage {
  readonly tally: StreamTally;
  private readonly loaders: ColumnLoader[];
  private readonly hashRow: (values: readonly unknown[]) => bigint;

  constructor(
    readonly saved: Omit<SavedStream, 'tally'>,
    tally?: SavedTally,
  ) {
    this.tally = new StreamTally(tally);
    this.loaders = saved.columns.map((column) => columnLoader(column.type));
    this.hashRow = rowHasher(saved.columns.map((column) => column.type));
  }

  get stream(): string {
    return this.saved.stream;
  }

  get target(): string {
    return this.saved.target;
  }

  get table(): string {
    return this.saved.stage;
  }

  get columns(): StagedColumn[] {
    return this.saved.columns;
  }

  save(): SavedStream {
    return { ...this.saved, tally: this.tally.save() };
  }

  describe(database: string): string {
    return `${database}.${this.target}`;
  }

  async load(connection: Connection, batch: RecordBatch, seq: number): Promise<RowRefusal[]> {
    const refusals: RowRefusal[] = [];
    const rows: { index: number; texts: (string | null)[]; hash: bigint }[] = [];
    batch.records.forEach((record, index) => {
      try {
        rows.push({ index, ...this.encode(record) });
      } catch (error) {
        refusals.push({ row: index, reason: error instanceof Error ? error.message : String(error) });
      }
    });
    await connection.query('BEGIN');
    try {
      let failures: { row: number; error: unknown }[] = [];
      await connection.query('SAVEPOINT backflow_load');
      if (!(await this.loadData(connection, rows, seq))) {
        await connection.query('ROLLBACK TO SAVEPOINT backflow_load');
        failures = await loadIsolatingFailures(rows, (slice) => this.insertRows(connection, slice, seq), isRowError);
      }
      await connection.query('COMMIT');
      const failed = new Set(failures.map((failure) => failure.row));
      rows.forEach((row, position) => {
        if (!failed.has(position)) this.tally.received.add(row.hash);
      });
      for (const failure of failures) {
        refusals.push({ row: (rows[failure.row] as { index: number }).index, reason: this.reason(failure.error) });
      }
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.tally.rejected += refusals.length;
    return refusals.sort((a, b) => a.row - b.row);
  }

  private encode(record: Rec): { texts: (string | null)[]; hash: bigint } {
    const values = this.columns.map((column) => record[column.field]);
    const hash = this.hashRow(values);
    const texts = values.map((value, index) => {
      try {
        return (this.loaders[index] as ColumnLoader).text(value);
      } catch (error) {
        const column = this.columns[index] as StagedColumn;
        throw new Error(`field "${column.field}": ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    return { texts, hash };
  }

  /** LOAD DATA of the rows; false when MySQL warned (a value it would have altered): nothing is kept then. */
  private async loadData(
    connection: Connection,
    rows: readonly { index: number; texts: (string | null)[]; hash: bigint }[],
    seq: number,
  ): Promise<boolean> {
    if (rows.length === 0) return true;
    const chunks: Buffer[] = [];
    let text = '';
    for (const row of rows) {
      for (const value of row.texts) text += `${value === null ? '\\N' : loadEscape(value)}\t`;
      text += `${seq}\t${row.index}\t${row.hash}\n`;
      if (text.length >= 65_536) {
        chunks.push(Buffer.from(text));
        text = '';
      }
    }
    if (text !== '') chunks.push(Buffer.from(text));
    const targets = this.columns.map((column, index) =>
      (this.loaders[index] as ColumnLoader).viaHex ? `@v${index}` : quoteIdentifier(column.name),
    );
    const sets = this.columns.flatMap((column, index) =>
      (this.loaders[index] as ColumnLoader).viaHex ? [`${quoteIdentifier(column.name)} = UNHEX(@v${index})`] : [],
    );
    const sql = `LOAD DATA LOCAL INFILE 'backflow-batch' INTO TABLE ${quoteIdentifier(this.table)} CHARACTER SET utf8mb4
      FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'
      (${[...targets, ...[SEQ_COLUMN, ROW_COLUMN, HASH_COLUMN].map(quoteIdentifier)].join(', ')})
      ${sets.length > 0 ? `SET ${sets.join(', ')}` : ''}`;
    const [result] = await connection.query({ sql, infileStreamFactory: () => Readable.from(chunks) } as never);
    const header = result as unknown as ResultSetHeader;
    return header.warningStatus === 0 && header.affectedRows === rows.length;
  }

  /** Bound multi-row INSERTs of the rows (all or nothing: the caller's savepoint per attempt). */
  private async insertRows(
    connection: Connection,
    rows: readonly { index: number; texts: (string | null)[]; hash: bigint }[],
    seq: number,
  ): Promise<void> {
    const names = [...this.columns.map((column) => column.name), SEQ_COLUMN, ROW_COLUMN, HASH_COLUMN];
    const placeholders = `(${[...this.loaders.map((loader) => (loader.viaHex ? 'UNHEX(?)' : '?')), '?', '?', '?'].join(', ')})`;
    await connection.query('SAVEPOINT backflow_insert');
    try {
      for (let start = 0; start < rows.length; start += insertRows) {
        const slice = rows.slice(start, start + insertRows);
        await connection.query(
          `INSERT INTO ${quoteIdentifier(this.table)} (${names.map(quoteIdentifier).join(', ')}) VALUES ${slice.map(() => placeholders).join(', ')}`,
          slice.flatMap((row) => [...row.texts, seq, row.index, String(row.hash)]),
        );
      }
      await connection.query('RELEASE SAVEPOINT backflow_insert');
    } catch (error) {
      await connection.query('ROLLBACK TO SAVEPOINT backflow_insert');
      throw error;
    }
  }

  /** MySQL's message for a refused row, naming the field, with the staging table's name as the target's. */
  reason(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const column =
      /column '([^']+)'/i.exec(message)?.[1] ??
      /for column (?:`[^`]*`\.)*`([^`]+)`/.exec(message)?.[1] ??
      /CONSTRAINT `([^`]+)` failed/.exec(message)?.[1];
    const field = this.columns.find((staged) => staged.name === column)?.field ?? column;
    const text = `${field === undefined ? '' : `field "${field}": `}${message.replace(/ at row \d+$/, '')}`;
    return text.split(this.table).join(this.target).slice(0, 1000);
  }
}

/** Errors caused by a row's values: SQLSTATE classes 22 (data) and 23 (integrity), and MySQL's codes for the same. */
const rowErrorCodes = new Set([
  1048, 1062, 1216, 1264, 1265, 1292, 1366, 1367, 1406, 1411, 1452, 1690, 3140, 3819, 4025,
]);

export function isRowError(error: unknown): boolean {
  const { sqlState, errno } = error as { sqlState?: unknown; errno?: unknown };
  if (typeof sqlState === 'string' && (sqlState.startsWith('22') || sqlState.startsWith('23'))) return true;
  return typeof errno === 'number' && rowErrorCodes.has(errno);
}
