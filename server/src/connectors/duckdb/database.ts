/**
 * Opening DuckDB files and writing SQL about them safely: one shared instance per file, quoted
 * identifiers and qualified names, and the catalog look-ups both node types need.
 */
import { access, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ConfigError, errorMessage } from '../../errors.ts';

/** Absolute path of a database file named in a config; relative paths resolve against the flow's base directory. */
export function resolveDatabasePath(path: string, baseDir: string): string {
  return resolve(baseDir, path);
}

export interface ConnectOptions {
  /** Refuse to open a file that does not exist (a source must never create an empty database). */
  mustExist: boolean;
  /** The node the connection is for, named in errors. */
  nodeId: string;
}

/**
 * Connects to the database file at `file` (absolute). Every node of the process that names the
 * same file shares one DuckDB instance (DuckDB allows a single writer per file, and two
 * instances of one file in one process would corrupt it); each caller gets its own connection.
 */
export async function connectDatabase(file: string, options: ConnectOptions): Promise<DuckDBConnection> {
  const context = { nodeId: options.nodeId, details: [{ path: 'config.path', message: file }] };
  if (options.mustExist) {
    try {
      await access(file);
    } catch {
      throw new ConfigError(`node "${options.nodeId}": database file ${file} does not exist`, context);
    }
  } else {
    await mkdir(dirname(file), { recursive: true });
  }
  try {
    const instance = await DuckDBInstance.fromCache(file);
    return await instance.connect();
  } catch (cause) {
    throw new ConfigError(`node "${options.nodeId}": cannot open database ${file}: ${errorMessage(cause)}`, {
      ...context,
      cause,
    });
  }
}

/** `name` as a SQL identifier: always double-quoted, embedded quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A table or view name, optionally qualified by its schema. */
export interface QualifiedName {
  schema?: string;
  name: string;
}

/**
 * Parses `table`, `schema.table`, or either part double-quoted (`"my.schema"."Order Lines"`,
 * quotes inside doubled), the way a user writes a table name in a config.
 */
export function parseQualifiedName(text: string): QualifiedName {
  const parts: string[] = [];
  let index = 0;
  while (index <= text.length) {
    let part = '';
    if (text[index] === '"') {
      index += 1;
      for (;;) {
        if (index >= text.length) throw new Error(`unterminated quoted name in ${text}`);
        if (text[index] === '"') {
          if (text[index + 1] !== '"') break;
          index += 1;
        }
        part += text[index];
        index += 1;
      }
      index += 1;
      if (index < text.length && text[index] !== '.') throw new Error(`unexpected text after quoted name in ${text}`);
    } else {
      const dot = text.indexOf('.', index);
      const end = dot === -1 ? text.length : dot;
      part = text.slice(index, end).trim();
      index = end;
    }
    if (part === '') throw new Error(`empty name part in "${text}"`);
    parts.push(part);
    index += 1;
  }
  const [first, second, ...rest] = parts;
  if (first === undefined || rest.length > 0) throw new Error(`"${text}" is not a table name (expected table or schema.table)`);
  return second === undefined ? { name: first } : { schema: first, name: second };
}

export function quoteQualifiedName(name: QualifiedName): string {
  return name.schema === undefined
    ? quoteIdentifier(name.name)
    : `${quoteIdentifier(name.schema)}.${quoteIdentifier(name.name)}`;
}

/** `name` the way a user writes it in a config: parts quoted only when they need it, so parseQualifiedName reads it back. */
export function formatQualifiedName(name: QualifiedName): string {
  const part = (text: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text) ? text : quoteIdentifier(text));
  return name.schema === undefined ? part(name.name) : `${part(name.schema)}.${part(name.name)}`;
}

export interface TableColumn {
  name: string;
  /** DuckDB's own spelling of the type, e.g. `DECIMAL(18,2)` or `STRUCT(a INTEGER, b VARCHAR)[]`. */
  type: string;
  notNull: boolean;
}

/** The columns of a table (or view), in order, or `undefined` when it does not exist. Names match case-insensitively, as DuckDB resolves them. */
export async function tableColumns(
  connection: DuckDBConnection,
  table: QualifiedName,
): Promise<TableColumn[] | undefined> {
  const reader = await connection.runAndReadAll(
    `SELECT column_name, data_type, NOT is_nullable
       FROM duckdb_columns()
      WHERE database_name = current_database()
        AND lower(schema_name) = lower(coalesce($schema, current_schema()))
        AND lower(table_name) = lower($table)
      ORDER BY column_index`,
    { schema: table.schema ?? null, table: table.name },
  );
  const rows = reader.getRowsJson();
  if (rows.length === 0) return undefined;
  return rows.map(([name, type, notNull]) => ({ name: String(name), type: String(type), notNull: notNull === true }));
}

/**
 * DuckDB's own spelling of each type text, validated. Type texts can come from upstream nodes,
 * so they are only ever bound inside one prepared statement (which cannot run a second
 * statement) and the DDL we run is built from DuckDB's rendering, never from the input.
 */
export async function canonicalTypes(connection: DuckDBConnection, types: readonly string[]): Promise<string[]> {
  const columns = types.map((type, index) => `CAST(NULL AS ${type}) AS c${index}`).join(', ');
  let rows: unknown[][];
  try {
    const describe = await connection.prepare(`DESCRIBE SELECT ${columns}`);
    rows = (await describe.runAndReadAll()).getRowsJson();
  } catch (cause) {
    throw new Error(`invalid column type among ${types.join(', ')}: ${errorMessage(cause)}`, { cause });
  }
  if (rows.length !== types.length) throw new Error(`invalid column type among ${types.join(', ')}`);
  return rows.map((row) => String(row[1]));
}

/** Runs `work` inside one transaction: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // The original error is what the caller needs; a failed ROLLBACK means DuckDB already ended the transaction.
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await connection.run('COMMIT');
  return result;
}
