/**
 * Backflow column types → MySQL/MariaDB DDL (README "Type mapping (write)"), and the statements
 * that rebuild a table's shape after the data: indexes and foreign keys.
 */
import type { Column, ForeignKeyShape, IndexShape } from '../../node-kit/columns.ts';
import { parseColumnType } from '../../node-kit/sql/ddl-types.ts';
import { quoteIdentifier, quoteLiteral } from './sql.ts';

/** Longest VARCHAR declared as such (utf8mb4 rows hold 65,535 bytes); longer text is longtext. */
export const longestVarchar = 16_383;

const scalarTypes: Record<string, string> = {
  TINYINT: 'tinyint',
  UTINYINT: 'tinyint unsigned',
  SMALLINT: 'smallint',
  USMALLINT: 'smallint unsigned',
  INTEGER: 'int',
  UINTEGER: 'int unsigned',
  BIGINT: 'bigint',
  UBIGINT: 'bigint unsigned',
  HUGEINT: 'decimal(39,0)',
  UHUGEINT: 'decimal(39,0)',
  FLOAT: 'float',
  DOUBLE: 'double',
  BOOLEAN: 'tinyint(1)',
  VARCHAR: 'longtext',
  BLOB: 'longblob',
  JSON: 'json',
  STRUCT: 'json',
  MAP: 'json',
  UNION: 'json',
  INTERVAL: 'json',
  DATE: 'date',
  TIME: 'time(6)',
  TIME_NS: 'time(6)',
  TIMETZ: 'varchar(32)',
  TIMESTAMP: 'datetime(6)',
  TIMESTAMP_S: 'datetime(6)',
  TIMESTAMP_MS: 'datetime(6)',
  TIMESTAMP_NS: 'datetime(6)',
  TIMESTAMPTZ: 'datetime(6)',
  BIT: 'varchar(255)',
};

export interface MysqlTypeOptions {
  /** MariaDB ≥ 10.7 has a `uuid` type; elsewhere char(36). */
  uuidType: boolean;
  /** The column is part of a key or index: text without a length becomes varchar(255). */
  indexed: boolean;
}

/** The MySQL type of a Backflow column; throws naming a type it cannot map. */
export function mysqlType(column: Column, options: MysqlTypeOptions): string {
  const parsed = parseColumnType(column.type);
  if (parsed.listDepth > 0) return 'json';
  if (parsed.base === 'DECIMAL') return `decimal(${parsed.precision},${parsed.scale})`;
  if (parsed.base === 'ENUM') return `enum(${(parsed.labels ?? []).map(quoteLiteral).join(', ')})`;
  if (parsed.base === 'UUID') return options.uuidType ? 'uuid' : 'char(36)';
  if (parsed.base === 'VARCHAR') {
    if (column.maxLength !== undefined && column.maxLength <= longestVarchar) return `varchar(${column.maxLength})`;
    return options.indexed ? 'varchar(255)' : 'longtext';
  }
  if (parsed.base === 'BLOB' && options.indexed) return 'varbinary(255)';
  const type = scalarTypes[parsed.base];
  if (type === undefined) throw new Error(`column "${column.name}" has type ${column.type}, which has no MySQL type`);
  return type;
}

const integerBases = new Set([
  'TINYINT',
  'UTINYINT',
  'SMALLINT',
  'USMALLINT',
  'INTEGER',
  'UINTEGER',
  'BIGINT',
  'UBIGINT',
]);

/** Whether a column becomes AUTO_INCREMENT (an auto-increment integer). */
export function isAutoIncrement(column: Column): boolean {
  const parsed = parseColumnType(column.type);
  return column.autoIncrement === true && parsed.listDepth === 0 && integerBases.has(parsed.base);
}

/** A column's definition: type, NOT NULL, AUTO_INCREMENT when `autoIncrement` is allowed (it needs a key). */
export function columnDefinition(
  column: Column,
  options: MysqlTypeOptions & { autoIncrement: boolean; primaryKey: boolean },
): string {
  const autoIncrement = options.autoIncrement && isAutoIncrement(column);
  const notNull = column.notNull === true || options.primaryKey || autoIncrement;
  return `${quoteIdentifier(column.name)} ${mysqlType(column, options)}${notNull ? ' NOT NULL' : ''}${autoIncrement ? ' AUTO_INCREMENT' : ''}`;
}

export function addIndex(index: IndexShape): string {
  return `ADD ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.name)} (${index.columns.map(quoteIdentifier).join(', ')})`;
}

const referentialActions = new Set(['CASCADE', 'SET NULL', 'RESTRICT', 'NO ACTION']);

export function addForeignKey(key: ForeignKeyShape, referencedTable: string): string {
  const action = (event: string, rule: string | undefined) => {
    const upper = rule?.toUpperCase().replace('_', ' ');
    return upper !== undefined && referentialActions.has(upper) ? ` ON ${event} ${upper}` : '';
  };
  return `ADD CONSTRAINT ${quoteIdentifier(key.name)} FOREIGN KEY (${key.columns.map(quoteIdentifier).join(', ')})
    REFERENCES ${quoteIdentifier(referencedTable)} (${key.referencedColumns.map(quoteIdentifier).join(', ')})${action('DELETE', key.onDelete)}${action('UPDATE', key.onUpdate)}`;
}
