import type { DuckDBConnection } from '@duckdb/node-api';

export type SqlValue = string | number | boolean | null;

/**
 * The store's one DuckDB connection. Every statement goes through `serial`, so transactions never
 * interleave and repositories sharing the connection see each other's writes in order.
 */
export class StoreDatabase {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly connection: DuckDBConnection) {}

  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Rows as JSON-safe objects; call inside `serial`. */
  async rows(sql: string, values: SqlValue[] = []): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql, values);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  /** Runs one statement in its own turn. */
  run(sql: string, values: SqlValue[] = []): Promise<void> {
    return this.serial(async () => {
      await this.connection.run(sql, values);
    });
  }

  /** Runs `work` in one transaction, in its own turn. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.serial(async () => {
      await this.connection.run('begin transaction');
      try {
        const result = await work();
        await this.connection.run('commit');
        return result;
      } catch (error) {
        await this.connection.run('rollback');
        throw error;
      }
    });
  }
}

/** Parses a JSON column that DuckDB may hand back as text. */
export function parseJsonColumn(value: unknown): unknown {
  if (value == null) return undefined;
  return typeof value === 'string' ? JSON.parse(value) : value;
}
