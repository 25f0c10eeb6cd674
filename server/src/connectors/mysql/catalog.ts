/**
 * What MySQL's or MariaDB's `information_schema` says of the tables a source reads: columns as
 * Backflow columns (MariaDB's JSON, a LONGTEXT with a `json_valid` CHECK, as JSON), primary key,
 * unique keys, indexes and foreign keys; and the columns of a query from its result metadata. For
 * the destination, a table it writes into: its columns as declared, primary key, checks, indexes
 * and foreign keys.
 */
import type mysql from 'mysql2/promise';
import type { Column } from '../../node-kit/contract.ts';
import type { CatalogDescription, CatalogTable, SqlCatalog } from '../../node-kit/sql/stream-plan.ts';
import { type ResultField, resultColumn, tableColumn } from './column-types.ts';
import { mysqlDialect } from './connection.ts';

type Row = Record<string, string | Buffer | null>;

const systemSchemas = ['mysql', 'information_schema', 'performance_schema', 'sys'];

const textOf = (value: string | Buffer | null | undefined) =>
  value === null || value === undefined ? '' : typeof value === 'string' ? value : value.toString('utf8');

async function rows(connection: mysql.Connection, sql: string, values: unknown[] = []): Promise<Row[]> {
  const [result] = await connection.query(sql, values);
  return result as Row[];
}

/** Every table and view of the connection's database, or of every database when it names none. */
export async function listTables(connection: mysql.Connection): Promise<CatalogTable[]> {
  const tables = await rows(
    connection,
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, TABLE_TYPE AS t FROM information_schema.TABLES
      WHERE (DATABASE() IS NULL AND TABLE_SCHEMA NOT IN (?)) OR TABLE_SCHEMA = DATABASE()
      ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    [systemSchemas],
  );
  return tables.map((row) => ({ schema: textOf(row.s), name: textOf(row.n), base: textOf(row.t) === 'BASE TABLE' }));
}

const tableKey = (schema: string, name: string) => JSON.stringify([schema, name]);

/** MariaDB's JSON columns: LONGTEXT with CHECK (json_valid(`column`)). MySQL has a JSON type instead (and no TABLE_NAME here). */
async function jsonColumns(connection: mysql.Connection, schemas: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const checks = await rows(
    connection,
    `SELECT CONSTRAINT_SCHEMA AS s, TABLE_NAME AS n, CHECK_CLAUSE AS c FROM information_schema.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA IN (?)`,
    [schemas],
  ).catch(() => [] as Row[]);
  for (const row of checks) {
    const column = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(textOf(row.c).trim());
    if (column) found.add(JSON.stringify([textOf(row.s), textOf(row.n), column[1]!.replaceAll('``', '`')]));
  }
  return found;
}

