/**
 * What PostgreSQL's catalog says of tables. For the source, the tables it reads: their columns as
 * Backflow columns, primary key, unique keys, indexes and foreign keys, and the columns of a query.
 * For the destination, a table it writes into: its columns as declared, primary key and checks,
 * and whether a table or type exists.
 */
import type pg from 'pg';
import type { Column } from '../../node-kit/contract.ts';
import type { CatalogDescription, CatalogTable, SqlCatalog } from '../../node-kit/sql/stream-plan.ts';
import { backflowColumn } from './column-types.ts';
import { oneStatement, postgresDialect } from './connection.ts';
import type { TableName } from './sql.ts';

export interface PostgresTable extends CatalogTable {
  oid: number;
}

/** Every table, view, materialized view and foreign table outside the system schemas. */
export async function listTables(client: pg.Client): Promise<PostgresTable[]> {
  const { rows } = await client.query<{ schema: string; name: string; oid: string; kind: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.oid::int AS oid, c.relkind::text AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY 1, 2`,
  );
  // r: table, p: partitioned table (v, m, f: views, materialized views, foreign tables).
  return rows.map((row) => ({
    schema: row.schema,
    name: row.name,
    oid: Number(row.oid),
    base: 'rp'.includes(row.kind),
  }));
}

/** The labels of enum types (and of arrays of them), by type oid. */
async function enumLabels(client: pg.Client, typeOids: number[]): Promise<Map<number, string[]>> {
  const { rows } = await client.query<{ oid: string; labels: string }>(
    `SELECT t.oid::int AS oid, array_to_json(array_agg(e.enumlabel ORDER BY e.enumsortorder))::text AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
      WHERE t.oid = ANY($1::oid[])
      GROUP BY t.oid`,
    [typeOids],
  );
  return new Map(rows.map((row) => [Number(row.oid), JSON.parse(row.labels) as string[]]));
}

interface ColumnRow {
  relation: string;
  name: string;
  type_oid: string;
  formatted: string;
  array: string;
  not_null: string;
  auto: string;
}

/** The tables' columns, keys, indexes and foreign keys, in the order given. */
export async function describeTables(
  client: pg.Client,
  tables: readonly PostgresTable[],
): Promise<CatalogDescription[]> {
  const oids = tables.map((table) => table.oid);
  const columns = await client.query<ColumnRow>(
    `SELECT a.attrelid::int AS relation, a.attname AS name, a.atttypid::int AS type_oid,
            format_type(a.atttypid, a.atttypmod) AS formatted, t.typcategory = 'A' AS array,
            a.attnotnull AS not_null,
            a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false) AS auto
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  const labels = await enumLabels(client, [...new Set(columns.rows.map((row) => Number(row.type_oid)))]);
  const described = new Map<number, CatalogDescription>(
    oids.map((oid) => [oid, { columns: [], indexes: [], foreignKeys: [] }]),
  );
  for (const row of columns.rows) {
    const enumType = labels.get(Number(row.type_oid));
    described
      .get(Number(row.relation))!
      .columns.push(
        backflowColumn(
          row.name,
          { formatted: row.formatted, array: row.array === 't', ...(enumType ? { enumLabels: enumType } : {}) },
          { notNull: row.not_null === 't', autoIncrement: row.auto === 't' },
        ),
      );
  }
  const indexes = await client.query<{
    relation: string;
    name: string;
    columns: string;
    primary: string;
    unique: string;
  }>(
    `SELECT i.indrelid::int AS relation, c.relname AS name, i.indisprimary AS primary, i.indisunique AS unique,
            array_to_json(array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                                 ORDER BY k.n))::text AS columns
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = ANY($1::oid[]) AND i.indpred IS NULL AND 0 <> ALL (i.indkey)
      ORDER BY i.indrelid, i.indisprimary DESC, c.relname`,
    [oids],
  );
  for (const row of indexes.rows) {
    const table = described.get(Number(row.relation))!;
    const names = JSON.parse(row.columns) as string[];
    if (row.primary === 't') {
      table.primaryKey = names;
      continue;
    }
    table.indexes.push({ name: row.name, columns: names, unique: row.unique === 't' });
    const allNotNull = names.every((name) => table.columns.find((column) => column.name === name)?.notNull);
    if (row.unique === 't' && allNotNull && table.uniqueKey === undefined) table.uniqueKey = names;
  }
  const foreignKeys = await client.query<{
    relation: string;
    name: string;
    referenced_schema: string;
    referenced_table: string;
    columns: string;
    referenced_columns: string;
    on_delete: string;
    on_update: string;
  }>(
    `SELECT c.conrelid::int AS relation, c.conname AS name, n.nspname AS referenced_schema, r.relname AS referenced_table,
            array_to_json(array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n))::text AS columns,
            array_to_json(array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n))::text AS referenced_columns,
            c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
       FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace n ON n.oid = r.relnamespace
      WHERE c.contype = 'f' AND c.conrelid = ANY($1::oid[])
      ORDER BY c.conrelid, c.conname`,
    [oids],
  );
  const actions: Record<string, string> = {
    a: 'NO ACTION',
    r: 'RESTRICT',
    c: 'CASCADE',
    n: 'SET NULL',
    d: 'SET DEFAULT',
  };
  for (const row of foreignKeys.rows) {
    described.get(Number(row.relation))!.foreignKeys.push({
      name: row.name,
      columns: JSON.parse(row.columns) as string[],
      referenced: { schema: row.referenced_schema, name: row.referenced_table },
      referencedColumns: JSON.parse(row.referenced_columns) as string[],
      onDelete: actions[row.on_delete] ?? 'NO ACTION',
      onUpdate: actions[row.on_update] ?? 'NO ACTION',
    });
  }
  return oids.map((oid) => described.get(oid)!);
}

/** The columns of a query's result, without running it (LIMIT 0). */
export async function describeQuery(client: pg.Client, relation: string): Promise<Column[]> {
  const result = await client.query({ text: `SELECT * FROM ${relation} LIMIT 0`, rowMode: 'array', ...oneStatement });
  const fields = result.fields;
  if (fields.length === 0) return [];
  const types = await client.query<{ formatted: string; array: string }>(
    `SELECT format_type(f.oid, f.typmod) AS formatted, t.typcategory = 'A' AS array
       FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY f(oid, typmod, n) JOIN pg_type t ON t.oid = f.oid
      ORDER BY f.n`,
    [fields.map((field) => field.dataTypeID), fields.map((field) => field.dataTypeModifier)],
  );
  const labels = await enumLabels(client, [...new Set(fields.map((field) => field.dataTypeID))]);
  return fields.map((field, index) => {
    const enumType = labels.get(field.dataTypeID);
    const row = types.rows[index]!;
    return backflowColumn(field.name, {
      formatted: row.formatted,
      array: row.array === 't',
      ...(enumType ? { enumLabels: enumType } : {}),
    });
  });
}

/** The catalog questions of a source, answered by this client. */
export function postgresCatalog(client: pg.Client, defaultSchema: string): SqlCatalog<PostgresTable> {
  return {
    dialect: postgresDialect,
    defaultSchema,
    listTables: () => listTables(client),
    describeTables: (tables) => describeTables(client, tables),
    describeQuery: (relation) => describeQuery(client, relation),
  };
}

// What the destination asks of an existing table.

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
