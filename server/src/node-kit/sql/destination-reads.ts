/**
 * A database destination's reads of its own rows (DestinationReads), for a mirror with
 * `mirrorScope: "all"` (every key a table holds, paged by keyset) and a dry run's before → after
 * samples (the rows with given keys). The SQL is the same in Postgres and MySQL but for quoting and
 * placeholders (the dialect); each connector supplies a connection.
 */
import type { DestinationReads, NodeContext, Rec } from '../contract.ts';
import { BoundValues, type SqlDialect } from './dialect.ts';
import { keyComparison, orderBy } from './keyset.ts';
import { configuredKey, type TargetConfig, tableOfStream } from './stage-config.ts';

/** Keys per page of `keys`. */
const keysPage = 1000;

/** A connection to read a destination's tables with. */
export interface ReadsConnection {
  /** Rows of a query with values bound. */
  query(sql: string, values: unknown[]): Promise<Rec[]>;
  /** A table's quoted name and its columns; undefined when there is no such table. */
  table(name: string): Promise<{ quoted: string; columns: string[] } | undefined>;
  end(): Promise<void>;
}

export function destinationReads<C extends TargetConfig>(
  dialect: SqlDialect,
  connect: (config: C, ctx: NodeContext) => Promise<ReadsConnection>,
): DestinationReads<C> {
  /** The stream's table and its key columns (paired with the key's fields); undefined without either. */
  async function keyedTable(connection: ReadsConnection, config: C, stream: string) {
    const table = await connection.table(tableOfStream(config, stream));
    if (table === undefined) return undefined;
    const key: KeyColumn[] = configuredKey(config).map((field) => ({
      field,
      column:
        table.columns.find((column) => column === field) ??
        table.columns.find((column) => column.toLowerCase() === field.toLowerCase()) ??
        field,
    }));
    return key.length === 0 ? undefined : { table: table.quoted, key };
  }

  return {
    /** Every key in key order, a page at a time, on one connection kept for the whole listing. */
    async *keys(config, ctx, stream) {
      const connection = await connect(config, ctx);
      try {
        const found = await keyedTable(connection, config, stream);
        if (found === undefined) return;
        const columns = found.key.map(({ column }) => column);
        let position: unknown[] | undefined;
        for (;;) {
          const bound = new BoundValues(dialect);
          const after = position === undefined ? '' : `WHERE ${keyComparison(dialect, columns, '>', position, bound)}`;
          const rows = await connection.query(
            `SELECT ${columns.map(dialect.quoteIdentifier).join(', ')} FROM ${found.table} ${after} ${orderBy(dialect, columns)} LIMIT ${keysPage}`,
            bound.values,
          );
          if (rows.length > 0) yield rows.map((row) => asFields(row, found.key));
          if (rows.length < keysPage) return;
          const last = rows.at(-1) as Rec;
          position = columns.map((column) => last[column]);
        }
      } finally {
        await connection.end();
      }
    },

    /** The rows with these keys, as they are now (`key IN (…)`). */
    async current(config, ctx, stream, keys) {
      if (keys.length === 0) return [];
      const connection = await connect(config, ctx);
      try {
        const found = await keyedTable(connection, config, stream);
        if (found === undefined) return [];
        const bound = new BoundValues(dialect);
        const columns = found.key.map(({ column }) => dialect.quoteIdentifier(column));
        const tuples = keys.map((record) => {
          const values = found.key.map(({ field }) => bound.bind(record[field] ?? null));
          return values.length === 1 ? values[0] : `(${values.join(', ')})`;
        });
        const left = columns.length === 1 ? columns[0] : `(${columns.join(', ')})`;
        const rows = await connection.query(
          `SELECT * FROM ${found.table} WHERE ${left} IN (${tuples.join(', ')})`,
          bound.values,
        );
        return rows.map((row) => asFields(row, found.key));
      } finally {
        await connection.end();
      }
    },
  };
}

interface KeyColumn {
  field: string;
  column: string;
}

/** A row with its key columns also under the key's field names (a column matched ignoring case). */
function asFields(row: Rec, key: readonly KeyColumn[]): Rec {
  const record: Rec = { ...row };
  for (const { field, column } of key) if (field !== column) record[field] = row[column];
  return record;
}
