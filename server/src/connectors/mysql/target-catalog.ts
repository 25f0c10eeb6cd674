/** What the destination asks MySQL's information_schema about an existing table. */
import type { Connection } from 'mysql2/promise';

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

export async function describeTable(connection: Connection, table: string): Promise<TargetTable | undefined> {
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

export async function tableExists(connection: Connection, table: string): Promise<boolean> {
  const [rows] = await connection.query(
    `SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  return (rows as unknown[]).length > 0;
}

export async function columnNames(connection: Connection, table: string): Promise<string[]> {
  const [rows] = await connection.query(
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  return (rows as { name: string }[]).map((row) => row.name);
}

export async function indexNames(connection: Connection, table: string): Promise<string[]> {
  const [rows] = await connection.query(
    `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  return (rows as { name: string }[]).map((row) => row.name);
}

export async function foreignKeyNames(connection: Connection, table: string): Promise<string[]> {
  const [rows] = await connection.query(
    `SELECT CONSTRAINT_NAME AS name FROM information_schema.TABLE_CONSTRAINTS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_TYPE = 'FOREIGN KEY'`,
    [table],
  );
  return (rows as { name: string }[]).map((row) => row.name);
}
