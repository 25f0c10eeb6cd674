/**
 * Opening DuckDB files and writing SQL about them safely: one shared instance per file, quoted
 * identifiers and qualified names, and the catalog look-ups both node types need.
 */
import { access, mkdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ConfigError, errorMessage } from '../../errors.ts';
import type { Column, NodeContext } from '../../node-kit/contract.ts';

/** Absolute path of a database file named in a config; relative paths resolve against the flow's base directory. */
export function resolveDatabasePath(path: string, baseDir: string): string {
  return resolve(baseDir, path);
}

export interface ConnectOptions {
  /** Refuse to open a file that does not exist (a source must never create an empty database). */
  mustExist: boolean;
  /** The node the connection is for, named in errors. */
  nodeId: string;
  /** The run the connection is for: a writer waits for other runs' reads of the file, never its own. */
  runId?: string;
  /**
   * Reads only (sources): the file is opened read-only, so other processes can read it at the same
   * time. A writer of the same file in this process is shared as is.
   */
  readOnly?: boolean;
  /**
   * Confines the instance's file access to these directories (a server's file roots): SQL may read
   * or write files under them only (DuckDB's allowed_directories with external access off).
   */
  fileRoots?: readonly string[];
}

/**
 * DuckDB keeps the blocks it read cached up to its memory limit (80% of RAM by default), so a run
 * over a big file would grow as the file does. A modest limit keeps memory flat; sorts and joins
 * beyond it spill to disk. Not lower: a COPY pushdown to Parquet needs its row groups in memory,
 * and a server's runs cannot spill (file access outside their roots is off), so at 32 MB a small
 * Parquet backup failed for want of memory. `BACKFLOW_DUCKDB_MEMORY_LIMIT` overrides it (e.g. `2GB`).
 */
function instanceOptions(readOnly: boolean): Record<string, string> {
  return {
    memory_limit: process.env.BACKFLOW_DUCKDB_MEMORY_LIMIT ?? '128MB',
    ...(readOnly ? { access_mode: 'READ_ONLY' } : {}),
  };
}

/** A file's shared instance and how many of our connections use it. */
interface OpenFile {
  opening: Promise<DuckDBInstance>;
  /** The directories it is confined to, as one key ('' when it is not). */
  confinement: string;
  /** Set once open, so the last `disconnect` closes it at once (no window for a reopen to race). */
  instance?: DuckDBInstance;
  connections: number;
  readOnly: boolean;
  /** Runs holding connections, with how many each. */
  runs: Map<string, number>;
  /** Resolves once the last connection was given back and the instance closed. */
  closed: Promise<void>;
  markClosed(): void;
}

function openFile(file: string, readOnly: boolean, fileRoots: readonly string[] | undefined): OpenFile {
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  return {
    opening: createInstance(file, readOnly, fileRoots),
    confinement: confinementOf(fileRoots),
    connections: 0,
    readOnly,
    runs: new Map(),
    closed,
    markClosed,
  };
}

function confinementOf(fileRoots: readonly string[] | undefined): string {
  return fileRoots ? JSON.stringify(fileRoots) : '';
}

async function createInstance(
  file: string,
  readOnly: boolean,
  fileRoots: readonly string[] | undefined,
): Promise<DuckDBInstance> {
  // Not DuckDB's instance cache: after a read stopped early (a preview, a cancel) closed its
  // instance mid-stream, the cache's next open of that file can wait forever.
  // DuckDB loads when a node opens a database, not at every start of the CLI.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(file, instanceOptions(readOnly));
  if (fileRoots === undefined) return instance;
  const setup = await instance.connect();
  try {
    // Directories end in a separator so /data does not also allow /data-other; DuckDB adds its own temp directory.
    const directories = fileRoots.map((root) => `'${join(root, sep).replaceAll("'", "''")}'`).join(', ');
    await setup.run(`SET allowed_directories = [${directories}]`);
    // Once off it cannot be turned on again, not even by a query of the user's.
    await setup.run('SET enable_external_access = false');
  } catch (cause) {
    setup.closeSync();
    instance.closeSync();
    throw cause;
  }
  setup.closeSync();
  return instance;
}

const openFiles = new Map<string, OpenFile>();
/** Which file each connection we handed out belongs to, for `disconnect`. */
const connectionFiles = new WeakMap<DuckDBConnection, { file: string; runId: string }>();

