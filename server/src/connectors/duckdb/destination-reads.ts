/**
 * `duckdb.destination`'s reads of its own rows (DestinationReads), for a mirror with
 * `mirrorScope: "all"` (every key the table holds) and a dry run's before → after samples (the
 * rows with some keys as they are now). Neither writes: the file is opened read-only, or shares the
 * instance this process's writer of it already holds (DuckDB allows one writer process per file).
 */
import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { NodeContext, Rec } from '../../node-kit/contract.ts';
import { keyedModeKey } from '../../node-kit/schema.ts';
import {
  connectNodeDatabase,
  disconnect,
  keyRangeFilter,
  parseQualifiedName,
  type QualifiedName,
  quoteIdentifier,
  quoteQualifiedName,
  resolveDatabasePath,
  type TableColumn,
  tableColumns,
} from './database.ts';
import { recordValue } from './record-values.ts';

/** Keys per page of `keys`. */
const KEY_PAGE = 1000;

/** What the reads need of the destination's config. */
export interface ReadsConfig {
  path: string;
  table: string;
  mode?: string;
  key?: string | string[];
}

/** The target table, open for reading, with its key columns (named as the config names them, typed as the table has them). */
interface KeyedTable {
  connection: DuckDBConnection;
  table: QualifiedName;
  /** Per config key: the table's column (its own spelling and type). */
  keyColumns: { field: string; column: TableColumn }[];
}

/**
 * Opens the target to read it, or undefined when there is nothing to read: no key, no file, no
 * table (keys it does not hold are simply not there). The caller disconnects.
 */
async function openKeyedTable(config: ReadsConfig, ctx: NodeContext): Promise<KeyedTable | undefined> {
  const keys = keyedModeKey(config);
  if (keys === undefined || keys.length === 0) return undefined;
  const file = resolveDatabasePath(config.path, ctx.baseDir);
  if ((await stat(file).catch(() => undefined)) === undefined) return undefined;
  const table = parseQualifiedName(config.table);
  const connection = await connectNodeDatabase(config.path, ctx, { mustExist: true, readOnly: true });
  try {
    const columns = await tableColumns(connection, table);
    const keyColumns = keys.map((field) => ({
      field,
      column: columns?.find((column) => column.name.toLowerCase() === field.toLowerCase()),
    }));
    if (keyColumns.some(({ column }) => column === undefined)) {
      disconnect(connection);
      return undefined;
    }
    return { connection, table, keyColumns: keyColumns as KeyedTable['keyColumns'] };
  } catch (error) {
    disconnect(connection);
    throw error;
  }
}

/** Every key the table holds (rows with a NULL key aside: no record can name them), in key order, `KEY_PAGE` at a time. */
export async function* readKeys(config: ReadsConfig, ctx: NodeContext): AsyncIterable<Rec[]> {
  const opened = await openKeyedTable(config, ctx);
  if (opened === undefined) return;
  const { connection, table, keyColumns } = opened;
  try {
    const columns = keyColumns.map(({ column }) => ({ name: column.name, type: column.type }));
    const list = columns.map((column) => quoteIdentifier(column.name)).join(', ');
    const notNull = columns.map((column) => `${quoteIdentifier(column.name)} IS NOT NULL`).join(' AND ');
    let after: unknown[] | null = null;
    for (;;) {
      // Keyset pages: each query ends, so no result stays open while the engine stages deletes between pages.
      const range = keyRangeFilter(columns, after, null);
      const where = range.where === '' ? `WHERE ${notNull}` : `${range.where} AND ${notNull}`;
      const statement = await connection.prepare(
        `SELECT ${list} FROM ${quoteQualifiedName(table)} ${where} ORDER BY ${list} LIMIT ${KEY_PAGE}`,
      );
      range.values.forEach((value, index) => {
        statement.bindVarchar(index + 1, value);
      });
      const rows = (await statement.runAndReadAll()).convertRows(recordValue);
      statement.destroySync();
      if (rows.length === 0) return;
      yield rows.map((row) => Object.fromEntries(keyColumns.map(({ field }, index) => [field, row[index] ?? null])));
      if (rows.length < KEY_PAGE) return;
      after = rows.at(-1) as unknown[];
    }
  } finally {
    disconnect(connection);
  }
}

/** The table's rows with these keys (each value as text, cast to the key column's type), as records; keys it lacks are left out. */
export async function readCurrent(config: ReadsConfig, ctx: NodeContext, keys: Rec[]): Promise<Rec[]> {
  if (keys.length === 0) return [];
  const opened = await openKeyedTable(config, ctx);
  if (opened === undefined) return [];
  const { connection, table, keyColumns } = opened;
  try {
    const values: (string | null)[] = [];
    const tuples = keys.map((key) => {
      const casts = keyColumns.map(({ field, column }) => {
        const value = key[field];
        values.push(value === null || value === undefined ? null : typeof value === 'string' ? value : String(value));
        return `TRY_CAST($${values.length} AS ${column.type})`;
      });
      return `(${casts.join(', ')})`;
    });
    const list = keyColumns.map(({ column }) => quoteIdentifier(column.name)).join(', ');
    const statement = await connection.prepare(
      `SELECT * FROM ${quoteQualifiedName(table)} WHERE (${list}) IN (${tuples.join(', ')})`,
    );
    values.forEach((value, index) => {
      if (value === null) statement.bindNull(index + 1);
      else statement.bindVarchar(index + 1, value);
    });
    const rows = (await statement.runAndReadAll()).convertRowObjects(recordValue);
    statement.destroySync();
    return rows;
  } finally {
    disconnect(connection);
  }
}
