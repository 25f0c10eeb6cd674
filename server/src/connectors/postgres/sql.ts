/** Quoting for Postgres: identifiers always quoted, literals only where SQL cannot bind (DDL). */

/** `"name"`, with `"` doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A schema-qualified table. */
export interface TableName {
  schema: string;
  name: string;
}

export function quoteTable(table: TableName): string {
  return `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)}`;
}

/** `schema.table` as a user reads it (no quotes unless needed). */
export function showTable(table: TableName): string {
  return `${table.schema}.${table.name}`;
}

/** `'text'` with `'` doubled (standard_conforming_strings is on since Postgres 9.1). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Postgres truncates identifiers longer than this many bytes. */
export const identifierBytes = 63;
