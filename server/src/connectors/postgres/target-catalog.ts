/** What the destination asks Postgres's catalog about an existing table. */
import type pg from 'pg';
import type { TableName } from './sql.ts';

export interface TargetColumn {
  name: string;
  /** `format_type` spelling, e.g. `numeric(12,2)`, `character varying(20)`. */
  type: string;
  notNull: boolean;
  /** `a`: GENERATED ALWAYS AS IDENTITY (inserting a value needs OVERRIDING SYSTEM VALUE). */
  identity: '' | 'a' | 'd';
  /** A serial or identity column: its sequence is moved past the loaded values. */
  hasSequence: boolean;
  /** A generated (computed) column: never written. */
  generated: boolean;
}

export interface TargetTable {
  columns: TargetColumn[];
  primaryKey: string[];
  /** CHECK constraints as `pg_get_constraintdef` spells them, with the columns they read. */
  checks: { name: string; definition: string; columns: string[] }[];
}

/** The table's columns, primary key and checks; undefined when it does not exist. */
export async function describeTable(client: pg.Client, table: TableName): Promise<TargetTable | undefined> {
  const found = await client.query<{ oid: number }>(
    `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [table.schema, table.name],
  );
  const oid = found.rows[0]?.oid;
  if (oid === undefined) return undefined;
  const columns = await client.query<{
    name: string;
    type: string;
    not_null: boolean;
    identity: '' | 'a' | 'd';
    has_sequence: boolean;
    generated: boolean;
  }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            a.attidentity AS identity, a.attgenerated <> '' AS generated,
            pg_get_serial_sequence(a.attrelid::regclass::text, a.attname) IS NOT NULL AS has_sequence
       FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [oid],
  );
  const primaryKey = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.position`,
    [oid],
  );
  const checks = await client.query<{ name: string; definition: string; columns: string[] }>(
    `SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS definition,
            array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)) AS columns
       FROM pg_constraint c WHERE c.conrelid = $1 AND c.contype = 'c'`,
    [oid],
  );
  return {
    columns: columns.rows.map((row) => ({
      name: row.name,
      type: row.type,
      notNull: row.not_null,
      identity: row.identity,
      hasSequence: row.has_sequence,
      generated: row.generated,
    })),
    primaryKey: primaryKey.rows.map((row) => row.name),
    checks: checks.rows,
  };
}

export async function tableExists(client: pg.Client, table: TableName): Promise<boolean> {
  const found = await client.query(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [table.schema, table.name],
  );
  return (found.rowCount ?? 0) > 0;
}

export async function typeExists(client: pg.Client, type: TableName): Promise<boolean> {
  const found = await client.query(
    `SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2`,
    [type.schema, type.name],
  );
  return (found.rowCount ?? 0) > 0;
}
