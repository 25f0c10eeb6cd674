/**
 * What the "Browse tables" picker does to a node's config: each function takes the config and
 * returns the next one, so the picker edits the flow JSON itself (through the editor store) and
 * keeps no model of its own. Which pickers a node gets follows from its config schema's fields.
 */
import type { JsonSchema, StreamInfo } from '../api/types.ts';

type Config = Record<string, unknown>;

/** What a node's config calls its streams: tables (databases) or objects (CRMs); the list field is the plural. */
export type StreamNoun = 'table' | 'object';

/** The config fields the picker can fill, as the node type's schema has them. */
export interface PickerFields {
  noun: StreamNoun;
  /** The config has the one-stream field (`table`, `object`). */
  one: boolean;
  /** The config has the list field (`tables`, `objects`). */
  many: boolean;
  key: boolean;
  cursor: boolean;
}

const propertiesOf = (schema: JsonSchema): Record<string, JsonSchema> => schema.properties ?? {};

export function pickerFields(schema: JsonSchema): PickerFields {
  const properties = propertiesOf(schema);
  const noun: StreamNoun = properties.object !== undefined || properties.objects !== undefined ? 'object' : 'table';
  return {
    noun,
    one: properties[noun] !== undefined,
    many: properties[`${noun}s`] !== undefined,
    key: properties.key !== undefined,
    cursor: propertiesOf(properties.incremental ?? {}).cursor !== undefined,
  };
}

/** The stream the config reads: `table`, or the one plain name in `tables` (or `object`/`objects`); the key and cursor pickers offer its columns. */
export function chosenStream(
  config: Config,
  streams: readonly StreamInfo[],
  noun: StreamNoun = 'table',
): StreamInfo | undefined {
  const listed = Array.isArray(config[`${noun}s`]) ? (config[`${noun}s`] as unknown[]) : [];
  const one = config[noun];
  const name = typeof one === 'string' ? one : listed.length === 1 ? listed[0] : undefined;
  return streams.find((stream) => stream.name === name);
}

/**
 * Reads the table `name`: sets `table` and drops what only another alternative of the schema
 * requires (`query`, when the schema says "give either a query or a table"). A key picked for
 * another table goes too.
 */
export function pickTable(config: Config, schema: JsonSchema, name: string, noun: StreamNoun = 'table'): Config {
  const next: Config = { ...config, [noun]: name };
  const branches: JsonSchema[] = [...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
  const tableBranch = branches.find((branch) => (branch.required ?? []).includes(noun));
  if (tableBranch) {
    for (const branch of branches) {
      if (branch === tableBranch) continue;
      for (const field of branch.required ?? []) if (!(tableBranch.required ?? []).includes(field)) delete next[field];
    }
  }
  if (config[noun] !== name) delete next.key;
  return next;
}

/** Every table, as a `tables` entry. */
export const allTables = '*';

/**
 * Whether the picker chooses several streams (checkboxes) rather than one (a radio): a type with only
 * the list field, or one with both whose config already lists them (a whole-database migration).
 */
export function picksMany(fields: Pick<PickerFields, 'noun' | 'one' | 'many'>, config: Config): boolean {
  return fields.many && (!fields.one || Array.isArray(config[`${fields.noun}s`]));
}

/**
 * Adds `name` (a table, or `*` for all of them) to `tables` (or an object to `objects`), or takes it
 * out; an empty list leaves the field out. The list excludes `table` and `query` (one of the three),
 * so they go.
 */
export function toggleTable(config: Config, name: string, noun: StreamNoun = 'table'): Config {
  const field = `${noun}s`;
  const current = Array.isArray(config[field]) ? (config[field] as string[]) : [];
  const listed = current.includes(name) ? current.filter((table) => table !== name) : [...current, name];
  const next: Config = { ...config, [field]: name === allTables && listed.includes(allTables) ? [allTables] : listed };
  delete next[noun];
  delete next.query;
  if (listed.length === 0) delete next[field];
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