/** The tables' columns, keys, indexes and foreign keys, in the order given. */
export async function describeTables(
  connection: mysql.Connection,
  tables: readonly CatalogTable[],
): Promise<CatalogDescription[]> {
  const schemas = [...new Set(tables.map((table) => table.schema))];
  if (schemas.length === 0) return [];
  const described = new Map<string, CatalogDescription>(
    tables.map((table) => [tableKey(table.schema, table.name), { columns: [], indexes: [], foreignKeys: [] }]),
  );
  const json = await jsonColumns(connection, schemas);
  const columns = await rows(
    connection,
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, COLUMN_NAME AS c, COLUMN_TYPE AS t, IS_NULLABLE AS nullable, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    [schemas],
  );
  for (const row of columns) {
    const [schema, table, name] = [textOf(row.s), textOf(row.n), textOf(row.c)];
    described.get(tableKey(schema, table))?.columns.push(
      tableColumn(name, textOf(row.t), {
        notNull: textOf(row.nullable) === 'NO',
        autoIncrement: /auto_increment/i.test(textOf(row.extra)),
        isJson: json.has(JSON.stringify([schema, table, name])),
      }),
    );
  }
  const indexColumns = await rows(
    connection,
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, INDEX_NAME AS i, NON_UNIQUE AS nu, COLUMN_NAME AS c
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN (?)
      ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
    [schemas],
  );
  for (const row of indexColumns) {
    const table = described.get(tableKey(textOf(row.s), textOf(row.n)));
    if (table === undefined || row.c === null) continue; // an index on an expression has no column
    const [name, column] = [textOf(row.i), textOf(row.c)];
    if (name === 'PRIMARY') {
      table.primaryKey = [...(table.primaryKey ?? []), column];
      continue;
    }
    let index = table.indexes.find((candidate) => candidate.name === name);
    if (index === undefined) {
      index = { name, columns: [], unique: textOf(row.nu) === '0' };
      table.indexes.push(index);
    }
    index.columns.push(column);
  }
  for (const table of described.values()) {
    const notNull = (name: string) => table.columns.find((column) => column.name === name)?.notNull === true;
    const unique = table.indexes.find((index) => index.unique && index.columns.every(notNull));
    if (unique) table.uniqueKey = unique.columns;
  }
  const references = await rows(
    connection,
    `SELECT k.TABLE_SCHEMA AS s, k.TABLE_NAME AS n, k.CONSTRAINT_NAME AS f, k.COLUMN_NAME AS c,
            k.REFERENCED_TABLE_SCHEMA AS rs, k.REFERENCED_TABLE_NAME AS rn, k.REFERENCED_COLUMN_NAME AS rc,
            r.DELETE_RULE AS del, r.UPDATE_RULE AS upd
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
      WHERE k.TABLE_SCHEMA IN (?) AND k.REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [schemas],
  );
  for (const row of references) {
    const table = described.get(tableKey(textOf(row.s), textOf(row.n)));
    if (table === undefined) continue;
    const name = textOf(row.f);
    let foreignKey = table.foreignKeys.find((candidate) => candidate.name === name);
    if (foreignKey === undefined) {
      foreignKey = {
        name,
        columns: [],
        referenced: { schema: textOf(row.rs), name: textOf(row.rn) },
        referencedColumns: [],
        onDelete: textOf(row.del),
        onUpdate: textOf(row.upd),
      };
      table.foreignKeys.push(foreignKey);
    }
    foreignKey.columns.push(textOf(row.c));
    foreignKey.referencedColumns.push(textOf(row.rc));
  }
  return tables.map((table) => described.get(tableKey(table.schema, table.name))!);
}

/** The columns of a query's result, from its metadata (LIMIT 0: no row is read). */
export async function describeQuery(connection: mysql.Connection, relation: string): Promise<Column[]> {
  const [, fields] = await connection.query(`SELECT * FROM ${relation} LIMIT 0`);
  return (fields as unknown as ResultField[]).map(resultColumn);
}

/** The catalog questions of a source, answered by this connection. */
export async function mysqlCatalog(connection: mysql.Connection): Promise<SqlCatalog> {
  const [[current]] = (await connection.query('SELECT DATABASE() AS d')) as unknown as [Row[]];
  return {
    dialect: mysqlDialect,
    defaultSchema: textOf(current?.d),
    listTables: () => listTables(connection),
    describeTables: (tables) => describeTables(connection, tables),
    describeQuery: (relation) => describeQuery(connection, relation),
  };
}

// What the destination asks information_schema of a table it writes into.

export interface TargetColumn {
  name: string;
  /** COLUMN_TYPE, e.g. `decimal(12,2)`, `varchar(20)`, `int(10) unsigned`; text types with their character set. */
  type: string;
  notNull: boolean;
  autoIncrement: boolean;
  generated: boolean;
}

export interface TargetTable {
  columns: TargetColumn[];
  primaryKey: string[];
  /** CHECK constraints (MariaDB's json_valid of a JSON column among them) with their clauses. */
  checks: { name: string; clause: string }[];
}

export async function describeTable(connection: mysql.Connection, table: string): Promise<TargetTable | undefined> {
  const [columns] = await connection.query(
    `SELECT COLUMN_NAME AS name,
            CONCAT(COLUMN_TYPE, IF(CHARACTER_SET_NAME IS NULL, '', CONCAT(' CHARACTER SET ', CHARACTER_SET_NAME))) AS type, IS_NULLABLE = 'NO' AS not_null,
            EXTRA LIKE '%auto_increment%' AS auto_increment, GENERATION_EXPRESSION IS NOT NULL AND GENERATION_EXPRESSION <> '' AS generated,
            COLUMN_KEY = 'PRI' AS primary_key
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  );
  const rows = columns as { name: string; type: string; not_null: number; auto_increment: number; generated: number }[];
  if (rows.length === 0) return undefined;
  const [keys] = await connection.query(
    `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
    [table],
  );
  const [checks] = await connection.query(
    `SELECT CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  return {
    columns: rows.map((row) => ({
      name: row.name,
      type: row.type,
      notNull: Boolean(Number(row.not_null)),
      autoIncrement: Boolean(Number(row.auto_increment)),
      generated: Boolean(Number(row.generated)),
    })),
    primaryKey: (keys as { name: string }[]).map((row) => row.name),
    checks: checks as { name: string; clause: string }[],
  };
}

export async function tableExists(connection: mysql.Connection, table: string): Promise<boolean> {
  const [rows] = await connection.query(
    `SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  return (rows as unknown[]).length > 0;
}

export async function columnNames(connection: mysql.Connection, table: string): Promise<string[]> {
  const [rows] = await connection.query(
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  return (rows as { name: string }[]).map((row) => row.name);
}

export async function indexNames(connection: mysql.Connection, table: string): Promise<string[]> {
  const [rows] = await connection.query(
    `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  return (rows as { name: string }[]).map((row) => row.name);
}

export async function foreignKeyNames(connection: mysql.Connection, table: string): Promise<string[]> {
  const [rows] = await connection.query(
    `SELECT CONSTRAINT_NAME AS name FROM information_schema.TABLE_CONSTRAINTS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_TYPE = 'FOREIGN KEY'`,
    [table],
  );
  return (rows as { name: string }[]).map((row) => row.name);
}
