/**
 * Backflow's column types. A stream's columns carry DuckDB's logical type names, the one type
 * system every connector maps to and from, so a backup restores to the same types whatever lies
 * between (see connectors/duckdb/README.md for the values records carry):
 *
 * - integers: TINYINT, SMALLINT, INTEGER, BIGINT, HUGEINT and their unsigned UTINYINT … UHUGEINT;
 * - decimals and floats: DECIMAL(p,s), FLOAT, DOUBLE;
 * - text and bytes: VARCHAR, BLOB, UUID, JSON, ENUM(...), BIT;
 * - time: DATE, TIME, TIMETZ, TIMESTAMP (and _S, _MS, _NS), TIMESTAMPTZ, INTERVAL;
 * - nested: T[] (LIST), T[n] (ARRAY), STRUCT(name T, …), MAP(K, V), UNION(tag T, …);
 * - BOOLEAN.
 *
 * A connector whose system has other types maps them to the nearest of these, and says how in its
 * README (e.g. Postgres `numeric` → DECIMAL(38,10) when unbounded).
 */

/** A column of a stream: its name and its type, one of the names above (`BIGINT`, `DECIMAL(18,2)`, `STRUCT(...)`). */
export interface Column {
  name: string;
  type: string;
  /** NULL is refused (a database column declared NOT NULL), when the producer knows. */
  notNull?: boolean;
  /** Longest text a VARCHAR holds (`varchar(255)`), when the system declares one. */
  maxLength?: number;
  /** Filled by the system on insert (a serial, identity or AUTO_INCREMENT column). */
  autoIncrement?: boolean;
}

/** An index of a table, as a database migration recreates it after the data. */
export interface IndexShape {
  name: string;
  columns: string[];
  unique: boolean;
}

/** A foreign key: `columns` of this stream reference `referencedColumns` of stream `referencedStream`. */
export interface ForeignKeyShape {
  name: string;
  columns: string[];
  referencedStream: string;
  referencedColumns: string[];
  onDelete?: string;
  onUpdate?: string;
}

/**
 * What a database source knows of a table beyond its columns, so a destination can rebuild it:
 * the primary key (created with the table), indexes and foreign keys (created after the data).
 */
export interface TableShape {
  primaryKey?: string[];
  indexes?: IndexShape[];
  foreignKeys?: ForeignKeyShape[];
}

/**
 * Column types for records that arrive without a schema, from the values of the first batch:
 * any string → VARCHAR (other values keep their JSON text), only booleans → BOOLEAN, only numbers
 * → DOUBLE (a JS number is a double; guessing BIGINT would round a later 1.5), anything else → JSON.
 */
export function inferColumns(records: readonly Record<string, unknown>[]): Column[] {
  const kinds = new Map<string, number>();
  for (const record of records) {
    // for…in rather than Object.entries: no array per record (a million records made 8 million arrays).
    for (const field in record) {
      if (!Object.hasOwn(record, field)) continue;
      const seen = kinds.get(field);
      const kind = kindBit(record[field]);
      if (seen === undefined || (seen | kind) !== seen) kinds.set(field, (seen ?? 0) | kind);
    }
  }
  return [...kinds].map(([name, seen]) => ({ name, type: inferredType(seen) }));
}

/** One bit per kind of value `inferColumns` tells apart; 0 for null and undefined. */
const STRING = 1;
const NUMBER = 2;
const BOOLEAN = 4;
const ARRAY = 8;
const OTHER = 16;

function kindBit(value: unknown): number {
  if (value === null || value === undefined) return 0;
  switch (typeof value) {
    case 'string':
      return STRING;
    case 'number':
      return NUMBER;
    case 'boolean':
      return BOOLEAN;
    default:
      return Array.isArray(value) ? ARRAY : OTHER;
  }
}

function inferredType(kinds: number): string {
  if (kinds === 0 || kinds & STRING) return 'VARCHAR';
  if (kinds === BOOLEAN) return 'BOOLEAN';
  return kinds === NUMBER ? 'DOUBLE' : 'JSON';
}

const scalarTypes = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
  'FLOAT',
  'DOUBLE',
  'DECIMAL',
  'VARCHAR',
  'BLOB',
  'UUID',
  'JSON',
  'BIT',
  'DATE',
  'TIME',
  'TIMETZ',
  'TIME WITH TIME ZONE',
  'TIMESTAMP',
  'TIMESTAMP_S',
  'TIMESTAMP_MS',
  'TIMESTAMP_NS',
  'TIMESTAMPTZ',
  'TIMESTAMP WITH TIME ZONE',
  'INTERVAL',
  'BOOLEAN',
]);

/** Whether `type` is one of Backflow's column types (above), as a connector's `discover` must report them. */
export function isColumnType(type: string): boolean {
  const element = type.trim().replace(/(\[\d*\])+$/, '');
  if (scalarTypes.has(element)) return true;
  if (/^DECIMAL\(\d+,\s*\d+\)$/.test(element)) return true;
  return /^(STRUCT|MAP|UNION|ENUM)\(.+\)$/s.test(element);
}
