/**
 * Which tables a `tables` config selects: `*` (every table of the default schema), names
 * (`orders`, `sales.orders`) and globs (`sales.*`, `order_*`), each matched against the database's
 * tables. A name without a schema is looked up in the default schema.
 */
import picomatch from 'picomatch';

export interface TableName {
  schema: string;
  name: string;
}

/** The tables `patterns` select, in the order the database listed them, each once; throws when a pattern matches none. */
export function selectTables<T extends TableName>(
  available: readonly T[],
  patterns: readonly string[],
  defaultSchema: string,
): T[] {
  const selected = new Set<T>();
  for (const pattern of patterns) {
    const dot = splitQualified(pattern);
    const schemaPattern = dot.schema ?? defaultSchema;
    const matchSchema = picomatch(schemaPattern, { dot: true });
    const matchName = picomatch(dot.name, { dot: true });
    const matches = available.filter((table) => matchSchema(table.schema) && matchName(table.name));
    if (matches.length === 0) {
      const where = dot.schema === undefined ? ` in schema ${defaultSchema}` : '';
      throw new Error(`no table matches "${pattern}"${where}`);
    }
    for (const table of matches) selected.add(table);
  }
  return available.filter((table) => selected.has(table));
}

/** `sales.orders` → schema and name; `orders` → name only. A double-quoted part may hold dots. */
export function splitQualified(text: string): { schema?: string; name: string } {
  const parts = text
    .match(/"(?:[^"]|"")*"|[^.]+/g)
    ?.map((part) => part.replace(/^"(.*)"$/s, '$1').replaceAll('""', '"'));
  if (!parts || parts.length === 0 || parts.length > 2) throw new Error(`"${text}" is not a table name (schema.table)`);
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
}

/** The stream name of a table: its name, or `schema.table` when the tables read span several schemas. */
export function streamNames(tables: readonly TableName[]): string[] {
  const schemas = new Set(tables.map((table) => table.schema));
  return tables.map((table) => (schemas.size > 1 ? `${table.schema}.${table.name}` : table.name));
}