/**
 * Connects to the database file at `file` (absolute); give the connection back with `disconnect`.
 * Every node of the process that names the same file shares one DuckDB instance (one writer per
 * file, and two instances of a file in one process would corrupt it), held until its last
 * connection is given back, so the file is unlocked (e.g. for the DuckDB CLI) once no run uses it.
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
  const readOnly = options.readOnly ?? false;
  const confinement = confinementOf(options.fileRoots);
  let open = openFiles.get(file);
  // A file open read-only for a source cannot take a writer too. The writer of another run waits
  // until that read is over (as a second writer process would); within one run it would wait forever.
  // An instance confined otherwise (a run of another kind in this process) is waited for the same way.
  while (open && ((open.readOnly && !readOnly) || open.confinement !== confinement)) {
    if (options.runId !== undefined && open.runs.has(options.runId)) {
      throw new ConfigError(
        `node "${options.nodeId}": database ${file} is open read-only for a source of this run; a flow cannot write a file it reads unless the destination opens it first`,
        context,
      );
    }
    await open.closed;
    open = openFiles.get(file);
  }
  if (open === undefined) {
    open = openFile(file, readOnly, options.fileRoots);
    openFiles.set(file, open);
  }
  open.connections += 1;
  const runId = options.runId ?? '';
  open.runs.set(runId, (open.runs.get(runId) ?? 0) + 1);
  try {
    open.instance = await open.opening;
    const connection = await open.instance.connect();
    connectionFiles.set(connection, { file, runId });
    return connection;
  } catch (cause) {
    release(file, runId);
    throw new ConfigError(`node "${options.nodeId}": cannot open database ${file}: ${errorMessage(cause)}`, {
      ...context,
      cause,
    });
  }
}

/** A node's connection to the database file its config names, confined as its context says. */
export function connectNodeDatabase(
  path: string,
  ctx: NodeContext,
  options: { mustExist: boolean; readOnly?: boolean },
): Promise<DuckDBConnection> {
  return connectDatabase(resolveDatabasePath(path, ctx.baseDir), {
    ...options,
    runId: ctx.runId,
    nodeId: ctx.nodeId,
    ...(ctx.fileRoots ? { fileRoots: ctx.fileRoots } : {}),
  });
}

/** Closes a connection from `connectDatabase`, and the file's instance with its last connection. */
export function disconnect(connection: DuckDBConnection): void {
  const owner = connectionFiles.get(connection);
  if (owner === undefined) return;
  connectionFiles.delete(connection);
  connection.closeSync();
  release(owner.file, owner.runId);
}

function release(file: string, runId: string): void {
  const open = openFiles.get(file);
  if (open === undefined) return;
  const held = (open.runs.get(runId) ?? 1) - 1;
  if (held > 0) open.runs.set(runId, held);
  else open.runs.delete(runId);
  open.connections -= 1;
  if (open.connections > 0) return;
  openFiles.delete(file);
  // After a failed open there is nothing to close.
  open.instance?.closeSync();
  open.markClosed();
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
  if (first === undefined || rest.length > 0)
    throw new Error(`"${text}" is not a table name (expected table or schema.table)`);
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

/**
 * `WHERE` for the rows whose key (one column or several, compared as a row) is after `lower` and
 * up to `upper`, either bound open (null). The bounds are bound as text, `$1…` in order, and cast
 * to each key column's type, so a cursor from a record (`"9007199254740993"`) compares exactly.
 */
export function keyRangeFilter(
  keys: readonly Column[],
  lower: readonly unknown[] | null,
  upper: readonly unknown[] | null,
): { where: string; values: string[] } {
  const keyList = keys.map((key) => quoteIdentifier(key.name)).join(', ');
  const conditions: string[] = [];
  const values: string[] = [];
  for (const [operator, bound] of [
    ['>', lower],
    ['<=', upper],
  ] as const) {
    if (bound === null) continue;
    const casts = keys.map((key, index) => `CAST($${values.length + index + 1} AS ${key.type})`);
    const comparison = `(${keyList}) ${operator} (${casts.join(', ')})`;
    // DuckDB rewrites `> a AND <= b` on a composite key into a BETWEEN it cannot evaluate; IS TRUE keeps them apart.
    conditions.push(keys.length > 1 && operator === '<=' ? `(${comparison}) IS TRUE` : comparison);
    values.push(...bound.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))));
  }
  return { where: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, values };
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
