/**
 * What a database source reads, from its config: the query, the table, or the tables (names and
 * globs) in foreign-key order, each described (Backflow columns, keys, indexes, foreign keys) as a
 * stream with the key it pages by. The connector answers the catalog questions (`SqlCatalog`).
 */
import { ConfigError, errorMessage } from '../../errors.ts';
import type { ForeignKeyShape, IndexShape } from '../columns.ts';
import type { Column, NodeContext } from '../contract.ts';
import type { SqlDialect } from './dialect.ts';
import { foreignKeyOrder } from './foreign-key-order.ts';
import type { SqlStream } from './read-streams.ts';
import { keyColumns } from './source-config.ts';
import { selectTables, splitQualified, streamNames, type TableName } from './table-patterns.ts';

/** A table as a catalog lists it. */
export interface CatalogTable extends TableName {
  /** A base table (what `tables` patterns select); views and the like are read only when named by `table`. */
  base: boolean;
}

/** A foreign key as the catalog has it: the referenced table by name. */
export interface CatalogForeignKey extends Omit<ForeignKeyShape, 'referencedStream'> {
  referenced: TableName;
}

export interface CatalogDescription {
  columns: Column[];
  primaryKey?: string[];
  indexes: IndexShape[];
  foreignKeys: CatalogForeignKey[];
  /** The first unique index whose columns are all NOT NULL: the key when there is no primary key. */
  uniqueKey?: string[];
}

/** The catalog questions a source asks its database. */
export interface SqlCatalog<T extends CatalogTable = CatalogTable> {
  dialect: SqlDialect;
  /** Where a table name without a schema is looked up (`public`, the connection's database). */
  defaultSchema: string;
  listTables(): Promise<T[]>;
  describeTables(tables: readonly T[]): Promise<CatalogDescription[]>;
  /** The columns of a query's result (relation: the parenthesised query with its alias). */
  describeQuery(relation: string): Promise<Column[]>;
}

export interface SourceSelection {
  query?: string;
  table?: string;
  tables?: string[];
  key?: string | string[];
}

/** The relation a query is read as. */
export function queryRelation(query: string): string {
  // The query on lines of its own so a trailing comment cannot swallow the closing parenthesis.
  return `(\n${query.replace(/;\s*(?:--[^\n]*)?\s*$/, '')}\n) AS source_query`;
}

function configError(nodeId: string, path: string, message: string): ConfigError {
  return new ConfigError(`node "${nodeId}": ${message}`, { nodeId, details: [{ path: `config.${path}`, message }] });
}

/** The streams a config reads, in the order they are read; foreign-key cycles broken are logged. */
export async function planStreams<T extends CatalogTable>(
  catalog: SqlCatalog<T>,
  config: SourceSelection,
  ctx: Pick<NodeContext, 'nodeId' | 'log'>,
): Promise<SqlStream[]> {
  const given = [config.query, config.table, config.tables].filter((value) => value !== undefined).length;
  if (given !== 1) throw configError(ctx.nodeId, '', 'give exactly one of query, table and tables');
  const key = keyColumns(config.key);
  if (config.query !== undefined) {
    const relation = queryRelation(config.query);
    const columns = await catalog.describeQuery(relation).catch((error: unknown) => {
      throw configError(ctx.nodeId, 'query', `the query cannot be read: ${errorMessage(error)}`);
    });
    return [{ name: 'query', relation, columns, key: key ?? [] }];
  }
  const listed = await catalog.listTables();
  let selected: T[];
  try {
    if (config.table !== undefined) {
      const name = splitQualified(config.table);
      const schema = name.schema ?? catalog.defaultSchema;
      const table = listed.find((t) => t.schema === schema && t.name === name.name);
      if (table === undefined) throw new Error(`table "${config.table}" does not exist in ${schema}`);
      selected = [table];
    } else {
      selected = selectTables(
        listed.filter((table) => table.base),
        config.tables!,
        catalog.defaultSchema,
      );
    }
  } catch (error) {
    throw configError(ctx.nodeId, config.table === undefined ? 'tables' : 'table', errorMessage(error));
  }
  const names = config.table !== undefined ? [selected[0]!.name] : streamNames(selected);
  const streamOf = (table: TableName) => {
    const index = selected.findIndex((t) => t.schema === table.schema && t.name === table.name);
    return index < 0 ? undefined : names[index];
  };
  const descriptions = await catalog.describeTables(selected);
  const streams = selected.map((table, index): SqlStream => {
    const description = descriptions[index]!;
    const foreignKeys = description.foreignKeys.flatMap(({ referenced, ...foreignKey }) => {
      const referencedStream = streamOf(referenced);
      return referencedStream === undefined ? [] : [{ ...foreignKey, referencedStream }];
    });
    const quoted = [table.schema, table.name].map((part) => catalog.dialect.quoteIdentifier(part)).join('.');
    return {
      name: names[index]!,
      relation: quoted,
      columns: description.columns,
      shape: {
        ...(description.primaryKey ? { primaryKey: description.primaryKey } : {}),
        indexes: description.indexes,
        foreignKeys,
      },
      key: key ?? description.primaryKey ?? description.uniqueKey ?? [],
    };
  });
  const { order, broken } = foreignKeyOrder(
    streams.map((stream) => stream.name),
    streams.flatMap((stream) =>
      (stream.shape?.foreignKeys ?? []).map((fk) => ({ from: stream.name, to: fk.referencedStream, name: fk.name })),
    ),
  );
  for (const reference of broken) {
    ctx.log.warn('foreign keys form a cycle: a child table is read before the table it references', {
      table: reference.from,
      references: reference.to,
      foreignKey: reference.name,
    });
  }
  return order.map((name) => streams.find((stream) => stream.name === name)!);
}
