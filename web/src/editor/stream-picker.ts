/**
 * What the "Browse tables" picker does to a node's config: each function takes the config and
 * returns the next one, so the picker edits the flow JSON itself (through the editor store) and
 * keeps no model of its own. Which pickers a node gets follows from its config schema's fields.
 */
import type { JsonSchema, StreamInfo } from '../api/types.ts';

type Config = Record<string, unknown>;

/** The config fields the picker can fill, as the node type's schema has them. */
export interface PickerFields {
  table: boolean;
  tables: boolean;
  key: boolean;
  cursor: boolean;
}

const propertiesOf = (schema: JsonSchema): Record<string, JsonSchema> => schema.properties ?? {};

export function pickerFields(schema: JsonSchema): PickerFields {
  const properties = propertiesOf(schema);
  return {
    table: properties.table !== undefined,
    tables: properties.tables !== undefined,
    key: properties.key !== undefined,
    cursor: propertiesOf(properties.incremental ?? {}).cursor !== undefined,
  };
}

/** The table the config reads: `table`, or the one plain name in `tables`; the key and cursor pickers offer its columns. */
export function chosenStream(config: Config, streams: readonly StreamInfo[]): StreamInfo | undefined {
  const tables = Array.isArray(config.tables) ? config.tables : [];
  const name = typeof config.table === 'string' ? config.table : tables.length === 1 ? tables[0] : undefined;
  return streams.find((stream) => stream.name === name);
}

/**
 * Reads the table `name`: sets `table` and drops what only another alternative of the schema
 * requires (`query`, when the schema says "give either a query or a table"). A key picked for
 * another table goes too.
 */
export function pickTable(config: Config, schema: JsonSchema, name: string): Config {
  const next: Config = { ...config, table: name };
  const branches: JsonSchema[] = [...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
  const tableBranch = branches.find((branch) => (branch.required ?? []).includes('table'));
  if (tableBranch) {
    for (const branch of branches) {
      if (branch === tableBranch) continue;
      for (const field of branch.required ?? []) if (!(tableBranch.required ?? []).includes(field)) delete next[field];
    }
  }
  if (config.table !== name) delete next.key;
  return next;
}

/** Every table, as a `tables` entry. */
export const allTables = '*';

/**
 * Whether the picker chooses several tables (checkboxes) rather than one (a radio): a type with only
 * `tables`, or one with both whose config already lists `tables` (a whole-database migration).
 */
export function picksMany(fields: { table: boolean; tables: boolean }, config: Config): boolean {
  return fields.tables && (!fields.table || Array.isArray(config.tables));
}

/**
 * Adds `name` (a table, or `*` for all of them) to `tables`, or takes it out; an empty list leaves
 * the field out. `tables` excludes `table` and `query` (one of the three), so they go.
 */
export function toggleTable(config: Config, name: string): Config {
  const current = Array.isArray(config.tables) ? (config.tables as string[]) : [];
  const tables = current.includes(name) ? current.filter((table) => table !== name) : [...current, name];
  const next: Config = { ...config, tables: name === allTables && tables.includes(allTables) ? [allTables] : tables };
  delete next.table;
  delete next.query;
  if (tables.length === 0) delete next.tables;
  return next;
}

/** The key's columns, whether it is written as one name or a list. */
export function keyColumns(config: Config): string[] {
  if (typeof config.key === 'string') return [config.key];
  return Array.isArray(config.key) ? (config.key as string[]) : [];
}

/** Adds `column` to the key or takes it out: one column is written as a name, several as a list. */
export function toggleKey(config: Config, column: string): Config {
  const current = keyColumns(config);
  const columns = current.includes(column) ? current.filter((c) => c !== column) : [...current, column];
  const next: Config = { ...config };
  if (columns.length === 0) delete next.key;
  else next.key = columns.length === 1 ? columns[0] : columns;
  return next;
}

/** Sets `incremental.cursor` (keeping the rest of `incremental`), or clears it. */
export function pickCursor(config: Config, column: string | undefined): Config {
  const incremental = { ...((config.incremental as Config | undefined) ?? {}) };
  if (column === undefined) delete incremental.cursor;
  else incremental.cursor = column;
  const next: Config = { ...config, incremental };
  if (Object.keys(incremental).length === 0) delete next.incremental;
  return next;
}

/** A column as the picker lists it: `amount DECIMAL(12,2) not null, key`. */
export function describeColumn(column: StreamInfo['columns'][number], stream: StreamInfo): string {
  const notes = [
    column.notNull ? 'not null' : '',
    (stream.key ?? stream.shape?.primaryKey ?? []).includes(column.name) ? 'primary key' : '',
    column.autoIncrement ? 'auto-increment' : '',
  ].filter(Boolean);
  return `${column.type}${notes.length > 0 ? `, ${notes.join(', ')}` : ''}`;
}
