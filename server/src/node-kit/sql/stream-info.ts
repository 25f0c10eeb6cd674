/** What `discover` lists of a database: each table as a stream with its columns, key and shape. */
import type { StreamInfo } from '../contract.ts';
import type { CatalogDescription, CatalogTable } from './stream-plan.ts';
import type { TableName } from './table-patterns.ts';

/** Streams named `table` in the default schema and `schema.table` elsewhere. */
export function streamInfos(
  tables: readonly CatalogTable[],
  descriptions: readonly CatalogDescription[],
  defaultSchema: string,
): StreamInfo[] {
  const nameOf = (table: TableName) => (table.schema === defaultSchema ? table.name : `${table.schema}.${table.name}`);
  return tables.map((table, index) => {
    const description = descriptions[index]!;
    return {
      name: nameOf(table),
      columns: description.columns,
      ...(description.primaryKey ? { key: description.primaryKey } : {}),
      shape: {
        ...(description.primaryKey ? { primaryKey: description.primaryKey } : {}),
        indexes: description.indexes,
        foreignKeys: description.foreignKeys.map(({ referenced, ...foreignKey }) => ({
          ...foreignKey,
          referencedStream: nameOf(referenced),
        })),
      },
    };
  });
}
